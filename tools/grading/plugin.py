"""pytest plugin of the grading process: tests reach submitted code only through the worker (client.py).

Loaded by tools/testrun.py as `-p grading.plugin` when CS231N_GRADING_SPEC names the spec
JSON that tools/grade.py wrote (worker python, runtime folder, code folder, scratch, uid,
limits). It makes this process a child subreaper, installs the import hook before the test
modules are collected, gives tests a `tmp_path` inside the worker's scratch folder, starts each test with fresh mirrors (restarting a worker that was
stopped by a time limit or died), and ends the worker's whole process tree at the end.
"""

import itertools
import json
import os
import pathlib

import pytest

from . import client as _client
from . import sandbox

_state = {}


def pytest_configure(config):
    path = os.environ.get("CS231N_GRADING_SPEC")
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    sandbox.make_subreaper()
    c = _client.Client(spec)
    _client.install(c, helpers=spec.get("helpers", ()), tests_dir=spec["tests"])
    _state["client"] = c


_count = itertools.count()


@pytest.fixture
def tmp_path():
    """A fresh folder inside the worker's scratch folder (the only place submitted code may write)."""
    c = _state.get("client")
    if c is None:
        raise RuntimeError("the grading plugin is not configured")
    d = pathlib.Path(c.spec["scratch"]) / "tmp" / f"t{next(_count)}"
    d.mkdir(parents=True)
    uid = c.spec.get("uid")
    if uid is not None:
        os.chown(d.parent, uid, uid)
        os.chown(d, uid, uid)
    return d


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    c = _state.get("client")
    if c is not None:
        c.new_test()


def pytest_unconfigure(config):
    c = _state.pop("client", None)
    if c is not None:
        c.stop()
