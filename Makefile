# Course kit tasks. `make lab` and `make test` are the two commands a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
ASSIGNMENTS := assignment1 assignment2 assignment3
# what `make data` (and so `make lab` / `make test`) prepares; offline each falls back to synthetic
DATASETS ?= cifar10 coco_captioning mnist

.PHONY: help venv data lab test lint release grade gradescope notebooks bench clean

help:
	@echo "make lab         set up (.venv + datasets) and start JupyterLab"
	@echo "make test        set up, then all tests, copy check, lint, release validation, smoke notebook runs"
	@echo "make lint        ruff (settings in pyproject.toml; pinned in requirements-dev.txt)"
	@echo "make data        download CIFAR-10, COCO captioning and MNIST (synthetic stand-ins when offline)"
	@echo "make release     build the student release under build/release/"
	@echo "make grade A=1 SUBMISSION=path.zip   grade a submission (Gradescope results.json)"
	@echo "make grade A=1 SUBMISSIONS=dir/  grade a folder of submissions (parallel, resumable) -> gradebook.csv"
	@echo "make gradescope A=1  build the Gradescope autograder zip under build/gradescope/"
	@echo "make notebooks   run every notebook (smoke sizes; FULL=1 for full size on real data)"
	@echo "make bench       benchmarks -> build/bench/results.{json,md} (ONLY=a1,a2,... to select)"
	@echo "make clean       remove build/ (keeps .venv and datasets)"

# The virtual environment is (re)built only when requirements.txt is newer than it.
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

# Maintainer tools (the linter), on top of the student set: only `make test` and `make lint` need them.
DEV_STAMP := $(VENV)/.requirements-dev-installed
$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(DEV_STAMP)

data: $(STAMP)
	$(PY) datasets/get_datasets.py $(DATASETS)

lab: venv data
	$(PY) -m tools.dev.lab

test: venv data $(DEV_STAMP)
	$(PY) -m tools.dev.run_tests

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

release: venv
	$(PY) -m tools.release

grade: venv
ifneq ($(SUBMISSIONS),)
	$(PY) -m tools.grading.batch -a $(or $(A),1) $(SUBMISSIONS) $(if $(OUT),--out $(OUT)) $(if $(JOBS),--jobs $(JOBS))
else
	@test -n "$(SUBMISSION)" || { echo "usage: make grade A=1 SUBMISSION=path/to/a1_code_submission.zip  (or SUBMISSIONS=folder/)"; exit 2; }
	$(PY) tools/grade.py --assignment $(or $(A),1) $(SUBMISSION) $(if $(OUT),--out $(OUT))
endif

gradescope: venv
	$(PY) tools/grade.py --assignment $(or $(A),1) --gradescope-zip

notebooks: venv
	$(PY) -m tools.dev.run_notebooks $(if $(FULL),--full,--smoke) $(NB)

bench: venv
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) -m tools.bench $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf build
