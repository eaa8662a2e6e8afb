"""Tests of tools/dev/copies.py: drift and missing copies fail, --write repairs them, markers stripped on request, single definitions."""

from tools.dev import copies
from tools.dev.copies import Copy


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


MOD = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n\ndef g():\n    return 2\n"


def test_a_missing_copy_fails_and_write_creates_it(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    decl = [Copy("assignment1/cs231n/m.py", ["assignment2/cs231n/m.py"])]
    lines = []
    assert copies.check(str(tmp_path), decl, lines.append) == 1
    assert "MISSING assignment2/cs231n/m.py" in lines[0]
    assert copies.write(str(tmp_path), decl, lambda s: None) == 1
    assert (tmp_path / "assignment2/cs231n/m.py").read_text() == MOD
    assert copies.check(str(tmp_path), decl, lambda s: None) == 0


def test_drift_is_reported_with_a_diff_naming_the_source(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    write(tmp_path, "assignment2/cs231n/m.py", MOD.replace("x + 1", "x + 2"))
    lines = []
    assert (
        copies.check(str(tmp_path), [Copy("assignment1/cs231n/m.py", ["assignment2/cs231n/m.py"])], lines.append) == 1
    )
    text = "\n".join(lines)
    assert "DIFFERS assignment2/cs231n/m.py from its source assignment1/cs231n/m.py" in text
    assert "+    return x + 2" in text


def test_strip_markers_gives_the_later_assignment_given_code(tmp_path):
    write(tmp_path, "assignment2/cs231n/m.py", MOD)
    decl = [Copy("assignment2/cs231n/m.py", ["assignment3/cs231n/m.py"], strip_markers=True)]
    copies.write(str(tmp_path), decl, lambda s: None)
    assert (tmp_path / "assignment3/cs231n/m.py").read_text() == MOD.replace("    ### BEGIN SOLUTION\n", "").replace(
        "    ### END SOLUTION\n", ""
    )
    assert copies.check(str(tmp_path), decl, lambda s: None) == 0


def test_function_copies_replace_only_that_definition(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    write(
        tmp_path,
        "assignment2/cs231n/m.py",
        "import os\n\n\n" + MOD.replace("x + 1", "x - 1").replace("return 2", "return 3"),
    )
    decl = [Copy("assignment1/cs231n/m.py::f", ["assignment2/cs231n/m.py"])]
    assert copies.check(str(tmp_path), decl, lambda s: None) == 1
    copies.write(str(tmp_path), decl, lambda s: None)
    assert (tmp_path / "assignment2/cs231n/m.py").read_text() == "import os\n\n\n" + MOD.replace("return 2", "return 3")
    lines = []
    assert (
        copies.check(str(tmp_path), [Copy("assignment1/cs231n/m.py::nope", ["assignment2/cs231n/m.py"])], lines.append)
        == 1
    )
    assert "no function or class named nope" in lines[0]


def test_methods_by_dotted_name(tmp_path):
    write(tmp_path, "assignment1/cs231n/c.py", "class A:\n    def h(self):\n        return 1\n")
    write(tmp_path, "assignment2/cs231n/c.py", "class A:\n    def h(self):\n        return 2\n\n\nclass B:\n    pass\n")
    decl = [Copy("assignment1/cs231n/c.py::A.h", ["assignment2/cs231n/c.py"])]
    copies.write(str(tmp_path), decl, lambda s: None)
    assert copies.check(str(tmp_path), decl, lambda s: None) == 0
    assert "class B" in (tmp_path / "assignment2/cs231n/c.py").read_text()


def test_the_repository_declares_the_shared_modules_and_tests_helpers():
    sources = {c.source for c in copies.COPIES}
    for n in (
        "cs231n/data_utils.py",
        "cs231n/gradient_check.py",
        "cs231n/vis_utils.py",
        "cs231n/smoke.py",
        "collect_submission.py",
        "tests/helpers.py",
        "tests/conftest.py",
        "tests/test_solver_mechanics.py",
    ):
        assert any(s.endswith(n) for s in sources), n
    assert copies.check(out=lambda s: None) == 0
