#!/usr/bin/env python3
"""Autograder: grade a submission (zip or folder) and write Gradescope's results.json.

    python tools/grade.py --assignment 1 a1_code_submission.zip [--out DIR]
    python tools/grade.py --assignment 1 assignment1            # a folder works too
    python tools/grade.py --assignment 1 --gradescope-zip        # build/gradescope/a1_autograder.zip

Only the submitted `cs231n/**/*.py` files are used: they are laid over a clean copy of
the assignment in which every solution region is stubbed (the student release) plus the
reference tests, so a missing file scores like an unfinished one. The tests run in a
subprocess with a per-test and a total time limit (see testrun.py): a syntax error, an
infinite loop, a crash or a flood of output costs only the tests it breaks. A zip with
absolute paths, `..` or links is refused (score 0, reason in results.json).

Points: `@pytest.mark.points(n)` on each test (default 1); question = test file name
without `test_`. Tests in modules with `GRADED = False` (given code) count 0/0.
Output: results.json (default build/grade/aN/, or /autograder/results/ under Gradescope)
and a table on stdout.
"""

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grading  # noqa: E402
import release  # noqa: E402
import testrun  # noqa: E402
from grading import sandbox, submission  # noqa: E402

ROOT = os.path.dirname(HERE)
MAX_FILE, MAX_TOTAL, MAX_MEMBERS = submission.MAX_FILE, submission.MAX_TOTAL, submission.MAX_MEMBERS


class Refused(Exception):
    """The submission cannot be accepted at all (unsafe or unreadable archive)."""


def _safe_name(name):
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        return False
    return ".." not in n.split("/")


def _pick_package(paths):
    """Map 'x/y/cs231n/a.py' -> 'cs231n/a.py' choosing the prefix that holds most files."""
    by_prefix = {}
    for p in paths:
        parts = p.split("/")
        if "__MACOSX" in parts or not p.endswith(".py") or "cs231n" not in parts:
            continue
        k = parts.index("cs231n")
        if not submission.selected(parts[k:]):
            continue
        by_prefix.setdefault("/".join(parts[:k]), []).append(p)
    if not by_prefix:
        return {}
    prefix = sorted(by_prefix, key=lambda k: (-len(by_prefix[k]), len(k)))[0]
    cut = len(prefix) + 1 if prefix else 0
    return {p[cut:]: p for p in by_prefix[prefix]}


def read_submission(path):
    """(files, notes): files maps 'cs231n/...py' -> bytes. Raises Refused."""
    notes = []
    if os.path.isdir(path):
        if not os.path.isdir(os.path.join(path, "cs231n")):
            zips = [f for f in os.listdir(path) if f.endswith(".zip")]
            if len(zips) == 1:  # Gradescope keeps an uploaded zip as it is
                notes.append(f"using {zips[0]} from the submission folder")
                return read_zip(os.path.join(path, zips[0]), notes)
        found = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for fn in filenames:
                full = os.path.join(dirpath, fn)
                if os.path.islink(full):
                    notes.append(f"ignored link {os.path.relpath(full, path)}")
                    continue
                found.append(os.path.relpath(full, path).replace(os.sep, "/"))
        chosen = _pick_package(found)
        files, total = {}, 0
        for rel, src in sorted(chosen.items()):
            size = os.path.getsize(os.path.join(path, src))
            total += size
            if size > MAX_FILE or total > MAX_TOTAL:
                raise Refused(f"{src} is too large ({size} bytes); submit only source code")
            with open(os.path.join(path, src), "rb") as f:
                files[rel] = f.read()
        return files, notes
    if zipfile.is_zipfile(path):
        return read_zip(path, notes)
    raise Refused(f"{path} is neither a folder nor a zip file")


