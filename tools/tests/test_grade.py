"""Tests of tools/grade.py on the fixture course: correct, wrong, broken, looping and unsafe submissions."""

import json
import shutil
import zipfile

import pytest

from tools import grade, testrun

# fixture points: test_add 2, test_square_all 3 (alpha), test_mul 1 (beta); test_given ungraded
FULL = 6


def submission_zip(course, tmp_path, changes=None, drop=(), name="sub.zip", extra=None):
    """A zip laid out like collect_submission.py's, from the reference package with some changes."""
    pkg = course / "assignment1" / "cs231n"
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for p in sorted(pkg.rglob("*.py")):
            rel = "cs231n/" + p.relative_to(pkg).as_posix()
            if rel in drop:
                continue
            text = p.read_text()
            for old, new in (changes or {}).get(rel, []):
                assert old in text
                text = text.replace(old, new)
            z.writestr(rel, text)
        z.writestr("demo.ipynb", "{}")
        for arcname, data in (extra or {}).items():
            z.writestr(arcname, data)
    return path


def run_grade(course, tmp_path, submission, per_test=2.0, total=120.0):
    out = tmp_path / "results"
    rc = grade.main(
        [
            "--assignment",
            "1",
            str(submission),
            "--root",
            str(course),
            "--out",
            str(out),
            "--per-test",
            str(per_test),
            "--total",
            str(total),
        ]
    )
    with open(out / "results.json") as f:
        res = json.load(f)
    by_name = {t["extra_data"]["nodeid"].split("::")[-1]: t for t in res["tests"]}
    return rc, res, by_name


def test_reference_folder_gets_full_marks_and_results_json_has_gradescope_fields(course, tmp_path, capsys):
    rc, res, tests = run_grade(course, tmp_path, course / "assignment1")
    assert rc == 0
    assert res["score"] == FULL and res["extra_data"]["max_score"] == FULL
    for key in ("score", "execution_time", "tests"):
        assert key in res
    assert isinstance(res["execution_time"], (int, float))
    for t in res["tests"]:
        assert set(("name", "score", "max_score", "status", "output", "visibility")) <= set(t)
        assert t["status"] in ("passed", "failed") and t["visibility"] in (
            "visible",
            "hidden",
            "after_due_date",
            "after_published",
        )
    assert "test_double" not in tests  # given code (GRADED = False) is checked by `make test`, not by the grader
    assert tests["test_square_all"]["max_score"] == 3 and tests["test_mul"]["max_score"] == 1
    table = capsys.readouterr().out
    assert "alpha" in table and "TOTAL" in table and f"{FULL} / {FULL}" in table


def test_stub_release_scores_zero(course, tmp_path):
    assert grade.release.main(["--root", str(course), "--out", str(tmp_path / "rel"), "--no-validate"]) == 0
    rc, res, tests = run_grade(course, tmp_path, tmp_path / "rel" / "assignment1.zip")
    assert res["score"] == 0
    assert "NotImplementedError" in tests["test_add"]["output"]


def test_wrong_noisy_and_syntax_error_submission_loses_only_what_it_breaks(course, tmp_path, capsys):
    sub = submission_zip(
        course,
        tmp_path,
        {
            "cs231n/alpha.py": [
                ("total = a + b", "print('x' * 5000000)\n    total = a - b")
            ],  # wrong, and 5 MB of output
            "cs231n/beta.py": [("product = a * b", "product = a * * b")],  # syntax error
        },
    )
    rc, res, tests = run_grade(course, tmp_path, sub)
    assert rc == 0
    assert res["score"] == 3  # only test_square_all survives
    assert tests["test_square_all"]["status"] == "passed"
    assert tests["test_add"]["status"] == "failed" and "assert -1 == 5" in tests["test_add"]["output"]
    assert tests["test_mul"]["status"] == "failed" and "SyntaxError" in tests["test_mul"]["output"]
    assert len(tests["test_add"]["output"]) < 10000 and len(json.dumps(res)) < 100000  # output capped
    table = capsys.readouterr().out
    assert "test_add" in table and "test_mul" in table  # the table names the failing checks


def test_missing_file_scores_like_the_stub_not_the_reference(course, tmp_path):
    sub = submission_zip(course, tmp_path, drop=("cs231n/beta.py",))
    rc, res, tests = run_grade(course, tmp_path, sub)
    assert res["score"] == FULL - 1
    assert "NotImplementedError" in tests["test_mul"]["output"]


