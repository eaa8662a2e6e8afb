#!/usr/bin/env python3
"""Collect this assignment for hand-in: aN_code_submission.zip (+ aN_inline_submission.pdf when possible).

Run it from the assignment folder (or its last notebook cell: `!python collect_submission.py`):

    python collect_submission.py

It zips every `cs231n/**/*.py` file and every notebook of this folder into
`aN_code_submission.zip` (N from the folder name, e.g. assignment1 -> a1), and warns
about notebooks that were not run, not run top to bottom in order, or that show errors:
graders read your notebooks' outputs, so run each one (Kernel > Restart & Run All)
and save it before collecting. It also writes `aN_inline_submission.pdf` of all the
notebooks as they were saved: nbconvert makes HTML and a headless Chromium or Chrome
already on this machine prints it to PDF ($CS231N_BROWSER names another browser), or
LaTeX (xelatex + pandoc) when present; with neither it says what to install. Upload the zip (and the PDF) where your
course says. The same file is in every assignment (copies of assignment1/collect_submission.py).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
# the autograder's limits (tools/grading/submission.py holds the same numbers): larger files score 0
MAX_FILE_BYTES = 2 << 20  # per .py file
MAX_CODE_BYTES = 32 << 20  # all .py files together


def say(msg=""):
    print(msg, flush=True)


def short_name():
    m = re.search(r"assignment[_-]?(\d+)", os.path.basename(HERE), re.IGNORECASE)
    if m:
        return f"a{m.group(1)}"
    say(
        f"WARNING: this folder ({os.path.basename(HERE)}) is not named assignmentN; "
        "the files will be called submission_code_submission.zip / .pdf"
    )
    return "submission"


def notebook_problems(path):
    """Warnings for one notebook: not run, out of order, errors in outputs."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError) as e:
        return [f"cannot be read ({e}); is it saved and valid?"]
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code" and "".join(c.get("source", "")).strip()]
    counts = [c.get("execution_count") for c in code]
    problems = []
    if code and all(n is None for n in counts):
        return ["has not been run (no cell has an execution count)"]
    not_run = sum(n is None for n in counts)
    if not_run:
        problems.append(f"{not_run} of {len(code)} code cells were not run")
    ran = [n for n in counts if n is not None]
    if any(b <= a for a, b in zip(ran, ran[1:])) or (ran and ran[0] != 1):
        problems.append(
            "cells were not run once, in order, from a fresh kernel "
            f"(execution counts {ran[:6]}{'...' if len(ran) > 6 else ''})"
        )
    errors = []
    for i, c in enumerate(nb.get("cells", [])):
        for out in c.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i + 1}: {out.get('ename')}: {str(out.get('evalue'))[:80]}")
    if errors:
        problems.append("shows errors: " + "; ".join(errors[:3]) + (" ..." if len(errors) > 3 else ""))
    return problems


def code_files():
    """The cs231n/**/*.py files the autograder uses (no hidden files or folders, no links), within its limits."""
    files, total = [], 0
    for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, "cs231n")):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            if not fn.endswith(".py") or fn.startswith(".") or os.path.islink(full):
                continue
            rel = os.path.relpath(full, HERE).replace(os.sep, "/")
            size = os.path.getsize(full)
            if size > MAX_FILE_BYTES:
                say(
                    f"WARNING: {rel} is {size / 1e6:.1f} MB, over the autograder's limit of "
                    f"{MAX_FILE_BYTES / 1e6:.1f} MB per file: it is left out (the autograder would refuse the "
                    "whole submission). Keep data out of .py files."
                )
                continue
            total += size
            files.append(rel)
    if total > MAX_CODE_BYTES:
        say(f"WARNING: the code files total {total / 1e6:.1f} MB, over the autograder's {MAX_CODE_BYTES / 1e6:.0f} MB.")
    return files


def make_zip(dest, files):
    tmp = dest + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in files:
            z.write(os.path.join(HERE, rel), rel)
    os.replace(tmp, dest)


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser():
    """Path of a Chromium-family browser: $CS231N_BROWSER, else the first of BROWSERS on PATH, else None."""
    named = os.environ.get("CS231N_BROWSER")
    if named:
        return shutil.which(named) or (named if os.path.isfile(named) else None)
    for b in BROWSERS:
        if shutil.which(b):
            return shutil.which(b)
    return None


