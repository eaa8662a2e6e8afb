"""Tests of `make lab` (tools/dev/lab.py: --allow-root as root) and of the browser check's wiring (make test, skip without a browser)."""

import os
import subprocess
import sys

from tools.dev import browser_check, lab, run_tests

from .conftest import ROOT


def test_lab_adds_allow_root_only_as_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cmd = lab.lab_command(["--no-browser"])
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"] and f"--notebook-dir={ROOT}" in cmd
    assert "--allow-root" in cmd and cmd[-1] == "--no-browser"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in lab.lab_command()


def test_make_lab_goes_through_tools_dev_lab():
    with open(os.path.join(ROOT, "Makefile")) as f:
        text = f.read()
    recipe = text.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "-m tools.dev.lab" in recipe, recipe
    assert "jupyter lab" not in recipe  # the bare command refuses to run as root


def test_make_test_runs_the_browser_check():
    assert any(cmd[1:3] == ["-m", "tools.dev.browser_check"] for _, cmd, _, _ in run_tests.steps())


def test_browser_check_skips_with_a_message_without_a_browser():
    env = dict(os.environ, CS231N_BROWSER=os.path.join(ROOT, "no-such-browser"))
    p = subprocess.run(
        [sys.executable, "-m", "tools.dev.browser_check"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stdout
    assert "SKIPPED: no Chromium or Chrome" in p.stdout and "apt-get install chromium" in p.stdout


def test_ci_installs_chromium_and_poppler_as_root():
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        text = f.read()
    assert "apt-get install" in text and "chromium" in text and "poppler-utils" in text
    assert text.rstrip().endswith("make test")


def test_browser_check_finds_a_named_browser(monkeypatch):
    monkeypatch.setenv("CS231N_BROWSER", sys.executable)  # any existing program path counts
    assert browser_check.find_browser() == sys.executable
