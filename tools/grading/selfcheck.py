"""A quick end-to-end check of the grader for `make test`: assignment 1 in grading mode (reference full, stubs 0).

    python -m tools.grading.selfcheck

The hostile-submission suite (tools/tests/test_hostile.py) covers the attacks on the fixture
course; this checks the real tests and package go through the worker correctly.
"""

import sys

from tools.grading import check


def main():
    return 0 if check.check(1, per_test=60.0) else 1


if __name__ == "__main__":
    sys.exit(main())
