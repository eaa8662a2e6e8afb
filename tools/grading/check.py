"""Run an assignment's reference suite in grading mode: the reference must earn full marks, the stubs 0.

    python -m tools.grading.check 3            # after merging new tests into assignment 3
    python -m tools.grading.check 1 2 3 --per-test 60

Grades the reference package (as a submission) and an empty submission (the stubbed release)
exactly as a student's upload is graded: tests in this process, submitted code in the worker.
A test that fails on the reference here but passes under plain pytest breaks the grading
contract (DEVELOPING.md, "Writing tests that grade safely"): its message says why.
"""

import argparse
import os
import sys
import tempfile

from tools import grade

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check(n, per_test=60.0, root=ROOT, show=print):
    """True when the reference earns full marks and the stubs earn 0 in grading mode."""
    ref = grade.grade(root, n, os.path.join(root, f"assignment{n}"), per_test=per_test)
    with tempfile.TemporaryDirectory() as empty:
        stub = grade.grade(root, n, empty, per_test=per_test)
    mx = ref["extra_data"]["max_score"]
    ok = ref["score"] == mx and stub["score"] == 0
    show(
        f"assignment{n}: reference {ref['score']:g}/{mx:g} ({ref['extra_data']['seconds']:.1f} s), "
        f"stubs {stub['score']:g}/{mx:g} ({stub['extra_data']['seconds']:.1f} s): {'OK' if ok else 'FAILED'}"
    )
    for t in ref["tests"]:
        if t["status"] != "passed":
            show(f"  reference FAILS {t['extra_data']['nodeid']}: {' '.join(t['output'].split())[:300]}")
    for t in stub["tests"]:
        if t["status"] == "passed" and t["max_score"] > 0:
            show(f"  stubs PASS {t['extra_data']['nodeid']}")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference full marks and stubs 0, in grading mode.")
    ap.add_argument("assignments", nargs="+", type=int)
    ap.add_argument("--per-test", type=float, default=60.0)
    args = ap.parse_args(argv)
    ok = all([check(n, args.per_test) for n in args.assignments])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
