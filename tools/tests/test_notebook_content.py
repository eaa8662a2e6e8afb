"""Checks on the kit's own notebooks: every graded function they exercise has an inline assertion,
a released notebook shows one answer prompt per inline question, and text known to mislead is gone."""

import ast
import glob
import json
import os
import re

import pytest

from tools.release import markers

from .conftest import TOOLS

ROOT = os.path.dirname(TOOLS)
NOTEBOOKS = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "assignment*", "*.ipynb")))
QUESTION = re.compile(r"^\W*inline question\b", re.IGNORECASE | re.MULTILINE)


def _cells(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        nb = json.load(f)
    for cell in nb["cells"]:
        src = cell.get("source", "")
        cell["source"] = "".join(src) if isinstance(src, list) else src
    return nb, nb["cells"]


def _python(source):
    """A code cell as Python: IPython magics and shell lines become blank lines."""
    return "\n".join("" if line.startswith(("%", "!")) else line for line in source.splitlines())


def written_names(assignment):
    """Top-level functions and classes of the assignment's cs231n package that hold a fill-in region."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, assignment, "cs231n", "**", "*.py"), recursive=True):
        text = open(path, encoding="utf-8").read()
        lines = text.splitlines()
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                if any(markers.BEGIN in line for line in lines[node.lineno - 1 : node.end_lineno]):
                    names.add(node.name)
    return names


def graded_names(assignment):
    """What students write (a fill-in region) and a graded test imports from cs231n."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, assignment, "tests", "test_*.py")):
        tree = ast.parse(open(path, encoding="utf-8").read())
        graded = not any(
            isinstance(n, ast.Assign)
            and any(getattr(t, "id", "") == "GRADED" for t in n.targets)
            and getattr(n.value, "value", True) is False
            for n in tree.body
        )
        if not graded:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cs231n"):
                names.update(a.name for a in node.names if a.name != "*")
    return names & written_names(assignment)


def used_names(tree):
    """Names a cell uses (loaded), not counting import statements."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
    return out


def has_assert(tree, checkers=()):
    """An assert statement, or a call of a notebook function that asserts (e.g. check(...))."""
    return any(
        isinstance(node, ast.Assert) or (isinstance(node, ast.Call) and getattr(node.func, "id", None) in checkers)
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_every_graded_function_a_notebook_exercises_has_an_assertion(rel):
    """For each graded cs231n name a notebook calls, the cell that calls it or the next code cell
    asserts something (a printed number alone tells a student nothing)."""
    graded = graded_names(rel.split("/")[0])
    _, cells = _cells(rel)
    code = [ast.parse(_python(c["source"])) for c in cells if c["cell_type"] == "code"]
    checkers = {
        node.name for tree in code for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and has_assert(node)
    }
    exercised, checked = set(), set()
    for i, tree in enumerate(code):
        names = used_names(tree) & graded
        exercised |= names
        if has_assert(tree, checkers) or (i + 1 < len(code) and has_assert(code[i + 1], checkers)):
            checked |= names
    missing = sorted(exercised - checked)
    assert not missing, f"{rel}: no assertion in the cells that exercise {missing}"


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_released_notebook_has_one_answer_prompt_per_inline_question(rel):
    """After the release turns reference answers into prompts, each inline question is followed by
    exactly one '*Your answer:*' before the next question (not none, not two)."""
    nb, _ = _cells(rel)
    released, _, _ = markers.stub_notebook(nb, rel)
    counts = []
    for cell in released["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        events = sorted(
            [(m.start(), "q") for m in QUESTION.finditer(src)]
            + [(m.start(), "a") for m in re.finditer(re.escape(markers.ANSWER_PROMPT), src)]
        )
        for _, kind in events:
            if kind == "q":
                counts.append(0)
            elif counts:
                counts[-1] += 1
    wrong = [(k + 1, n) for k, n in enumerate(counts) if n != 1]
    assert not wrong, f"{rel}: inline questions with an answer-prompt count other than one (question, count): {wrong}"


# Sentences that were wrong once; each pattern names why.
MISLEADING = [
    (r"so that it can be (graded|checked)", "nothing grades files a notebook saves under build/"),
    (r"reference solution below", "in the release the cell below is a stub"),
    (r"on the stand-in data", "in a release the 'stand-in' is the synthetic data"),
    (r"(?i)on the course.s 2-core CPU", "say what machine measured it and that a student's differs"),
    (r"\)\s*\((?!\w+\))", "two parentheticals in a row: a garbled sentence"),
]


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_no_known_misleading_text(rel):
    """The markdown a student sees (the released notebook) holds none of the sentences above."""
    nb, _ = _cells(rel)
    released, _, _ = markers.stub_notebook(nb, rel)
    bad = []
    for k, cell in enumerate(released["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        # code, formulas and link targets may hold ') ('
        text = re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)", "", src)
        for pattern, why in MISLEADING:
            if re.search(pattern, text):
                bad.append(f"cell {k}: /{pattern}/: {why}")
    assert not bad, f"{rel}:\n" + "\n".join(bad)


def test_features_notebook_quotes_the_real_feature_dimension():
    """features.ipynb says how many inputs the net on features gets; every quote must match the
    dimension the given feature functions produce (HOG + colour histogram, without the bias)."""
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import numpy as np\n"
            "from cs231n.features import extract_features, hog_feature, color_histogram_hsv\n"
            "imgs = np.random.RandomState(0).randint(0, 255, (2, 32, 32, 3)).astype(float)\n"
            "print(extract_features(imgs, [hog_feature, lambda im: color_histogram_hsv(im, nbin=10)]).shape[1])",
        ],
        cwd=os.path.join(ROOT, "assignment1"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    dim = int(out.split()[-1])
    _, cells = _cells("assignment1/features.ipynb")
    text = "\n".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    quoted = {int(n) for n in re.findall(r"(\d+) (?:inputs )?instead of 3,072", text)}
    assert quoted, "features.ipynb no longer quotes the feature dimension (update this test)"
    assert quoted == {dim}, f"features.ipynb quotes {sorted(quoted)} inputs; the features have {dim}"
