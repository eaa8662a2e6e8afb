"""`make test`: every test suite, the copy check, the linter, the release validation, the smoke notebook runs and the browser check.

    python -m tools.dev.run_tests

Each assignment's tests run in their own pytest process with the assignment folder as
rootdir and working directory, because all three packages are called `cs231n`.
pytest's exit code 5 ("no tests collected") counts as success. Every step runs even if
an earlier one failed; the exit code is non-zero if any failed.
"""

import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSIGNMENTS = ["assignment1", "assignment2", "assignment3"]
PY = sys.executable


def pytest_step(name, cwd, target):
    # --rootdir: the folder itself (pyproject.toml at the top would otherwise become every suite's rootdir)
    return (name, [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", cwd, target], cwd, True)


def steps():
    out = []
    for a in ASSIGNMENTS:
        if os.path.isdir(os.path.join(ROOT, a, "tests")):
            out.append(pytest_step(f"{a} tests", os.path.join(ROOT, a), "tests"))
    out.append(pytest_step("datasets tests", os.path.join(ROOT, "datasets"), "tests"))
    out.append(pytest_step("tools tests", ROOT, "tools/tests"))
    for module, args, label in [
        ("tools.dev.copies", [], "declared copies up to date"),
        ("ruff", ["check", "."], "lint (ruff check)"),
        ("ruff", ["format", "--check", "."], "format (ruff format --check)"),
        ("tools.release", ["--validate"], "release validation"),
        ("tools.grading.selfcheck", [], "grader self-check (a1)"),
        ("tools.grading.check", ["3"], "grading contract (a3: reference full marks, stubs 0, in the worker)"),
        ("tools.dev.run_notebooks", ["--smoke"], "notebooks (smoke)"),
        ("tools.dev.browser_check", [], "browser check (JupyterLab)"),
    ]:
        out.append((label, [PY, "-m", module] + args, ROOT, False))
    return out


def main():
    results, passed, failed = [], 0, 0
    for name, cmd, cwd, is_pytest in steps():
        print(f"\n===== {name}: {' '.join(cmd[1:])}  (in {os.path.relpath(cwd, ROOT)})", flush=True)
        t0 = time.time()
        if is_pytest:
            env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # ~1 s less per start
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            sys.stdout.write(proc.stdout)
            tail = proc.stdout.strip().splitlines()[-1:] or [""]
            passed += sum(int(n) for n in re.findall(r"(\d+) passed", tail[0]))
            failed += sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", tail[0]))
            ok = proc.returncode in (0, 5)
        else:
            ok = subprocess.run(cmd, cwd=cwd).returncode == 0
        results.append((name, ok, time.time() - t0))
    print("\n===== summary")
    for name, ok, dt in results:
        print(f"  {'ok  ' if ok else 'FAIL'}  {name:32s} {dt:7.1f} s")
    bad = [n for n, ok, _ in results if not ok]
    if bad:
        print("failed steps: " + ", ".join(bad))
    print(f"{passed} passed, {failed} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