def pdf_route():
    """('browser'|'latex', None) when a PDF can be made here, else (None, what to install)."""
    try:
        import nbconvert  # noqa: F401
    except ImportError:
        return None, "nbconvert is not installed (pip install nbconvert)"
    if find_browser():
        return "browser", None
    if shutil.which("xelatex") and shutil.which("pandoc"):
        return "latex", None
    return (
        None,
        "it needs a Chromium or Chrome browser (Debian/Ubuntu: `sudo apt-get install chromium`) "
        "or LaTeX (xelatex and pandoc)",
    )


def print_to_pdf(browser, html, dest, timeout=300):
    """Print the HTML file to dest with the headless browser. Returns an error text or None."""
    profile = tempfile.mkdtemp(prefix="collect-browser-")
    cmd = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=20000",  # let MathJax and images settle before printing
        f"--print-to-pdf={dest}",
        "file://" + os.path.abspath(html),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"{browser} did not finish printing within {timeout} s"
    except OSError as e:
        return f"cannot run {browser}: {e}"
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0 or not os.path.isfile(dest) or os.path.getsize(dest) == 0:
        return f"{browser} --print-to-pdf failed (exit {p.returncode}):\n{p.stdout[-1500:]}"
    return None


def make_pdf(dest, notebooks):
    """One PDF of all notebooks (concatenated in file-name order). Returns an error text or None."""
    route, why = pdf_route()
    if route is None:
        return why
    import nbformat

    merged = None
    for nbp in notebooks:
        nb = nbformat.read(nbp, as_version=4)
        title = nbformat.v4.new_markdown_cell(f"# {os.path.basename(nbp)}")
        if merged is None:
            merged = nb
            merged.cells.insert(0, title)
        else:
            merged.cells += [title] + nb.cells
    tmpdir = tempfile.mkdtemp(prefix="collect-")
    try:
        src = os.path.join(tmpdir, "inline_submission.ipynb")
        nbformat.write(merged, src)
        out = os.path.join(tmpdir, "inline_submission.pdf")
        to = "html" if route == "browser" else "pdf"
        cmd = [sys.executable, "-m", "nbconvert", "--to", to, src, "--output-dir", tmpdir]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return f"nbconvert --to {to} failed:\n{p.stdout[-1500:]}"
        if route == "browser":
            err = print_to_pdf(find_browser(), os.path.join(tmpdir, "inline_submission.html"), out)
            if err:
                return err
        if not os.path.exists(out):
            return f"nbconvert --to {to} wrote no PDF:\n{p.stdout[-1500:]}"
        shutil.move(out, dest)
        return None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def main():
    name = short_name()
    notebooks = sorted(glob.glob(os.path.join(HERE, "*.ipynb")))
    files = code_files()
    if not files:
        say(f"ERROR: no cs231n/**/*.py files under {HERE}; run this script inside the assignment folder.")
        return 1
    warnings = 0
    for nbp in notebooks:
        for p in notebook_problems(nbp):
            say(f"WARNING: {os.path.basename(nbp)} {p}")
            warnings += 1
    if warnings:
        say("  -> Run each notebook top to bottom (Kernel > Restart Kernel and Run All Cells), save, collect again.")
    zip_path = os.path.join(HERE, f"{name}_code_submission.zip")
    rels = files + [os.path.basename(n) for n in notebooks]
    try:
        make_zip(zip_path, rels)
    except OSError as e:
        say(f"ERROR: could not write {zip_path}: {e}")
        return 1
    size = os.path.getsize(zip_path)
    say(f"wrote {os.path.basename(zip_path)}: {len(files)} code files, {len(notebooks)} notebooks, {size / 1e6:.1f} MB")
    if size > 50e6:
        say("WARNING: the zip is over 50 MB; clear very large outputs (e.g. printed arrays) and collect again.")
    pdf_path = os.path.join(HERE, f"{name}_inline_submission.pdf")
    pdf_made = False
    if not notebooks:
        say("no notebooks here, so no PDF")
    else:
        err = make_pdf(pdf_path, notebooks)
        if err is None:
            pdf_made = True
            say(f"wrote {os.path.basename(pdf_path)}")
        else:
            say(f"NOTE: {os.path.basename(pdf_path)} was NOT made: {err}.")
            say("  Make it yourself: open each notebook, File > Print (or Save and Export As > PDF),")
            say(f"  and combine the pages into {os.path.basename(pdf_path)}.")
    if not notebooks:
        say("Done. Upload the zip.")
    elif pdf_made:
        say("Done. Upload the zip and the PDF.")
    else:
        say("Done. Upload the zip, and the PDF once you have made it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
