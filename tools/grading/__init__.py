"""Grading that never runs submitted code in the grading process: worker, proxies, sandbox, limits, batch.

codec.py       the data-only wire format (JSON + raw numeric arrays; nothing executable)
worker.py      the worker: imports and runs the submitted package, answers requests
client.py      the grader's side: the worker process, proxies (Ref, Handle), the import hook
plugin.py      pytest plugin of the grading process (`-p grading.plugin`)
sandbox.py     containment: worker uid, rlimits, mount namespace, killing the process tree
submission.py  which submitted files count and the size limits (shared with collect_submission.py)
batch.py       grade a folder of submissions in parallel, resumable, gradebook CSV
check.py       `python -m tools.grading.check N`: the reference suite in grading mode
selfcheck.py   a quick end-to-end check of the grader (in `make test`)
"""

import fcntl
import os
import tempfile

# test-side helper modules that run in the worker beside the submitted code (assignment 3's tests)
HELPER_MODULES = ("torch_helpers", "worker_helpers")
SLOTS = 64


class Slot:
    def __init__(self, number, fh):
        self.number, self._fh = number, fh

    def release(self):
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def acquire_slot():
    """A worker slot (its uid is WORKER_UID_BASE + number) not used by another grading run on this machine."""
    base = os.path.join(tempfile.gettempdir(), "cs231n-grader-slots")
    os.makedirs(base, exist_ok=True)
    for k in range(SLOTS):
        fh = open(os.path.join(base, f"{k}.lock"), "a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Slot(k, fh)
        except OSError:
            fh.close()
    raise RuntimeError(f"all {SLOTS} grading slots are busy")
