"""Tests of tools/dev/run_notebooks.py: the failing cell is reported, the others still run, copies go to --out, stubs accepted."""

import os
import subprocess
import sys

from .conftest import FIXTURES, ROOT


def test_runner_reports_the_failing_cell_and_continues(tmp_path):
    nbdir = os.path.join(FIXTURES, "notebooks", "assignment1")
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "executed"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.dev.run_notebooks",
            "--smoke",
            "--data-dir",
            str(data),
            "--out",
            str(out),
            "--timeout",
            "60",
            "--expect-stubs",
            os.path.join(nbdir, "bad.ipynb"),
            os.path.join(nbdir, "good.ipynb"),
            os.path.join(nbdir, "stub.ipynb"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    log = p.stdout
    assert p.returncode == 1, log
    assert "FAILED" in log and "bad.ipynb" in log
    assert "at cell 3 (code cell 2)" in log  # cell number
    assert "raise ValueError(f'boom {v}')" in log  # the cell's source
    assert "ValueError: boom 1" in log  # the error
    assert "never reached" not in log.split("error:")[-1]
    assert "ok     " in log and "good.ipynb" in log  # the other notebook still ran (cwd, env)
    assert (out / "assignment1" / "good.ipynb").exists() and (out / "assignment1" / "bad.ipynb").exists()
    good = (out / "assignment1" / "good.ipynb").read_text()
    assert str(data) in good and '"1 ' in good  # CS231N_SMOKE=1, CS231N_DATASETS=--data-dir
    # --expect-stubs (student release): stopping at the first NotImplementedError is a pass, other errors are not
    assert "stopped at the first fill-in (cell 2)" in log
    assert "1 of 3 notebook(s) failed: " in log
    with open(os.path.join(nbdir, "bad.ipynb")) as f:
        assert '"outputs": []' in f.read()  # the source was not written over


def _run(args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "tools.dev.run_notebooks", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_kernel_uses_ipc_and_a_notebook_has_a_total_time_limit(tmp_path):
    import nbformat

    folder = tmp_path / "assignment1"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import json\nfrom ipykernel import get_connection_file\n"
            "print('transport', json.load(open(get_connection_file()))['transport'])"
        ),
        nbformat.v4.new_code_cell("import time\ntime.sleep(3)"),
        nbformat.v4.new_code_cell("time.sleep(3)"),
        nbformat.v4.new_code_cell("print('never reached')"),
    ]
    nbformat.write(nb, str(folder / "slow.ipynb"))
    out = tmp_path / "executed"
    p = _run(
        ["--smoke", "--data-dir", str(tmp_path), "--out", str(out), "--timeout", "60"]
        + ["--notebook-timeout", "5", str(folder / "slow.ipynb")]
    )
    log = p.stdout
    assert p.returncode == 1, log
    assert "without encryption" not in log, log  # no TCP kernel
    executed = (out / "assignment1" / "slow.ipynb").read_text()
    assert "transport ipc" in executed, executed
    assert "ran longer than its total limit of 5 s" in log, log
    assert "at cell 3 " in log, log