def test_infinite_loops_in_a_test_and_at_import_cost_only_their_own_tests(course, tmp_path):
    sub = submission_zip(
        course,
        tmp_path,
        {
            "cs231n/alpha.py": [("out.append(x * x)", "while True:\n            pass")],
            "cs231n/beta.py": [('"""Fixture module with one fill-in region."""', "while True:\n    pass")],
        },
    )
    rc, res, tests = run_grade(course, tmp_path, sub, per_test=1.0)
    assert res["score"] == 2  # test_add still counts
    assert "time limit" in tests["test_square_all"]["output"]
    assert tests["test_mul"]["status"] == "failed"


def test_loop_that_blocks_the_alarm_is_killed_and_the_rest_still_run(course, tmp_path, monkeypatch):
    monkeypatch.setattr(testrun, "GRACE", 1.0)
    evil = (
        "out.append(x * x)",
        "import signal\n        signal.signal(signal.SIGALRM, signal.SIG_IGN)\n        while True:\n            pass",
    )
    sub = submission_zip(course, tmp_path, {"cs231n/alpha.py": [evil]})
    rc, res, tests = run_grade(course, tmp_path, sub, per_test=1.0)
    assert res["score"] == FULL - 3  # test_add (before) and test_mul (after, re-run) still count
    assert "time limit" in tests["test_square_all"]["output"]  # the worker cannot block the grader's alarm


def test_zip_slip_is_refused_and_the_grader_still_writes_results(course, tmp_path):
    sub = submission_zip(course, tmp_path, extra={"../evil.py": "print('pwned')\n"})
    rc, res, tests = run_grade(course, tmp_path, sub)
    assert rc == 1
    assert res["score"] == 0 and "REFUSED" in res["output"] and "unsafe path" in res["output"]
    assert res["tests"] and all(t["status"] == "failed" for t in res["tests"])
    assert not (tmp_path / "evil.py").exists()


@pytest.mark.parametrize("bad", ["/etc/evil.py", "cs231n/../../evil.py", "C:/evil.py", "..\\evil.py"])
def test_unsafe_zip_paths_are_refused(course, tmp_path, bad):
    sub = submission_zip(course, tmp_path, extra={bad: "x = 1\n"})
    with pytest.raises(grade.Refused, match="unsafe path"):
        grade.read_submission(str(sub))


def test_zip_with_a_link_is_refused(tmp_path):
    sub = tmp_path / "link.zip"
    with zipfile.ZipFile(sub, "w") as z:
        info = zipfile.ZipInfo("cs231n/alpha.py")
        info.external_attr = 0o120777 << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(grade.Refused, match="link"):
        grade.read_submission(str(sub))


def test_package_found_below_a_top_folder_and_in_a_gradescope_folder(course, tmp_path):
    nested = tmp_path / "upload"
    shutil.copytree(course / "assignment1" / "cs231n", nested / "assignment1" / "cs231n")
    (nested / "assignment1" / "cs231n" / "__pycache__").mkdir()
    (nested / "assignment1" / "cs231n" / "__pycache__" / "junk.py").write_text("x")
    (nested / "notes.py").write_text("not part of the package")
    files, _ = grade.read_submission(str(nested))
    assert sorted(files) == ["cs231n/__init__.py", "cs231n/alpha.py", "cs231n/beta.py"]
    gs = tmp_path / "gs"
    gs.mkdir()
    shutil.copy(submission_zip(course, tmp_path), gs / "a1_code_submission.zip")
    files, notes = grade.read_submission(str(gs))
    assert sorted(files) == ["cs231n/__init__.py", "cs231n/alpha.py", "cs231n/beta.py"]
    assert "a1_code_submission.zip" in notes[0]


def test_gradescope_zip_holds_the_entry_points_tools_and_tests(course, tmp_path):
    (course / "requirements.txt").write_text("pytest\n")
    assert grade.main(["--assignment", "1", "--gradescope-zip", "--root", str(course), "--out", str(tmp_path)]) == 0
    with zipfile.ZipFile(tmp_path / "a1_autograder.zip") as z:
        names = set(z.namelist())
    for n in (
        "setup.sh",
        "run_autograder",
        "ASSIGNMENT",
        "requirements.txt",
        "tools/grade.py",
        "tools/pytest_limits.py",
        "assignment1/tests/test_alpha.py",
        "assignment1/cs231n/alpha.py",
        "datasets/get_datasets.py",
    ):
        assert n in names, n
    assert not any(n.endswith(".npz") for n in names)
