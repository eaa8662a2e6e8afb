"""Check that the modules (and functions) the course repeats across assignments are identical.

    python -m tools.dev.copies          # exit 1 and a diff for every copy that drifted

GROUPS below is the one list. An entry is a path inside each assignment folder, or
`path::name` for one function/class (`Class.method` for a method), compared as the
source segment from `ast`. Solution-marker lines are ignored, so a later assignment may
hold the copy whose markers were removed (the students have written that code by then).
A file missing in an assignment (not written yet) is skipped with a note; only copies
that exist and differ fail the check.
"""
import ast
import difflib
import os
import sys

from tools.release import markers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALL = ("assignment1", "assignment2", "assignment3")

# ---- THE list: (what, assignments that must hold identical copies)
GROUPS = [
    ("cs231n/data_utils.py", ALL),
    ("cs231n/gradient_check.py", ALL),
    ("cs231n/vis_utils.py", ALL),
    ("cs231n/smoke.py", ALL),
    ("collect_submission.py", ALL),
    # the Solver is given code, written once for assignments 1 and 2
    ("cs231n/solver.py", ("assignment1", "assignment2")),
    # update rules: sgd as in assignment 1; assignment 3 holds assignment 2's file, markers removed
    ("cs231n/optim.py::sgd", ("assignment1", "assignment2", "assignment3")),
    ("cs231n/optim.py", ("assignment2", "assignment3")),
    # the basic layers students wrote in assignment 1 come back in assignment 2
    ("cs231n/layers.py::affine_forward", ("assignment1", "assignment2")),
    ("cs231n/layers.py::affine_backward", ("assignment1", "assignment2")),
    ("cs231n/layers.py::relu_forward", ("assignment1", "assignment2")),
    ("cs231n/layers.py::relu_backward", ("assignment1", "assignment2")),
    ("cs231n/layers.py::svm_loss", ("assignment1", "assignment2")),
    ("cs231n/layers.py::softmax_loss", ("assignment1", "assignment2")),
    ("cs231n/layer_utils.py::affine_relu_forward", ("assignment1", "assignment2")),
    ("cs231n/layer_utils.py::affine_relu_backward", ("assignment1", "assignment2")),
]


class CopyError(Exception):
    pass


def _segment(text, name, where):
    """Source of the def/class `name` ('A.b' for a method) in text, with its decorators."""
    tree = ast.parse(text, filename=where)
    body, node = tree.body, None
    for part in name.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise CopyError(f"{where}: no function or class named {name}")
        body = node.body
    lines = text.splitlines(keepends=True)
    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    return "".join(lines[start:node.end_lineno])


def normalised(root, assignment, what):
    """The comparable text of `what` in one assignment, or None if the file is missing."""
    path, _, name = what.partition("::")
    full = os.path.join(root, assignment, path)
    if not os.path.isfile(full):
        return None
    with open(full, encoding="utf-8") as f:
        text = f.read()
    if name:
        text = _segment(text, name, f"{assignment}/{path}")
    return markers.drop_marker_lines(text)


def check(root=ROOT, groups=None, out=print):
    problems = 0
    for what, members in (groups if groups is not None else GROUPS):
        texts = {}
        for a in members:
            try:
                t = normalised(root, a, what)
            except (CopyError, SyntaxError) as e:
                out(f"ERROR {what}: {e}")
                problems += 1
                continue
            if t is None:
                # an assignment still being written may not hold its copy yet: a note, not a failure
                out(f"note  {what}: not in {a} yet; skipped")
                continue
            texts[a] = t
        if len(texts) < 2:
            continue
        ref_a = next(iter(texts))
        for a, t in texts.items():
            if t != texts[ref_a]:
                problems += 1
                diff = difflib.unified_diff(texts[ref_a].splitlines(), t.splitlines(), f"{ref_a}/{what}",
                                            f"{a}/{what}", lineterm="", n=1)
                out(f"DIFFERS {what}: {ref_a} vs {a} (marker lines ignored)\n" + "\n".join(list(diff)[:40]))
        if all(t == texts[ref_a] for t in texts.values()):
            out(f"ok    {what}: identical in {', '.join(texts)}")
    return problems


def main():
    n = check()
    print(f"{n} problem(s)" if n else "all repeated copies identical")
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
