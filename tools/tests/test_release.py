"""Tests of the solution markers and tools/release on the fixture course (golden output, refusals, validation)."""

import json
import os
import zipfile

import pytest

from tools.release import build as release
from tools.release import markers

from .conftest import FIXTURES

GOLDEN = os.path.join(FIXTURES, "golden", "assignment1")


def tree(folder):
    out = {}
    for dirpath, _, files in os.walk(folder):
        for fn in files:
            p = os.path.join(dirpath, fn)
            with open(p, "rb") as f:
                out[os.path.relpath(p, folder).replace(os.sep, "/")] = f.read()
    return out


def test_release_matches_golden_files(course, tmp_path, capsys):
    out = tmp_path / "out"
    assert release.main(["--root", str(course), "--out", str(out), "--no-validate"]) == 0
    got, want = tree(out / "assignment1"), tree(GOLDEN)
    assert sorted(got) == sorted(want)  # no tests/, no reference-only or git-ignored file, no data
    for rel in want:
        assert got[rel] == want[rel], f"{rel} differs from the golden copy"
    with zipfile.ZipFile(out / "assignment1.zip") as z:
        names = sorted(z.namelist())
        assert names == sorted("assignment1/" + r for r in want)
        for rel in want:
            assert z.read("assignment1/" + rel) == want[rel]


def test_release_is_deterministic(course, tmp_path):
    for d in ("a", "b"):
        assert release.main(["--root", str(course), "--out", str(tmp_path / d), "--no-validate"]) == 0
    assert (tmp_path / "a" / "assignment1.zip").read_bytes() == (tmp_path / "b" / "assignment1.zip").read_bytes()


BROKEN = [
    ("cs231n/beta.py", "    ### BEGIN SOLUTION\n", "assignment1/cs231n/beta.py:", "never closed"),
    ("cs231n/beta.py", "### END SOLUTION\n", "assignment1/cs231n/beta.py:10", "without a matching"),
    ("cs231n/alpha.py", None, "assignment1/cs231n/alpha.py:11", "nested"),
]


@pytest.mark.parametrize("rel,extra,where,what", BROKEN)
def test_unbalanced_or_nested_marker_is_refused_and_nothing_written(course, tmp_path, capsys, rel, extra, where, what):
    p = course / "assignment1" / rel
    text = p.read_text()
    if extra is None:  # a second BEGIN inside add()'s region (line 11)
        lines = text.splitlines(keepends=True)
        lines.insert(10, "    ### BEGIN SOLUTION\n")
        text = "".join(lines)
    else:
        text += extra
    p.write_text(text)
    out = tmp_path / "out"
    assert release.main(["--root", str(course), "--out", str(out)]) == 2
    msg = capsys.readouterr().out
    assert "refused" in msg and where in msg and what in msg, msg
    assert not out.exists()


def test_marker_in_notebook_is_refused_with_cell_and_line(course, tmp_path, capsys):
    p = course / "assignment1" / "demo.ipynb"
    nb = json.loads(p.read_text())
    nb["cells"][1]["source"] = ["x = 1\n", "### BEGIN SOLUTION\n", "y = 2\n"]
    p.write_text(json.dumps(nb))
    assert release.main(["--root", str(course), "--out", str(tmp_path / "out")]) == 2
    msg = capsys.readouterr().out
    assert "demo.ipynb: cell 2, line 2" in msg and "never closed" in msg
    assert not (tmp_path / "out").exists()


def test_validation_passes_on_the_fixture(course, capsys):
    assert release.main(["--root", str(course), "--validate"]) == 0
    out = capsys.readouterr().out
    assert "validation OK" in out and "3 graded tests, 0 pass on stubs" in out


def test_validation_detects_a_vacuous_test(course, capsys):
    (course / "assignment1" / "tests" / "test_vacuous.py").write_text(
        "from cs231n.alpha import add\n\n\ndef test_add_exists():\n    assert callable(add)\n"
    )
    assert release.main(["--root", str(course), "--validate"]) == 1
    out = capsys.readouterr().out
    assert "tests/test_vacuous.py::test_add_exists PASSES on the stubs" in out
    assert "test_given" not in out.split("validation")[-1]  # GRADED = False modules are skipped


def test_validation_detects_a_package_that_does_not_import(course, capsys):
    p = course / "assignment1" / "cs231n" / "beta.py"
    p.write_text(p.read_text() + "\nVALUE = mul(2, 3)  # runs the stub at import time\n")
    assert release.main(["--root", str(course), "--validate"]) == 1
    out = capsys.readouterr().out
    assert "does NOT import" in out and "cs231n.beta" in out


def test_leak_check_catches_a_surviving_solution_line():
    ref = ["def f(x):", "    ### BEGIN SOLUTION", "    secret_value = x * 42", "    ### END SOLUTION"]
    bad_release = ["def f(x):", "    secret_value = x * 42"]
    leaks = release.find_leaks({"m.py": (ref, bad_release, ["    secret_value = x * 42\n"])})
    assert len(leaks) == 1 and "secret_value" in leaks[0]
    good = ["def f(x):", "    # YOUR CODE HERE", "    raise NotImplementedError"]
    assert release.find_leaks({"m.py": (ref, good, [])}) == []


def test_stub_keeps_indentation_and_last_line_without_newline():
    text = "def f():\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION"
    out, hidden, n = markers.stub_text(text, "x.py")
    assert out == "def f():\n        # YOUR CODE HERE\n        raise NotImplementedError"
    assert hidden == ["        return 1\n"] and n == 1


def test_drop_marker_lines_keeps_the_code():
    text = "a = 1\n    ### BEGIN SOLUTION\n    b = 2\n    ### END SOLUTION\n"
    assert markers.drop_marker_lines(text) == "a = 1\n    b = 2\n"
