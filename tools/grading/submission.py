"""Which submitted files count and how large they may be: the grader's limits, which collect_submission.py repeats.

collect_submission.py (shipped to students, so it cannot import this) holds the same numbers as
MAX_FILE_BYTES / MAX_CODE_BYTES and the same selection (cs231n/**/*.py, no hidden files or
folders, no __pycache__); tools/tests/test_hostile.py checks that they agree.
"""

MAX_FILE = 2 << 20  # bytes per submitted .py file (as inflated, not as the zip declares)
MAX_TOTAL = 32 << 20  # bytes of .py in a submission
MAX_MEMBERS = 5000  # entries in a submitted zip


def selected(parts):
    """True for a path (list of its parts from cs231n on) the grader uses."""
    return parts[-1].endswith(".py") and not any(p.startswith(".") or p == "__pycache__" for p in parts)
