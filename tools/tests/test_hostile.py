"""Hostile submissions against the grader, one test per attack class, on the fixture course.

Each attack is added to two submissions: the stubbed release (earns 0) and a partial one
(alpha correct, beta stubbed: earns 5 of 6). The attack on the stubs must score 0, the attack
on the partial one no more than 5, grading must end in bounded time, and results.json must be
valid Gradescope JSON. Attacks that only a separate user can stop (reading the grader's files,
fork bombs) are checked under root only; elsewhere the grader says it does not sandbox.
"""

import json
import os
import time
import tracemalloc
import zipfile

import pytest

from tools import grade
from tools.grading import codec, sandbox, submission

EARNED = {"stub": 0, "partial": 5}
ROOT_ONLY = pytest.mark.skipif(not sandbox.is_root(), reason="needs root: the worker runs as its own user only then")

STUB_ALPHA = '''"""alpha (stubbed)."""


def add(a, b):
    raise NotImplementedError


def square_all(xs):
    raise NotImplementedError


def double(x):
    return 2 * x
'''
GOOD_ALPHA = '''"""alpha (correct)."""


def add(a, b):
    return a + b


def square_all(xs):
    return [x * x for x in xs]


def double(x):
    return 2 * x
'''
STUB_BETA = '''"""beta (stubbed)."""


def mul(a, b):
    raise NotImplementedError
'''


def _submission(tmp_path, base, attack="", files=None, name=None):
    d = tmp_path / (name or f"sub-{base}")
    (d / "cs231n").mkdir(parents=True)
    (d / "cs231n" / "__init__.py").write_text('"""package"""\n' + attack)
    (d / "cs231n" / "alpha.py").write_text(GOOD_ALPHA if base == "partial" else STUB_ALPHA)
    (d / "cs231n" / "beta.py").write_text(STUB_BETA)
    for rel, text in (files or {}).items():
        (d / rel).write_text(text)
    return d


def _grade(course, tmp_path, sub, per_test=3.0, total=60.0, bound=60.0):
    out = tmp_path / f"results-{sub.name}"
    t0 = time.time()
    grade.main(
        [
            "-a",
            "1",
            str(sub),
            "--root",
            str(course),
            "--out",
            str(out),
            "--per-test",
            str(per_test),
            "--total",
            str(total),
            "--memory-gb",
            "1",
        ]
    )
    took = time.time() - t0
    assert took < bound, f"grading took {took:.1f} s"
    with open(out / "results.json") as f:
        res = json.load(f)  # valid JSON, Gradescope's fields
    assert {"score", "tests", "output"} <= set(res) and isinstance(res["tests"], list)
    assert res["score"] == sum(t["score"] for t in res["tests"])
    return res, out / "results.json"


def _both(course, tmp_path, attack="", files=None, **kw):
    results = {}
    for base in ("stub", "partial"):
        res, path = _grade(course, tmp_path, _submission(tmp_path, base, attack, files), **kw)
        assert res["score"] <= EARNED[base], (base, res["score"], res["output"])
        if base == "stub":
            assert res["score"] == 0
        results[base] = (res, path)
    return results


def test_reference_full_marks_and_stubs_zero(course, tmp_path):
    """Self-check of the grader: the reference earns everything, the stubs nothing, partial its 5."""
    res, _ = _grade(course, tmp_path, course / "assignment1")
    assert res["score"] == 6
    _both(course, tmp_path)
    res, _ = _grade(course, tmp_path, _submission(tmp_path, "partial", name="p2"))
    assert res["score"] == 5


def test_patching_numpy_pytest_helpers_and_builtins_at_import(course, tmp_path):
    attack = """
import builtins, sys
import numpy, numpy.testing
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
builtins.AssertionError = type("Never", (Exception,), {})
try:
    import pytest
    pytest.fail = lambda *a, **k: None
except Exception:
    pass
for name in ("helpers", "pytest_limits", "_pytest.runner"):
    m = sys.modules.get(name)
    if m is not None:
        for k in dir(m):
            if callable(getattr(m, k, None)):
                try:
                    setattr(m, k, lambda *a, **kw: None)
                except Exception:
                    pass
"""
    _both(course, tmp_path, attack)


