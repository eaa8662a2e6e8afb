"""Development runners: what `make test` and `make notebooks` run, and the declared copies.

python -m tools.dev.run_tests        # make test: every suite, copies, release validation, notebooks
python -m tools.dev.run_notebooks    # make notebooks: execute notebooks (smoke or full size)
python -m tools.dev.copies           # check the declared copies (--write: write them)
"""
