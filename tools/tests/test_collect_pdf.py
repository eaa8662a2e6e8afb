"""Tests of collect_submission.py's PDF hand-in: HTML by nbconvert, printed by a headless Chromium; the pages are looked at."""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from .conftest import TOOLS

SCRIPT = os.path.join(os.path.dirname(TOOLS), "assignment1", "collect_submission.py")
ANSWER = "Larger k smooths the decision boundary"


def _browser():
    sys.path.insert(0, os.path.dirname(SCRIPT))
    try:
        import collect_submission

        return collect_submission.find_browser()
    finally:
        sys.path.pop(0)
        sys.modules.pop("collect_submission", None)


def _executed_notebook(path):
    """A notebook as a student saves it: run in order, outputs, an inline question and an answer."""
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(sum(range(10)))", execution_count=1)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="45\n")]
    long = nbformat.v4.new_code_cell("for i in range(60): print(i)", execution_count=2)
    long.outputs = [nbformat.v4.new_output("stream", name="stdout", text="".join(f"line {i}\n" for i in range(60)))]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# k-Nearest Neighbor\n\n**Inline Question 1**: what does a larger k do?"),
        code,
        nbformat.v4.new_markdown_cell(f"*Your answer:* {ANSWER}."),
        long,
    ]
    nbformat.write(nb, str(path))


def _pdftools():
    return shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdfinfo")


def test_collect_submission_prints_the_notebooks_to_a_pdf(tmp_path):
    if not _browser():
        pytest.skip("no Chromium/Chrome browser here (apt-get install chromium): the PDF route cannot be tried")
    if not _pdftools():
        pytest.skip("poppler-utils (pdftoppm, pdftotext, pdfinfo) are not installed: the PDF cannot be looked at")
    a = tmp_path / "assignment1"
    (a / "cs231n").mkdir(parents=True)
    (a / "cs231n" / "__init__.py").write_text("")
    _executed_notebook(a / "knn.ipynb")
    shutil.copy(SCRIPT, a / "collect_submission.py")
    p = subprocess.run(
        [sys.executable, "collect_submission.py"],
        cwd=a,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=400,
    )
    assert p.returncode == 0, p.stdout
    pdf = a / "a1_inline_submission.pdf"
    assert pdf.exists(), p.stdout
    assert "wrote a1_inline_submission.pdf" in p.stdout
    info = subprocess.run(["pdfinfo", str(pdf)], stdout=subprocess.PIPE, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 10, info
    # the pages as images: as many as pdfinfo says, each with ink on it
    out_dir = os.environ.get("CS231N_KEEP_PDF_PAGES") or str(tmp_path / "pages")
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), os.path.join(out_dir, "page")], check=True)
    pngs = sorted(f for f in os.listdir(out_dir) if f.startswith("page") and f.endswith(".png"))
    assert len(pngs) == pages, pngs
    import numpy as np
    from PIL import Image

    for f in pngs:
        img = np.asarray(Image.open(os.path.join(out_dir, f)).convert("L"))
        assert (img < 128).sum() > 20, f"{f} is blank"
    text = subprocess.run(["pdftotext", str(pdf), "-"], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert ANSWER in " ".join(text.split()), text[:2000]  # the inline answer
    assert "45" in text and "line 59" in text  # the executed outputs
    assert "knn.ipynb" in text  # each notebook's title


def test_without_a_browser_or_latex_it_says_what_to_install(tmp_path):
    a = tmp_path / "assignment1"
    (a / "cs231n").mkdir(parents=True)
    (a / "cs231n" / "__init__.py").write_text("")
    _executed_notebook(a / "knn.ipynb")
    shutil.copy(SCRIPT, a / "collect_submission.py")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = dict(os.environ, PATH=str(bindir), CS231N_BROWSER="")
    env.pop("CS231N_BROWSER")
    p = subprocess.run(
        [sys.executable, "collect_submission.py"],
        cwd=a,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stdout
    assert not (a / "a1_inline_submission.pdf").exists()
    assert "was NOT made" in p.stdout and "apt-get install chromium" in p.stdout, p.stdout
