"""Grade a folder of submissions (one zip or folder per student) in parallel, resumably, into a gradebook CSV.

    python -m tools.grading.batch -a 1 submissions/ [--jobs 2] [--out build/grade/a1-batch]
    make grade A=1 SUBMISSIONS=submissions/

Each student's results.json goes to OUT/<student>/ (student = the zip's or folder's name);
a student whose results.json exists is skipped, so an interrupted run resumes. Each
submission is graded by its own `tools/grade.py` process (its own worker and worker uid
slot), `--jobs` at a time (default: the number of cores). OUT/gradebook.csv has one row per
student: points per question, total, status (ok, refused, error).
"""

import argparse
import concurrent.futures
import csv
import json
import os
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)


def students(folder):
    """name -> path for each zip or folder directly in `folder` (hidden entries skipped)."""
    out = {}
    for entry in sorted(os.listdir(folder)):
        if entry.startswith("."):
            continue
        path = os.path.join(folder, entry)
        if os.path.isdir(path) or entry.endswith(".zip"):
            out[entry[:-4] if entry.endswith(".zip") else entry] = path
    return out


def grade_one(n, path, out, per_test, total, root):
    os.makedirs(out, exist_ok=True)
    cmd = [sys.executable, os.path.join(TOOLS, "grade.py"), "-a", str(n), path, "--out", out]
    cmd += ["--per-test", str(per_test), "--total", str(total), "--root", root]
    with open(os.path.join(out, "grade.log"), "w") as log:
        p = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return p.returncode


def row(name, out):
    path = os.path.join(out, "results.json")
    try:
        with open(path) as f:
            res = json.load(f)
    except (OSError, ValueError):
        return {"student": name, "total": 0, "status": "error"}, {}
    qs = {}
    for t in res.get("tests", []):
        q = t.get("extra_data", {}).get("question", "?")
        qs[q] = qs.get(q, 0.0) + float(t.get("score", 0))
    status = "refused" if str(res.get("output", "")).startswith("SUBMISSION REFUSED") else "ok"
    return {"student": name, "total": res.get("score", 0), "status": status}, qs


def main(argv=None):
    ap = argparse.ArgumentParser(description="Grade a folder of submissions into a gradebook CSV.")
    ap.add_argument("-a", "--assignment", type=int, required=True)
    ap.add_argument("submissions", help="folder holding one zip or folder per student")
    ap.add_argument("--out", help="default build/grade/aN-batch")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--per-test", type=float, default=30.0)
    ap.add_argument("--total", type=float, default=900.0)
    ap.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    out = os.path.abspath(args.out or os.path.join(root, "build", "grade", f"a{args.assignment}-batch"))
    subs = students(args.submissions)
    todo = {k: v for k, v in subs.items() if not os.path.exists(os.path.join(out, k, "results.json"))}
    print(
        f"{len(subs)} submissions, {len(subs) - len(todo)} already graded, {len(todo)} to grade ({args.jobs} at a time)"
    )
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futs = {
            pool.submit(
                grade_one, args.assignment, os.path.abspath(p), os.path.join(out, k), args.per_test, args.total, root
            ): k
            for k, p in todo.items()
        }
        for i, f in enumerate(concurrent.futures.as_completed(futs), 1):
            print(f"  [{i}/{len(todo)}] {futs[f]} (exit {f.result()})", flush=True)
    dt = time.time() - t0
    rows, questions = [], []
    for k in subs:
        r, qs = row(k, os.path.join(out, k))
        for q in qs:
            if q not in questions:
                questions.append(q)
        r.update(qs)
        rows.append(r)
    path = os.path.join(out, "gradebook.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, ["student"] + questions + ["total", "status"], restval=0)
        w.writeheader()
        w.writerows(rows)
    rate = len(todo) / dt * 60 if todo and dt > 0 else 0.0
    print(f"graded {len(todo)} in {dt:.1f} s ({rate:.1f} submissions/min); gradebook: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
