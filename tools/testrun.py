"""Run an assignment's pytest suite in subprocesses with per-test and total time limits.

Shared by grade.py (grading a submission) and release.py --validate (tests against stubs).
Each run uses the pytest_limits plugin (SIGALRM per test, JSON event log). The parent
watches the event log: a test (or a test module's import) that runs past its limit plus
a grace period, e.g. because it blocks the alarm, gets the whole process group killed;
that test is marked failed and what has not run yet is run again in a fresh process.
So an infinite loop costs only its own tests. The total limit stops everything.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
GRACE = 5.0  # seconds past the per-test limit before the watchdog kills the process
STARTUP = 60.0  # seconds pytest may take to start before its first event
MAX_FILE_BYTES = 64 << 20  # a runaway print loop cannot fill the disk


def _limit_files():
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    except (ValueError, OSError):
        pass


def _read_events(path):
    events = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.endswith("\n"):
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return events


def _tail(path, n=3000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(size - n, 0))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _pytest(workdir, args, per_test, deadline, cap, only_graded=False, grading_spec=None, watch=None):
    """One pytest process; returns (events, how_it_ended, output_tail)."""
    fd, events_path = tempfile.mkstemp(prefix="events-", suffix=".jsonl")
    os.close(fd)
    fd, out_path = tempfile.mkstemp(prefix="pytest-out-", suffix=".txt")
    os.close(fd)
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": TOOLS,
            "PYTHONDONTWRITEBYTECODE": "1",
            "CS231N_TEST_LIMIT": str(per_test),
            "CS231N_TEST_EVENTS": events_path,
            "CS231N_OUTPUT_CAP": str(cap),
            "MPLBACKEND": "Agg",
            # third-party pytest plugins (e.g. anyio's, pulled in by jupyter) cost ~1 s per start and are not used
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "CS231N_ONLY_GRADED": "1" if (only_graded or grading_spec) else "0",
        }
    )
    plugin = []
    if grading_spec:  # submitted code runs only in the worker (tools/grading); given-code checks are not run
        env["CS231N_GRADING_SPEC"] = grading_spec
        plugin = ["-p", "grading.plugin"]
    cmd = (
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "pytest_limits",
        ]
        + plugin
        + [
            "--continue-on-collection-errors",
            "--tb=short",
            "-W",
            "ignore::DeprecationWarning",
        ]
        + args
    )
    ended = "finished"
    try:
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=workdir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_limit_files if os.name == "posix" else None,
            )
            last_t, last_kind, seen = time.time(), "startup", 0
            while proc.poll() is None:
                time.sleep(0.05)
                now = time.time()
                ev = _read_events(events_path)
                if len(ev) > seen:
                    seen = len(ev)
                    last_t, last_kind = now, ev[-1]["event"]
                budget = (
                    max(watch or 0, STARTUP)
                    if watch and last_kind in ("startup", "collect_start")
                    else STARTUP
                    if last_kind == "startup"
                    else (per_test + GRACE if last_kind in ("start", "collect_start") else per_test + STARTUP)
                )
                if now > deadline:
                    ended = "total"
                elif now - last_t > budget:
                    ended = "watchdog"
                if ended != "finished":
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except OSError:
                        proc.kill()
                    proc.wait()
                    break
            if ended == "finished" and proc.returncode not in (0, 1, 2, 5):
                ended = f"crashed (exit code {proc.returncode})"
        return _read_events(events_path), ended, _tail(out_path)
    finally:
        if grading_spec:  # nothing the worker started outlives this run
            _sweep(grading_spec)
        for p in (events_path, out_path):
            try:
                os.unlink(p)
            except OSError:
                pass


def _sweep(spec_path):
    from grading import sandbox

    try:
        with open(spec_path, encoding="utf-8") as f:
            uid = json.load(f).get("uid")
    except (OSError, ValueError):
        uid = None
    sandbox.kill_uid(uid)
    sandbox.kill_descendants()


def collect(workdir, test_path="tests", timeout=120, grading_spec=None, watch=None):
    """The test items of a (trusted) working copy: list of dicts nodeid/file/points/graded."""
    events, ended, tail = _pytest(
        workdir, ["--collect-only", test_path], 0, time.time() + timeout, 2000, grading_spec=grading_spec, watch=watch
    )
    items = [e for e in events if e["event"] == "collected"]
    errors = [e for e in events if e["event"] == "collect_error"]
    if errors or ended != "finished":
        msg = "; ".join(f"{e['file']}: {e['message']}" for e in errors) or ended
        raise RuntimeError(f"collecting the reference tests in {workdir} failed: {msg}\n{tail}")
    return items


def run(
    workdir,
    items=None,
    test_path="tests",
    per_test=30.0,
    total=900.0,
    cap=4000,
    log=None,
    only_graded=False,
    grading_spec=None,
):
    """Run the tests; returns (items, results, notes).

    items: the list from collect() (None: whatever the first run collects).
    results: nodeid -> {"outcome", "message", "output", "duration"}; every item gets one.
    notes: lines about crashes, kills and collection errors for the run's summary.
    """
    t_end = time.time() + total
    results, notes, file_errors = {}, [], {}
    known = list(items) if items is not None else None
    first = True
    while True:
        todo = None if known is None else [i["nodeid"] for i in known if i["nodeid"] not in results]
        if todo is not None and not todo:
            break
        if time.time() >= t_end:
            for n in todo or []:
                results[n] = {
                    "outcome": "failed",
                    "message": f"not run: the total time limit ({total:g} s) ran out",
                    "output": "",
                    "duration": 0.0,
                }
            notes.append(f"total time limit of {total:g} s reached")
            break
        args = [test_path] if todo is None else todo
        events, ended, tail = _pytest(workdir, args, per_test, t_end, cap, only_graded, grading_spec)
        if known is None:
            known = [e for e in events if e["event"] == "collected"]
        progress = 0
        started = None
        collecting = None
        for e in events:
            kind = e["event"]
            if kind == "collect_start":
                collecting = e["file"]
            elif kind == "collected":
                collecting = None
            elif kind == "collect_error":
                file_errors[e["file"]] = e
            elif kind == "start":
                started, collecting = e["nodeid"], None
            elif kind == "result":
                if e["nodeid"] not in results:
                    results[e["nodeid"]] = {k: e.get(k) for k in ("outcome", "message", "output", "duration")}
                    progress += 1
                started = None
        for f, e in file_errors.items():
            for i in known:
                if i["file"] == f and i["nodeid"] not in results:
                    results[i["nodeid"]] = {
                        "outcome": "failed",
                        "output": e.get("output", ""),
                        "duration": 0.0,
                        "message": f"{f} could not be imported: {e['message']}",
                    }
                    progress += 1
        if ended != "finished":
            why = {
                "watchdog": "it ran past the time limit and did not stop (process killed)",
                "total": f"the total time limit ({total:g} s) ran out",
            }.get(ended, ended)
            if started is not None and started not in results:
                results[started] = {
                    "outcome": "failed",
                    "message": f"stopped: {why}",
                    "output": cap_text(tail, cap),
                    "duration": None,
                }
                progress += 1
                notes.append(f"{started}: {why}")
            elif collecting is not None:
                for i in known:
                    if i["file"] == collecting and i["nodeid"] not in results:
                        results[i["nodeid"]] = {
                            "outcome": "failed",
                            "duration": None,
                            "output": cap_text(tail, cap),
                            "message": f"importing for {collecting} stopped: {why}",
                        }
                        progress += 1
                notes.append(f"collecting {collecting}: {why}")
            else:
                notes.append(f"test process ended early: {why}")
        if log and first and tail.strip():
            log(tail)
        first = False
        if progress == 0:
            for i in known:
                if i["nodeid"] not in results:
                    results[i["nodeid"]] = {
                        "outcome": "failed",
                        "duration": None,
                        "output": cap_text(tail, cap),
                        "message": f"not run: the test process ended ({ended}) before it",
                    }
            break
    return known or [], results, notes


def cap_text(text, n):
    if len(text) <= n:
        return text
    return "... [cut] ...\n" + text[-n:]
