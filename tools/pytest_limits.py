"""pytest plugin for the autograder: a per-test time limit and a line-by-line JSON event log.

Loaded by tools/testrun.py as `-p pytest_limits` (tools/ on PYTHONPATH); configured by
environment variables so it needs no command-line options:

    CS231N_TEST_LIMIT   seconds per test phase (setup, call) and per test module import
    CS231N_TEST_EVENTS  path of the JSON-lines event file the parent process reads
    CS231N_OUTPUT_CAP   characters of captured output / traceback kept per test
    CS231N_ONLY_GRADED  "1": deselect tests in modules with GRADED = False (release validation)

The time limit is a SIGALRM timer that raises TestTimeLimit (a BaseException, so a
student's `except Exception:` does not swallow it) and fires again every half second
until the phase ends. Code that blocks the signal is killed by the parent's watchdog.

Events, one JSON object per line, flushed at once (the parent may kill us any time):
    {"event": "collect_start", "file": "tests/test_x.py"}
    {"event": "collect_error", "file": ..., "message": ..., "output": ...}
    {"event": "collected", "nodeid": ..., "file": ..., "points": n, "graded": bool}
    {"event": "start", "nodeid": ...}
    {"event": "result", "nodeid": ..., "outcome": "passed|failed|skipped", "message": ..., "output": ..., "duration": s}
    {"event": "finish"}
"""

import json
import os
import signal
import time

import pytest

LIMIT = float(os.environ.get("CS231N_TEST_LIMIT", "0") or 0)
EVENTS = os.environ.pop("CS231N_TEST_EVENTS", None)  # out of the environment the tested code sees
CAP = int(os.environ.get("CS231N_OUTPUT_CAP", "4000"))
ONLY_GRADED = os.environ.get("CS231N_ONLY_GRADED") == "1"

_fh = None
_state = {}


class TestTimeLimit(BaseException):
    """Raised inside a test that runs past the per-test time limit."""


def cap(text, n=None):
    """At most n characters: the head and the tail with a note in between."""
    n = CAP if n is None else n
    text = text or ""
    if len(text) <= n:
        return text
    keep = max(n // 2 - 40, 0)
    return text[:keep] + f"\n... [{len(text) - 2 * keep} characters cut] ...\n" + text[-keep:]


def emit(**rec):
    global _fh
    if not EVENTS:
        return
    if _fh is None:
        _fh = open(EVENTS, "a", encoding="utf-8")
    _fh.write(json.dumps(rec) + "\n")
    _fh.flush()


def _on_alarm(signum, frame):
    raise TestTimeLimit(
        f"time limit: stopped after {LIMIT:g} s (the per-test limit). "
        "Look for an infinite loop or a very slow (unvectorised) step."
    )


class _Alarm:
    def __enter__(self):
        if LIMIT > 0 and hasattr(signal, "setitimer"):
            self.old = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, LIMIT, 0.5)
        return self

    def __exit__(self, *exc):
        if LIMIT > 0 and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, self.old)
        return False


def _file_of(nodeid):
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    if isinstance(collector, pytest.Module):
        emit(event="collect_start", file=_file_of(collector.nodeid))
        with _Alarm():
            yield
    else:
        yield


def _short_message(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message
    text = str(report.longrepr or "").strip().splitlines()
    return text[-1] if text else ""


def pytest_collectreport(report):
    if report.failed:
        emit(
            event="collect_error",
            file=_file_of(report.nodeid),
            message=cap(_short_message(report), 500),
            output=cap(str(report.longrepr)),
        )


def pytest_collection_modifyitems(session, config, items):
    if ONLY_GRADED:  # release validation: tests of given code (GRADED = False) are not run at all
        keep = [i for i in items if getattr(getattr(i, "module", None), "GRADED", True)]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep
    for item in items:
        m = item.get_closest_marker("points")
        points = m.args[0] if (m is not None and m.args) else 1
        graded = bool(getattr(getattr(item, "module", None), "GRADED", True))
        emit(event="collected", nodeid=item.nodeid, file=_file_of(item.nodeid), points=points, graded=graded)


def pytest_runtest_logstart(nodeid, location):
    _state[nodeid] = {"outcome": "passed", "message": "", "output": [], "t0": time.time()}
    emit(event="start", nodeid=nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _Alarm():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _Alarm():
        yield


def pytest_runtest_logreport(report):
    st = _state.setdefault(report.nodeid, {"outcome": "passed", "message": "", "output": [], "t0": time.time()})
    if report.failed and st["outcome"] != "failed":
        st["outcome"] = "failed"
        st["message"] = _short_message(report)
        where = "" if report.when == "call" else f"(error in test {report.when}) "
        st["message"] = where + st["message"]
        st["output"].append(str(report.longrepr))
    elif report.skipped and st["outcome"] == "passed":
        st["outcome"] = "skipped"
        st["message"] = _short_message(report)
    if report.when == "call":
        for name, text in (("stdout", report.capstdout), ("stderr", report.capstderr)):
            if text:
                st["output"].append(f"--- captured {name} ---\n{text}")
    if report.when == "teardown":
        emit(
            event="result",
            nodeid=report.nodeid,
            outcome=st["outcome"],
            message=cap(st["message"], 500),
            output=cap("\n".join(st["output"])),
            duration=round(time.time() - st["t0"], 3),
        )
        _state.pop(report.nodeid, None)


def pytest_sessionfinish(session, exitstatus):
    emit(event="finish")
