"""Tests of collect_submission.py: the zip's contents and the warnings about notebooks."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

from .conftest import TOOLS

SCRIPT = os.path.join(os.path.dirname(TOOLS), "assignment1", "collect_submission.py")


def nb(counts, error=False):
    cells = []
    for i, n in enumerate(counts):
        outputs = []
        if error and i == len(counts) - 1:
            outputs = [{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []}]
        cells.append(
            {
                "cell_type": "code",
                "execution_count": n,
                "id": f"c{i}",
                "metadata": {},
                "outputs": outputs,
                "source": f"x = {i}",
            }
        )
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_zip_contents_and_notebook_warnings(tmp_path):
    a = tmp_path / "assignment7"
    (a / "cs231n" / "classifiers").mkdir(parents=True)
    (a / "cs231n" / "__pycache__").mkdir()
    (a / "cs231n" / "__init__.py").write_text("")
    (a / "cs231n" / "classifiers" / "knn.py").write_text("x = 1\n")
    (a / "cs231n" / "__pycache__" / "knn.cpython-311.pyc").write_bytes(b"junk")
    (a / "cs231n" / "weights.npz").write_bytes(b"junk")
    (a / "good.ipynb").write_text(nb([1, 2, 3]))
    (a / "unrun.ipynb").write_text(nb([None, None]))
    (a / "shuffled.ipynb").write_text(nb([3, 1, 2]))
    (a / "broken.ipynb").write_text(nb([1, 2], error=True))
    shutil.copy(SCRIPT, a / "collect_submission.py")
    p = subprocess.run(
        [sys.executable, "collect_submission.py"],
        cwd=a,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    out = p.stdout
    assert p.returncode == 0, out
    with zipfile.ZipFile(a / "a7_code_submission.zip") as z:
        names = sorted(z.namelist())
    assert names == [
        "broken.ipynb",
        "cs231n/__init__.py",
        "cs231n/classifiers/knn.py",
        "good.ipynb",
        "shuffled.ipynb",
        "unrun.ipynb",
    ]
    assert "WARNING: unrun.ipynb has not been run" in out
    assert "WARNING: shuffled.ipynb cells were not run once, in order" in out
    assert "WARNING: broken.ipynb shows errors: cell 2: ValueError: bad" in out
    assert "good.ipynb" not in out.split("wrote")[0]
    # the PDF is made, or the script says clearly that it was not and what to do
    assert (a / "a7_inline_submission.pdf").exists() or "was NOT made" in out


def test_no_package_is_an_error_not_silence(tmp_path):
    a = tmp_path / "assignment2"
    a.mkdir()
    shutil.copy(SCRIPT, a / "collect_submission.py")
    p = subprocess.run(
        [sys.executable, "collect_submission.py"],
        cwd=a,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1 and "ERROR" in p.stdout