def read_zip(path, notes):
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise Refused(f"cannot open the zip {os.path.basename(path)}: {e}")
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Refused(f"the zip has {len(infos)} entries (at most {MAX_MEMBERS})")
        for info in infos:
            if not _safe_name(info.filename):
                raise Refused(
                    f"unsafe path in the zip: {info.filename!r} (absolute or with '..'); "
                    "make the zip with collect_submission.py"
                )
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise Refused(f"the zip holds a link: {info.filename!r}; make the zip with collect_submission.py")
        chosen = _pick_package([i.filename for i in infos if not i.is_dir()])
        files, total = {}, 0
        for rel, name in sorted(chosen.items()):
            info = z.getinfo(name)
            if info.file_size > MAX_FILE:
                raise Refused(
                    f"{name} is too large ({info.file_size} bytes, at most {MAX_FILE}); submit only source code"
                )
            try:  # count the bytes actually inflated: a member may lie about its size
                with z.open(info) as f:
                    data = f.read(MAX_FILE + 1)
                    if len(data) > MAX_FILE:
                        raise Refused(f"{name} inflates to more than {MAX_FILE} bytes; submit only source code")
                    if len(data) == info.file_size:
                        f.read(1)  # reaching the end checks the CRC
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as e:
                raise Refused(f"cannot read {name} from the zip: {e}")
            total += len(data)
            if total > MAX_TOTAL:
                raise Refused(f"the submitted code is over {MAX_TOTAL} bytes in all; submit only source code")
            files[rel] = data
    return files, notes


def prepare_workdir(root, name, work):
    """Clean copy: the stubbed release of the assignment plus its reference tests."""
    files, _ = release.render(root, name, include_tests=True, include_datasets=True)
    wd = os.path.join(work, name)
    release.write_tree(files, wd)
    return wd


def _write_files(files, dest, mode_dirs=0o755):
    for rel, data in sorted(files.items()):
        p = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    for dirpath, dirnames, filenames in os.walk(dest):
        os.chmod(dirpath, mode_dirs)
        for fn in filenames:
            os.chmod(os.path.join(dirpath, fn), 0o644)


def prepare_grading(root, name, work, run, submitted, uid=None, limits=None, per_test=30.0):
    """Lay out one grading run; returns (tests working copy, spec path).

    work (root-only, 0700): the tests and the worker spec, for the grading process only.
    run (readable): code/<name> = the stubbed release with the submitted files over it (no
    reference code), lib/ = the worker's runtime (worker.py, codec.py and the tests' worker-side
    helper modules), scratch/ = the worker's only writable folder (owned by its uid under root).
    """
    files, _ = release.render(root, name, include_tests=True, include_datasets=True)
    tests = {k: v for k, v in files.items() if k.startswith("tests/")}
    code = {k: v for k, v in files.items() if not k.startswith("tests/")}
    code.update(submitted)
    wd = os.path.join(work, name)
    _write_files(tests, wd, 0o700)
    os.chmod(work, 0o700)
    code_dir = os.path.join(run, "code", name)
    _write_files(code, code_dir)
    lib = os.path.join(run, "lib")
    helpers = [h for h in grading.HELPER_MODULES if f"tests/{h}.py" in tests]
    libfiles = {f"{h}.py": tests[f"tests/{h}.py"] for h in helpers}
    for fn in ("worker.py", "codec.py"):
        with open(os.path.join(HERE, "grading", fn), "rb") as f:
            libfiles[fn] = f.read()
    _write_files(libfiles, lib)
    scratch = os.path.join(run, "scratch")
    os.makedirs(scratch, mode=0o700)
    os.makedirs(os.path.join(run, "stage"), mode=0o700)
    os.chmod(run, 0o755)
    os.chmod(os.path.join(run, "code"), 0o755)
    if uid is not None:
        os.chown(scratch, uid, uid)
        # only this run's worker may enter: a worker grading another student cannot read this code
        os.chown(run, 0, uid)
        os.chmod(run, 0o750)
    # under root, the worker sees none of the reference: the assignment folders, the tools, build outputs
    top = os.path.abspath(root)
    hide = [os.path.join(top, d) for d in release.ASSIGNMENTS + ["tools", "build"]]
    hide += ["/autograder/source", "/autograder/results"]
    hide = [d for d in hide if not run.startswith(d + os.sep)]
    spec = {
        # folders resolved (a venv reached through a link), the interpreter itself not (the venv must be found)
        "python": os.path.join(os.path.realpath(os.path.dirname(sys.executable)), os.path.basename(sys.executable)),
        "lib": lib,
        "code": code_dir,
        "scratch": scratch,
        "tests": os.path.join(wd, "tests"),
        "uid": uid,
        "limits": dict(limits or {}),
        "import_s": min(float(per_test), 10.0),  # importing one submitted module
        "helpers": helpers,
        "hide": hide,
        "readonly": ["/tmp", "/var/tmp", "/dev/shm"],
        # a Python installed where other users cannot enter (e.g. pyenv under /root) is exposed alone
        "expose": sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix) if sandbox.private_ancestor(p)}),
        "stage": os.path.join(run, "stage"),
        # what the worker sees under root: these paths, the system folders, nothing else (sandbox.py)
        "needed": [run, sys.base_prefix, os.path.dirname(os.path.dirname(sys.executable)), sys.prefix],
    }
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    return wd, spec_path