HUNT = """
import os, fnmatch
def _hunt(patterns, budget=4000):
    out = []
    for p in patterns:
        top, _, pat = p.partition("/**/") if "/**/" in p else (os.path.dirname(p), "", os.path.basename(p))
        seen = 0
        for dirpath, dirs, files in os.walk(top):
            seen += len(files) + len(dirs)
            if seen > budget:
                break
            for f in files:
                full = os.path.join(dirpath, f)
                if fnmatch.fnmatch(full, "*/" + pat):
                    out.append(full)
    return out
roots = ["/tmp", "/var/tmp", "/autograder", os.path.expanduser("~")]
for pid in os.listdir("/proc"):
    try:
        roots.append(os.readlink(f"/proc/{pid}/cwd"))
    except Exception:
        pass
    try:
        for part in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0"):
            if part.startswith(b"/"):
                roots.append(os.path.dirname(part.decode(errors="replace")))
    except Exception:
        pass
for v in os.environ.values():
    if v.startswith("/"):
        roots.append(v)
for p in list(__import__("sys").path):
    roots += [p, os.path.dirname(p), os.path.dirname(os.path.dirname(p))]
roots = sorted(set(r for r in roots if r and r != "/"))
"""


def test_rewriting_tests_and_expected_values_on_disk(course, tmp_path):
    attack = (
        HUNT
        + """
for r in roots:
    for f in _hunt([r + "/**/tests/test_*.py", r + "/**/tests/*.npz", r + "/**/tests/*.json"])[:200]:
        try:
            with open(f, "w") as fh:
                fh.write("def test_x():\\n    pass\\n")
        except Exception:
            pass
"""
    )
    _both(course, tmp_path, attack)
    assert "raise" not in (course / "assignment1" / "tests" / "test_alpha.py").read_text()  # untouched
    assert "def test_add" in (course / "assignment1" / "tests" / "test_alpha.py").read_text()


def test_writing_the_results_channel(course, tmp_path):
    """Forged pytest_limits events, forged results.json files, forged frames on every open descriptor."""
    attack = (
        HUNT
        + """
import json
forged = {"event": "result", "nodeid": "tests/test_alpha.py::test_add", "outcome": "passed", "message": "",
          "output": "", "duration": 0.0}
for r in roots:
    for f in _hunt([r + "/events-*.jsonl", r + "/**/events-*.jsonl", r + "/**/results.json"])[:200]:
        try:
            with open(f, "a") as fh:
                fh.write(json.dumps(forged) + "\\n")
        except Exception:
            pass
for fd in range(3, 64):
    try:
        os.write(fd, b"\\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x00" + b'{"m":{"ok":true}}')
    except Exception:
        pass
"""
    )
    _both(course, tmp_path, attack)


def test_detached_child_outlives_the_run(course, tmp_path):
    marker = tmp_path / "child-was-alive"
    attack = f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(2.5)
        try:
            open({str(marker)!r}, "w").write("alive")
        except Exception:
            pass
        for p in ({str(tmp_path)!r},):
            for dirpath, _, files in os.walk(p):
                for f in files:
                    if f == "results.json":
                        try:
                            open(os.path.join(dirpath, f), "w").write('{{"score": 99, "tests": []}}')
                        except Exception:
                            pass
    os._exit(0)
"""
    results = _both(course, tmp_path, attack)
    time.sleep(3.5)
    for base, (res, path) in results.items():
        assert json.loads(path.read_text())["score"] == res["score"] <= EARNED[base]
    assert not marker.exists(), "a process started by the submission outlived grading"


@ROOT_ONLY
def test_reading_or_importing_the_reference(course, tmp_path):
    """Through the import path, parent folders, environment variables, /proc: the worker sees no reference."""
    attack = (
        HUNT
        + """
