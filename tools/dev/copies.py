"""The declared copies: code the course repeats, each with ONE source and the files that hold a copy of it.

    python -m tools.dev.copies            # check: exit 1 with a diff for every copy that drifted or is missing
    python -m tools.dev.copies --write    # write every copy from its source (after editing a source)

Each assignment folder ships on its own (students get one folder, and all three packages are
called `cs231n`), so code that several assignments use is copied, not imported. COPIES
below is the one list: edit the SOURCE, never a copy, then run `--write`. `make test` runs
the check; a copy that differs from its source, or is missing, fails it.

An entry copies either a whole file, or one function/class (`path::name`, `Class.method`
for a method) into the same-named definition of each target file (the rest of the target
is its own). `strip_markers=True` drops the `### BEGIN/END SOLUTION` lines in the copies:
a later assignment gets, as given code, what students wrote in an earlier one.
"""

import argparse
import ast
import difflib
import os
import sys
from dataclasses import dataclass
from typing import Sequence

from tools.release import markers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
A1, A2, A3 = "assignment1", "assignment2", "assignment3"


def each(path, assignments):
    """The same relative path in several assignment folders."""
    return tuple(f"{a}/{path}" for a in assignments)


@dataclass(frozen=True)
class Copy:
    """One declared copy: `source` ('path' or 'path::name') is written to every target path."""

    source: str
    targets: Sequence[str]
    strip_markers: bool = False


# ---- THE list. Order matters for --write: a function copied INTO a source comes before that source's copies.
COPIES = [
    # where the data lives and the SYNTHETIC marker: one rule (datasets/course_datasets/layout.py) for loaders too
    Copy("datasets/course_datasets/layout.py::datasets_root", each("cs231n/data_utils.py", [A1])),
    Copy("datasets/course_datasets/layout.py::is_synthetic", each("cs231n/data_utils.py", [A1])),
    # whole modules every assignment uses (assignment 3: CIFAR-10 loaders, visualize_grid, gradient checks)
    Copy("assignment1/cs231n/data_utils.py", each("cs231n/data_utils.py", [A2, A3])),
    Copy("assignment1/cs231n/gradient_check.py", each("cs231n/gradient_check.py", [A2, A3])),
    Copy("assignment1/cs231n/vis_utils.py", each("cs231n/vis_utils.py", [A2, A3])),
    Copy("assignment1/cs231n/smoke.py", each("cs231n/smoke.py", [A2, A3])),
    Copy("assignment1/collect_submission.py", each("collect_submission.py", [A2, A3])),
    # the Solver (given code): assignment 1's is assignment 2's without `augment` (its own __init__ and _step)
    *[
        Copy(f"assignment2/cs231n/solver.py::Solver.{name}", each("cs231n/solver.py", [A1]))
        for name in (
            "_reset",
            "_model_state",
            "_set_model_state",
            "_checkpoint_path",
            "_save_checkpoint",
            "load_checkpoint",
            "check_accuracy",
            "train",
        )
    ],
    # update rules: sgd as written in assignment 1; assignment 3 gets assignment 2's file as given code
    Copy("assignment1/cs231n/optim.py::sgd", each("cs231n/optim.py", [A2])),
    Copy("assignment2/cs231n/optim.py", each("cs231n/optim.py", [A3]), strip_markers=True),
    # the basic layers students write in assignment 1 come back in assignment 2
    *[
        Copy(f"assignment1/cs231n/layers.py::{name}", each("cs231n/layers.py", [A2]))
        for name in ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "svm_loss", "softmax_loss")
    ],
    *[
        Copy(f"assignment1/cs231n/layer_utils.py::{name}", each("cs231n/layer_utils.py", [A2]))
        for name in ("affine_relu_forward", "affine_relu_backward")
    ],
    # assignment 2's PyTorch helpers and nets (the challenge CNN), given code in assignment 3 (Transformer_Captioning's ViT vs CNN)
    Copy("assignment2/cs231n/torch_utils.py", each("cs231n/torch_utils.py", [A3])),
    Copy("assignment2/cs231n/torch_nets.py", each("cs231n/torch_nets.py", [A3]), strip_markers=True),
    # the tests' shared pieces: references (num_grad, rel_error), the points marker, the Solver's mechanics
    Copy("assignment1/tests/helpers.py", each("tests/helpers.py", [A2, A3])),
    Copy("assignment1/tests/conftest.py", each("tests/conftest.py", [A2, A3])),
    Copy("assignment1/tests/test_solver_mechanics.py", each("tests/test_solver_mechanics.py", [A2])),
]