def question_of(nodeid):
    base = os.path.basename(nodeid.split("::", 1)[0])
    base = base[:-3] if base.endswith(".py") else base
    return base[5:] if base.startswith("test_") else base


def grade(root, n, submission, per_test=30.0, total=900.0, cap=4000, limits=None):
    """Returns the results.json dict (never raises for a bad submission).

    The submitted code runs only in the worker (tools/grading): this process collects the
    tests, makes the assertions and scores, and never imports the submission.
    """
    t0 = time.time()
    name = f"assignment{n}"
    work = tempfile.mkdtemp(prefix=f"grade-a{n}-")
    run = tempfile.mkdtemp(prefix=f"grade-run-a{n}-")
    sandbox.make_subreaper()
    sandbox.warn_once()
    slot = grading.acquire_slot()
    uid = sandbox.WORKER_UID_BASE + slot.number if sandbox.is_root() else None
    notes = []
    try:
        refused = None
        try:
            files, notes = read_submission(submission)
        except Refused as e:
            files, refused = {}, e
        wd, spec = prepare_grading(root, name, work, run, files, uid, limits, per_test)
        # importing the submitted modules while the tests are collected has its own limit (import_s)
        items = testrun.collect(wd, grading_spec=spec, timeout=max(120.0, total / 4), watch=max(60.0, per_test * 4))
        if refused is not None:
            tests = [
                _entry(i, {"outcome": "failed", "message": f"submission refused: {refused}", "output": ""})
                for i in items
            ]
            return _results(tests, t0, [f"SUBMISSION REFUSED: {refused}"])
        if not files:
            notes.append("no cs231n/**/*.py files found in the submission: every fill-in counts as missing")
        notes.append(f"{len(files)} submitted .py files used")
        items, results, run_notes = testrun.run(wd, items, per_test=per_test, total=total, cap=cap, grading_spec=spec)
        notes.extend(run_notes)
        tests = [_entry(i, results.get(i["nodeid"], {"outcome": "failed", "message": "not run"})) for i in items]
        return _results(tests, t0, notes)
    finally:
        sandbox.kill_uid(uid)
        sandbox.kill_descendants()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)
        slot.release()


def _entry(item, r):
    q = question_of(item["nodeid"])
    test = item["nodeid"].split("::", 1)[1] if "::" in item["nodeid"] else item["nodeid"]
    pts = float(item["points"]) if item["graded"] else 0.0
    # a skipped check of given code (e.g. one that needs a file the grading copy lacks) is no failure
    passed = r.get("outcome") == "passed" or (r.get("outcome") == "skipped" and not item["graded"])
    msg = (r.get("message") or "").strip()
    out = r.get("output") or ""
    return {
        "name": f"{q}: {test}" + ("" if item["graded"] else " (given code, ungraded)"),
        "score": pts if passed else 0.0,
        "max_score": pts,
        "status": "passed" if passed else "failed",
        "output": (msg + ("\n\n" + out if out and not passed else "")) if not passed else "",
        "visibility": "visible",
        "extra_data": {"question": q, "nodeid": item["nodeid"], "message": msg, "duration": r.get("duration")},
    }


def _results(tests, t0, notes):
    score = sum(t["score"] for t in tests)
    max_score = sum(t["max_score"] for t in tests)
    dt = time.time() - t0
    return {  # Gradescope's autograder results format
        "score": score,
        "execution_time": int(round(dt)),
        "output": "\n".join(notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"max_score": max_score, "seconds": round(dt, 2)},
        "tests": tests,
    }