import importlib.util, sys
found = None
for r in roots:
    for f in _hunt([r + "/**/cs231n/alpha.py", r + "/**/alpha.py"])[:200]:
        try:
            if "a + b" in open(f).read() and "raise NotImplementedError" not in open(f).read():
                found = f
                break
        except Exception:
            pass
    if found:
        break
if found:
    spec = importlib.util.spec_from_file_location("_ref_alpha", found)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import cs231n.alpha as mine
    mine.add, mine.square_all = mod.add, mod.square_all
"""
    )
    _both(course, tmp_path, attack, files={"cs231n/beta.py": STUB_BETA})


@ROOT_ONLY
def test_printing_files_into_test_output(course, tmp_path):
    attack = (
        HUNT
        + """
for r in roots:
    for f in _hunt([r + "/**/tests/*.py", r + "/**/cs231n/*.py"])[:100]:
        try:
            print(f, open(f).read())
        except Exception:
            pass
"""
    )
    results = _both(course, tmp_path, attack)
    for res, _ in results.values():
        text = json.dumps(res)
        assert "def test_add" not in text and "total = a + b" not in text


def test_rigged_return_objects(course, tmp_path):
    rigged = '''"""alpha returning objects that claim to equal anything."""
import numpy as np


class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True


class AnyList(list):
    def __eq__(self, other):
        return True


class Sneaky(np.ndarray):
    def __eq__(self, other):
        return np.ones(1, dtype=bool)


def add(a, b):
    return Anything()


def square_all(xs):
    return AnyList([float("nan")])


def double(x):
    return np.zeros(1).view(Sneaky)
'''
    for base in ("stub", "partial"):
        sub = _submission(tmp_path, base, files={"cs231n/alpha.py": rigged})
        res, _ = _grade(course, tmp_path, sub)
        assert res["score"] == 0


def test_floods_of_output(course, tmp_path):
    attack = """
import sys
for _ in range(20000):
    print("x" * 1000)
    sys.stderr.write("y" * 1000 + "\\n")
"""
    flood_beta = STUB_BETA.replace(
        "raise NotImplementedError", 'print("z" * 10_000_000)\n    raise NotImplementedError'
    )
    results = _both(course, tmp_path, attack, files={"cs231n/beta.py": flood_beta})
    for res, path in results.values():
        assert os.path.getsize(path) < 200_000
        assert all(len(t["output"]) < 30_000 for t in res["tests"])


@ROOT_ONLY
def test_fork_bomb(course, tmp_path):
    attack = """
import os, time
for _ in range(100000):
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError:
        break
