"""Tests of tools/check_copies.py: marker lines ignored, drift found, function-level groups, missing copies skipped."""
from tools.dev import copies as check_copies


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


MOD = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n\ndef g():\n    return 2\n"


def test_identical_up_to_marker_lines_passes(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    write(tmp_path, "assignment2/cs231n/m.py", MOD.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", ""))
    lines = []
    assert check_copies.check(str(tmp_path), [("cs231n/m.py", ("assignment1", "assignment2", "assignment3"))],
                              lines.append) == 0
    assert any("not in assignment3" in l for l in lines)   # missing: a note, not a failure


def test_drift_is_reported_with_a_diff(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    write(tmp_path, "assignment2/cs231n/m.py", MOD.replace("x + 1", "x + 2"))
    lines = []
    assert check_copies.check(str(tmp_path), [("cs231n/m.py", ("assignment1", "assignment2"))], lines.append) == 1
    text = "\n".join(lines)
    assert "DIFFERS cs231n/m.py" in text and "+    return x + 2" in text


def test_function_level_groups(tmp_path):
    write(tmp_path, "assignment1/cs231n/m.py", MOD)
    write(tmp_path, "assignment2/cs231n/m.py", "import os\n\n\n" + MOD.replace("return 2", "return 3"))
    groups = [("cs231n/m.py::f", ("assignment1", "assignment2"))]
    assert check_copies.check(str(tmp_path), groups, lambda s: None) == 0       # f identical, g differs
    groups = [("cs231n/m.py::g", ("assignment1", "assignment2"))]
    assert check_copies.check(str(tmp_path), groups, lambda s: None) == 1
    groups = [("cs231n/m.py::nope", ("assignment1", "assignment2"))]
    lines = []
    assert check_copies.check(str(tmp_path), groups, lines.append) == 2
    assert "no function or class named nope" in lines[0]


def test_methods_by_dotted_name(tmp_path):
    cls = "class A:\n    def h(self):\n        return 1\n"
    write(tmp_path, "assignment1/cs231n/c.py", cls)
    write(tmp_path, "assignment2/cs231n/c.py", cls + "\n\nclass B:\n    pass\n")
    assert check_copies.check(str(tmp_path), [("cs231n/c.py::A.h", ("assignment1", "assignment2"))],
                              lambda s: None) == 0


def test_the_repository_list_names_the_shared_modules():
    names = [w for w, _ in check_copies.GROUPS]
    for n in ("cs231n/data_utils.py", "cs231n/gradient_check.py", "cs231n/vis_utils.py", "cs231n/smoke.py",
              "collect_submission.py"):
        assert n in names