class CopyError(Exception):
    """A source or target that cannot be read, or lacks the named definition."""


def _span(text, name, where):
    """(start, end) line indices of the def/class `name` ('A.b' for a method) in text, decorators included."""
    try:
        tree = ast.parse(text, filename=where)
    except SyntaxError as e:
        raise CopyError(f"{where}: cannot be parsed ({e})") from None
    body, node = tree.body, None
    for part in name.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part
            ),
            None,
        )
        if node is None:
            raise CopyError(f"{where}: no function or class named {name}")
        body = node.body
    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    return start, node.end_lineno


def _read(root, rel):
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def source_text(root, copy):
    """The text every target must hold (the whole file, or the definition), markers dropped if asked."""
    path, _, name = copy.source.partition("::")
    text = _read(root, path)
    if text is None:
        raise CopyError(f"source {path} is missing")
    if name:
        s, e = _span(text, name, path)
        text = "".join(text.splitlines(keepends=True)[s:e])
    return markers.drop_marker_lines(text) if copy.strip_markers else text


def expected(root, copy, target):
    """(current text of target or None, the text it must have)."""
    want = source_text(root, copy)
    have = _read(root, target)
    name = copy.source.partition("::")[2]
    if not name:
        return have, want
    if have is None:
        raise CopyError(f"{target} is missing (it must hold {name} from {copy.source.partition('::')[0]})")
    lines = have.splitlines(keepends=True)
    s, e = _span(have, name, target)
    return have, "".join(lines[:s]) + want + "".join(lines[e:])


def check(root=ROOT, copies=None, out=print):
    """Compare every declared copy with its source; returns the number of problems (each printed)."""
    problems = 0
    for copy in COPIES if copies is None else copies:
        for target in copy.targets:
            try:
                have, want = expected(root, copy, target)
            except CopyError as e:
                out(f"ERROR   {e}")
                problems += 1
                continue
            if have is None:
                out(f"MISSING {target}: a declared copy of {copy.source}")
                problems += 1
            elif have != want:
                diff = difflib.unified_diff(
                    want.splitlines(), have.splitlines(), f"{copy.source} (source)", target, lineterm="", n=1
                )
                out(f"DIFFERS {target} from its source {copy.source}\n" + "\n".join(list(diff)[:40]))
                problems += 1
            else:
                out(f"ok      {target} = {copy.source}")
    return problems


def write(root=ROOT, copies=None, out=print):
    """Write every declared copy from its source, in list order; returns the number of files changed."""
    changed = 0
    for copy in COPIES if copies is None else copies:
        for target in copy.targets:
            have, want = expected(root, copy, target)
            if have != want:
                full = os.path.join(root, target)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w", encoding="utf-8") as f:
                    f.write(want)
                out(f"wrote   {target} from {copy.source}")
                changed += 1
    return changed


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check (or write) the declared copies of repeated code.")
    ap.add_argument("--write", action="store_true", help="write every copy from its source")
    args = ap.parse_args(argv)
    if args.write:
        try:
            n = write(out=print)
        except CopyError as e:
            print(f"ERROR   {e}")
            return 1
        print(f"{n} file(s) written" if n else "every copy already matches its source")
        return 0
    n = check(out=lambda s: print(s) if not s.startswith("ok") else None)
    if n:
        print(
            f"{n} problem(s). Edit the SOURCE named above (never a copy), then run "
            "`python -m tools.dev.copies --write`; the list is COPIES in tools/dev/copies.py."
        )
        return 1
    print(f"all {sum(len(c.targets) for c in COPIES)} declared copies match their sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