"""
    _both(course, tmp_path, attack)
    left = [p for p, (_pp, uid) in sandbox._proc_table().items() if uid is not None and uid >= sandbox.WORKER_UID_BASE]
    assert not left, f"worker processes left: {left}"


def test_memory_exhaustion(course, tmp_path):
    hog = STUB_BETA.replace(
        "raise NotImplementedError",
        "import numpy as np\n    x = np.ones((1 << 31) // 8 * 2)  # 4 GiB, touched\n    return int(x[0]) * a * b",
    )
    results = _both(course, tmp_path, files={"cs231n/beta.py": hog})
    res, _ = results["partial"]
    assert res["score"] == 5  # the hog costs only its own test
    mul = [t for t in res["tests"] if t["name"].endswith("test_mul")][0]
    assert "MemoryError" in mul["output"] or "stopped" in mul["output"]


def test_syntax_error_costs_only_its_own_questions(course, tmp_path):
    broken = STUB_BETA.replace("def mul(a, b):", "def mul(a, b:")
    results = _both(course, tmp_path, files={"cs231n/beta.py": broken})
    res, _ = results["partial"]
    assert res["score"] == 5
    mul = [t for t in res["tests"] if t["name"].endswith("test_mul")][0]
    assert "cs231n/beta.py" in mul["output"] and "line 4" in mul["output"], mul["output"]


def test_zip_bomb_and_lying_members_are_refused_fast(course, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("cs231n/__init__.py", "")
        z.writestr("cs231n/alpha.py", b"#" * (200 << 20))  # 200 MB of comment, about 200 KB zipped
    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("cs231n/__init__.py", "")
        z.writestr("cs231n/alpha.py", b"#" * (64 << 20))
    data = bytearray(liar.read_bytes())
    real = (64 << 20).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    data = data.replace(real, small)  # local header and central directory now declare 100 bytes
    liar.write_bytes(bytes(data))
    for path in (bomb, liar):
        tracemalloc.start()
        t0 = time.time()
        with pytest.raises(grade.Refused):
            grade.read_submission(str(path))
        took = time.time() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert took < 2.0 and peak < 3 * submission.MAX_FILE + (8 << 20), (path.name, took, peak)
        res, _ = _grade(course, tmp_path, path)
        assert res["score"] == 0 and "REFUSED" in res["output"]


def test_wire_format_refuses_objects_and_pickles():
    import io

    frame = codec.pack({"x": {"__a__": 0, "dtype": "|O", "shape": [1]}}, [])
    with pytest.raises(codec.WireError):
        codec.read_frame(io.BytesIO(frame + b"\0" * 8))
    frame = codec.pack({"x": {"__a__": 0, "dtype": "<f8", "shape": [1000]}}, [])
    with pytest.raises(codec.WireError):
        codec.read_frame(io.BytesIO(frame))


def test_collect_submission_limits_agree_with_the_grader():
    import importlib.util

    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "assignment1", "collect_submission.py"
    )
    spec = importlib.util.spec_from_file_location("collect_submission_a1", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.MAX_FILE_BYTES == submission.MAX_FILE and mod.MAX_CODE_BYTES == submission.MAX_TOTAL


def test_batch_grading_is_resumable_and_writes_a_gradebook(course, tmp_path):
    import csv

    from tools.grading import batch

    subs = tmp_path / "subs"
    subs.mkdir()
    _submission(subs, "stub", name="ann")
    _submission(subs, "partial", name="bob")
    out = tmp_path / "book"
    args = ["-a", "1", str(subs), "--out", str(out), "--jobs", "2", "--per-test", "5", "--root", str(course)]
    assert batch.main(args) == 0
    rows = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert float(rows["ann"]["total"]) == 0 and float(rows["bob"]["total"]) == 5 and rows["bob"]["status"] == "ok"
    assert float(rows["bob"]["alpha"]) == 5
    stamp = os.path.getmtime(out / "bob" / "results.json")
    assert batch.main(args) == 0  # resumed: nothing graded again
    assert os.path.getmtime(out / "bob" / "results.json") == stamp


def test_autograder_zip_holds_no_solution_line(course):
    from tools import release

    files, record = release.render(str(course), "assignment1", include_tests=True, include_datasets=True)
    zipped = release.autograder_files(str(course), 1, (files, record))
    assert "assignment1/cs231n/alpha.py" in zipped and "assignment1/tests/test_alpha.py" in zipped
    assert release.zip_leaks(record, zipped) == []
    zipped["assignment1/cs231n/alpha.py"] = (course / "assignment1" / "cs231n" / "alpha.py").read_bytes()
    assert release.zip_leaks(record, zipped), "the reference alpha.py must be caught"


def test_wire_format_keeps_zero_dimensional_values():
    import io

    import numpy as np

    e = codec.Encoder()
    tree = e.enc({"s": np.float64(2.5), "a": np.array(3.0), "v": np.arange(3)})
    msg, arrays = codec.read_frame(io.BytesIO(codec.pack(tree, e.arrays)))
    out = codec.decode(msg, arrays)
    assert type(out["s"]) is np.float64 and out["s"] == 2.5
    assert out["a"].shape == () and out["v"].shape == (3,)