def table(res):
    """A readable summary: one line per question, then each failing check's message."""
    qs = {}
    for t in res["tests"]:
        q = t["extra_data"]["question"]
        qs.setdefault(q, []).append(t)
    lines = [f"{'question':28s} {'points':>13s}", "-" * 80]
    for q, ts in qs.items():
        got, mx = sum(t["score"] for t in ts), sum(t["max_score"] for t in ts)
        if mx == 0:
            bad = sum(t["status"] != "passed" for t in ts)
            lines.append(f"{q:28s} {'given code':>13s}  {'ok' if not bad else f'{bad} check(s) FAIL'}")
        else:
            lines.append(f"{q:28s} {_num(got):>6s} / {_num(mx):<5s}")
        for t in ts:
            if t["status"] != "passed":
                test = t["extra_data"]["nodeid"].split("::", 1)[-1]
                msg = " ".join(t["extra_data"]["message"].split())[:110]
                lines.append(f"    FAIL {test} ({_num(t['max_score'])} pt): {msg}")
    lines.append("-" * 80)
    lines.append(
        f"{'TOTAL':28s} {_num(res['score']):>6s} / {_num(res['extra_data']['max_score']):<5s}   "
        f"({res['extra_data']['seconds']:.1f} s)"
    )
    if res.get("output"):
        lines.append("notes: " + res["output"].replace("\n", "\n       "))
    return "\n".join(lines)


def _num(x):
    return f"{x:g}"


def gradescope_zip(root, n, out_dir):
    """Build the zip an instructor uploads as the Gradescope autograder of assignment n.

    It holds the stubbed release and the tests (release.autograder_files), never the reference.
    """
    dest = os.path.join(out_dir, f"a{n}_autograder.zip")
    os.makedirs(out_dir, exist_ok=True)
    files = release.autograder_files(root, n, tools_root=os.path.dirname(HERE))
    tmp = dest + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in sorted(files.items()):
            info = zipfile.ZipInfo(rel, date_time=release.ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if rel in ("setup.sh", "run_autograder") else 0o100644) << 16
            z.writestr(info, data)
    os.replace(tmp, dest)
    return dest


def main(argv=None):
    ap = argparse.ArgumentParser(description="Grade a submission; write Gradescope results.json and a table.")
    ap.add_argument("--assignment", "-a", type=int, required=True, help="assignment number (1, 2, 3)")
    ap.add_argument("submission", nargs="?", help="the student's zip (from collect_submission.py) or a folder")
    ap.add_argument("--out", help="folder for results.json (default build/grade/aN, /autograder/results on Gradescope)")
    ap.add_argument("--per-test", type=float, default=30.0, help="time limit per test in seconds (default 30)")
    ap.add_argument("--total", type=float, default=900.0, help="time limit for all tests in seconds (default 900)")
    ap.add_argument(
        "--memory-gb", type=float, default=4.0, help="address-space limit of the worker running the code (default 4)"
    )
    ap.add_argument(
        "--gradescope-zip",
        action="store_true",
        help="build build/gradescope/aN_autograder.zip (upload it to Gradescope as the autograder)",
    )
    ap.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    name = f"assignment{args.assignment}"
    if not os.path.isdir(os.path.join(root, name, "tests")):
        print(f"{name}/tests not found under {root}", file=sys.stderr)
        return 2
    if args.gradescope_zip:
        dest = gradescope_zip(root, args.assignment, args.out or os.path.join(root, "build", "gradescope"))
        print(f"wrote {dest}: upload it as the Gradescope autograder (Ubuntu image, any Python 3.11)")
        return 0
    if not args.submission:
        ap.error("give the submission (zip or folder), or --gradescope-zip")
    if not os.path.exists(args.submission):
        print(f"submission not found: {args.submission}", file=sys.stderr)
        return 2
    out = args.out
    if out is None:
        out = (
            "/autograder/results"
            if os.path.isdir("/autograder/results")
            else os.path.join(root, "build", "grade", f"a{args.assignment}")
        )
    try:
        limits = {"as_bytes": int(args.memory_gb * (1 << 30)), "cpu_s": int(args.total) + 60}
        res = grade(root, args.assignment, os.path.abspath(args.submission), args.per_test, args.total, limits=limits)
    except release.markers.MarkerError as e:
        print(f"the reference assignment has a marker error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the reference tests themselves do not collect: an instructor-side problem
        print(f"cannot grade: {e}", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    print(table(res))
    print(f"results: {os.path.join(out, 'results.json')}")
    return 1 if res["output"].startswith("SUBMISSION REFUSED") else 0


if __name__ == "__main__":
    sys.exit(main())
