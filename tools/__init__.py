"""The kit's tools, grouped by job (map: tools/README.md). Run them as modules from the repository's top:

python -m tools.release             the student release (release/)
python -m tools.bench               benchmarks (bench/)
python -m tools.dev.run_tests       make test (dev/)
python tools/grade.py               grading (grade.py, testrun.py, pytest_limits.py, gradescope/)
"""
