"""Build the student release from the reference solutions, and validate it.

    python -m tools.release                  # build/release/assignmentN/ + assignmentN.zip, then validate
    python -m tools.release --validate       # build into a temporary folder and validate (what `make test` runs)
    python -m tools.release -a 1 --no-validate --out DIR
    python -m tools.release --notebooks      # also: released notebooks run (smoke) up to their first fill-in

For each assignment folder that exists:
- every `### BEGIN SOLUTION` ... `### END SOLUTION` region (in .py files and notebook code
  cells) becomes `# YOUR CODE HERE` + `raise NotImplementedError` at the same indentation;
- notebooks lose outputs and execution counts; markdown cells tagged `solution` become
  `*Your answer:*`;
- which files ship is files.release_files(): tests/, the files in REFERENCE_ONLY and
  anything git-ignored stay out;
- the datasets/ script and its package (not the data, not its tests) are copied into assignmentN/datasets/.
An unbalanced or nested marker stops everything before a file is written.

Validation (after every build): the package imports (every module, in a subprocess);
no line that was inside a marker (or a solution cell) survives; every graded test fails
against the stubs (tests in modules with GRADED = False are given code and skipped).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

from . import markers
from .files import ASSIGNMENTS, autograder_tool_files, existing_assignments, list_files, release_files  # noqa: F401  (re-exported)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same input gives the same zip


def log(msg=""):
    print(msg, flush=True)


def _dump_notebook(nb):
    """Notebook JSON as Jupyter writes it (sources as lists of lines, indent 1, sorted keys)."""
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        if isinstance(src, str):
            cell["source"] = src.splitlines(keepends=True)
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render(root, name, include_tests=False, include_datasets=True):
    """The release of one assignment, in memory.

    Returns (files, record): files maps a path inside the assignment folder to bytes;
    record maps each stubbed file to (reference_text_lines, released_lines, hidden_lines).
    Raises markers.MarkerError (nothing has been written).
    """
    files, record = {}, {}
    for rel, path in release_files(root, name, include_tests, include_datasets).items():
        full = os.path.join(root, path)
        if rel.startswith("tests/") or path.startswith("datasets/"):
            with open(full, "rb") as f:
                files[rel] = f.read()
        elif rel.endswith(".py"):
            with open(full, encoding="utf-8") as f:
                text = f.read()
            out, hidden, n = markers.stub_text(text, path)
            files[rel] = out.encode("utf-8")
            record[rel] = (text.splitlines(), out.splitlines(), hidden)
        elif rel.endswith(".ipynb"):
            with open(full, encoding="utf-8") as f:
                nb = json.load(f)
            out, hidden, n = markers.stub_notebook(nb, path)
            files[rel] = _dump_notebook(out)
            record[rel] = (_nb_lines(nb), _nb_lines(out), hidden)
        else:
            with open(full, "rb") as f:
                files[rel] = f.read()
    return files, record


def _nb_lines(nb):
    lines = []
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        lines.extend(("".join(src) if isinstance(src, list) else src).splitlines())
    return lines


def write_tree(files, dest):
    """Write files into dest (replacing it) through a temporary sibling folder."""
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(dest) + "-", dir=parent)
    try:
        for rel, data in sorted(files.items()):
            p = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            if rel.endswith(".sh"):
                os.chmod(p, 0o755)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_zip(files, prefix, dest):
    tmp = dest + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in sorted(files.items()):
            info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if rel.endswith(".sh") else 0o100644) << 16
            z.writestr(info, data)
    os.replace(tmp, dest)


def build(root, out_dir, names, make_zip=True):
    """Render every assignment first (a marker error stops before anything is written), then write."""
    rendered = {}
    for name in names:
        rendered[name] = render(root, name)
    for name in names:
        files, record = rendered[name]
        write_tree(files, os.path.join(out_dir, name))
        if make_zip:
            write_zip(files, name, os.path.join(out_dir, name + ".zip"))
        n_regions = sum(len(markers.find_regions(r[0])) for r in record.values())
        log(
            f"{name}: {len(files)} files, {n_regions} solution regions stubbed -> "
            f"{os.path.relpath(os.path.join(out_dir, name), root)}{'/ (+ .zip)' if make_zip else '/'}"
        )
    return rendered


# --------------------------------------------------------------------------- validation

_TRIVIAL = {
    "pass",
    "else:",
    "try:",
    "finally:",
    "return",
    "break",
    "continue",
    ")",
    "]",
    "}",
    "),",
    "],",
    "})",
    "))",
    "pass  #",
    "'''",
    '"""',
}


def _outside_and_inside(lines):
    """Lines outside regions and lines inside them (independent of markers.stub_lines)."""
    outside, inside, depth = [], [], 0
    for line in lines:
        k = markers.marker_kind(line)
        if k == "begin":
            depth += 1
        elif k == "end":
            depth -= 1
        elif depth:
            inside.append(line)
        else:
            outside.append(line)
    return outside, inside


def find_leaks(record):
    """Lines that were inside a region (and nowhere outside one in that file) but are in the release."""
    leaks = []
    for rel, (ref_lines, out_lines, hidden) in sorted(record.items()):
        outside, inside = _outside_and_inside(ref_lines)
        secret = {l.strip() for l in inside + [h.rstrip("\n") for h in hidden]}
        secret -= {l.strip() for l in outside}
        secret = {s for s in secret if len(s) > 3 and s not in _TRIVIAL}
        for i, line in enumerate(out_lines):
            if markers.is_marker_line(line):
                leaks.append(f"{rel}: line {i + 1}: a solution marker survived")
            elif line.strip() in secret:
                leaks.append(f"{rel}: line {i + 1}: solution line survived: {line.strip()[:80]}")
    return leaks


def autograder_files(root, n, rendered=None, tools_root=None):
    """The Gradescope autograder zip's files (path -> bytes): entry points, grading tools, the STUBBED
    release of assignment n with its tests, the datasets scripts. Never the reference package."""
    name = f"assignment{n}"
    files = {}
    if tools_root is None:  # the grading tools come from this checkout (root may be another course tree)
        tools_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    gs = os.path.join(tools_root, "tools", "gradescope")
    for fn in ("setup.sh", "run_autograder"):
        with open(os.path.join(gs, fn), "rb") as f:
            files[fn] = f.read()
    files["ASSIGNMENT"] = f"{n}\n".encode()
    req = os.path.join(root, "requirements.txt")
    if os.path.exists(req):
        with open(req, "rb") as f:
            files["requirements.txt"] = f.read()
    for rel in autograder_tool_files(tools_root):
        with open(os.path.join(tools_root, rel), "rb") as f:
            files[rel] = f.read()
    released, _ = rendered if rendered is not None else render(root, name, include_tests=True, include_datasets=True)
    for rel, data in released.items():
        if rel.startswith("datasets/"):
            files[rel] = data
        elif not rel.endswith(".ipynb"):  # notebooks are not needed to grade
            files[f"{name}/{rel}"] = data
    return files


def zip_leaks(record, files, window=3):
    """Solution code found in an autograder zip's files (path -> bytes).

    A stubbed file must hold none of its own solution lines (as find_leaks defines them), and
    no file may hold `window` consecutive lines of any solution region (single lines such as
    `N, C, H, W = x.shape` recur in given code and tests, so they prove nothing across files).
    """
    own, runs = {}, {}
    for rel, (ref_lines, _out, hidden) in sorted(record.items()):
        outside, inside = _outside_and_inside(ref_lines)
        common = {l.strip() for l in outside}
        lines = {l.strip() for l in inside + [h.rstrip("\n") for h in hidden]} - common
        own[rel] = {x for x in lines if len(x) > 3 and x not in _TRIVIAL and not x.startswith("#")}
        block = [l.strip() for l in inside if l.strip() and l.strip() not in _TRIVIAL and not l.strip().startswith("#")]
        for i in range(len(block) - window + 1):
            runs.setdefault(tuple(block[i : i + window]), rel)
    leaks = []
    for path, data in sorted(files.items()):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.split("/", 1)[1] if path.startswith("assignment") else None
        lines = text.splitlines()
        code = [l.strip() for l in lines if l.strip() and l.strip() not in _TRIVIAL and not l.strip().startswith("#")]
        for i, line in enumerate(lines):
            if not path.startswith("tools/") and markers.is_marker_line(line):
                leaks.append(f"autograder zip {path}: line {i + 1}: a solution marker")
            elif rel in own and line.strip() in own[rel]:
                leaks.append(f"autograder zip {path}: line {i + 1}: its own solution line: {line.strip()[:80]}")
        for i in range(len(code) - window + 1):
            src = runs.get(tuple(code[i : i + window]))
            if src is not None:
                leaks.append(f"autograder zip {path}: {window} consecutive solution lines of {src}: {code[i][:60]}...")
    return leaks


IMPORT_CHECK = r"""
import importlib, pkgutil, sys, traceback
sys.path.insert(0, ".")
import cs231n
bad = 0
for m in pkgutil.walk_packages(cs231n.__path__, "cs231n."):
    try:
        importlib.import_module(m.name)
    except BaseException:
        bad += 1
        print("cannot import " + m.name + ":\n" + traceback.format_exc(), file=sys.stderr)
print("imported", "ok" if not bad else "with %d failures" % bad)
sys.exit(1 if bad else 0)
"""


def check_imports(release_dir):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    env.pop("PYTHONPATH", None)
    p = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK],
        cwd=release_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return p.returncode == 0, p.stdout.strip()


def stub_test_problems(root, name, release_dir, per_test):
    """Run the reference tests against the release: (problems, warnings, n_graded, n_tests)."""
    if not os.path.isdir(os.path.join(root, name, "tests")):
        return [], [f"{name}: no tests/ folder"], 0, 0
    work = tempfile.mkdtemp(prefix=f"validate-{name}-")
    try:
        shutil.copytree(release_dir, os.path.join(work, name))
        wd = os.path.join(work, name)
        files, _ = render(root, name, include_tests=True, include_datasets=False)
        for rel, data in files.items():
            if rel.startswith("tests/"):
                p = os.path.join(wd, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(data)
        from tools import testrun  # the grading runner (imported here: grade.py imports this module too)

        items, results, notes = testrun.run(
            wd, None, per_test=per_test, total=max(300.0, per_test * 20), cap=600, only_graded=True
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    problems, warnings = [], list(notes)
    graded = [i for i in items if i["graded"]]
    for i in graded:
        r = results.get(i["nodeid"], {})
        if r.get("outcome") == "passed":
            problems.append(f"{name}/{i['nodeid']} PASSES on the stubs (it asserts nothing the student writes)")
        elif r.get("outcome") == "skipped":
            warnings.append(f"{name}/{i['nodeid']} is skipped on the stubs: {r.get('message', '')}")
    if not items:
        warnings.append(f"{name}: no tests collected")
    return problems, warnings, len(graded), len(items)


def validate(root, out_dir, names, rendered, per_test=10.0):
    ok = True
    for name in names:
        t0 = time.time()
        files, record = rendered[name]
        rdir = os.path.join(out_dir, name)
        leaks = find_leaks(record)
        n = int(name.replace("assignment", "")) if name.startswith("assignment") else None
        if n is not None:  # the Gradescope zip holds the stubbed release and tests only
            leaks += zip_leaks(record, autograder_files(root, n))
        for nb_rel in [r for r in files if r.endswith(".ipynb")]:
            nb = json.loads(files[nb_rel])
            for ci, c in enumerate(nb.get("cells", [])):
                if c.get("cell_type") == "code" and (c.get("outputs") or c.get("execution_count") is not None):
                    leaks.append(f"{nb_rel}: cell {ci + 1} still has outputs or an execution count")
        imp_ok, imp_out = check_imports(rdir)
        problems, warnings, n_graded, n_tests = stub_test_problems(root, name, rdir, per_test)
        good = imp_ok and not leaks and not problems
        ok &= good
        log(
            f"{name}: validation {'OK' if good else 'FAILED'} ({time.time() - t0:.1f} s): "
            f"package {'imports' if imp_ok else 'does NOT import'}; {len(leaks)} leaked lines; "
            f"{n_graded} graded tests, {len(problems)} pass on stubs"
        )
        if not imp_ok:
            log("  " + imp_out.replace("\n", "\n  "))
        for line in leaks + problems:
            log("  ERROR " + line)
        for line in warnings:
            log("  note  " + line)
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build (and validate) the student release.")
    ap.add_argument(
        "-a",
        "--assignment",
        action="append",
        type=int,
        metavar="N",
        help="only this assignment (repeatable; default: every assignment folder present)",
    )
    ap.add_argument(
        "--validate",
        action="store_true",
        help="build into a temporary folder and validate it (build/release is left alone)",
    )
    ap.add_argument("--no-validate", action="store_true", help="build only")
    ap.add_argument("--out", help="output folder (default build/release)")
    ap.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument(
        "--notebooks",
        action="store_true",
        help="also run the released notebooks (smoke mode): each must run up to its first fill-in",
    )
    ap.add_argument("--per-test", type=float, default=10.0, help="per-test time limit in validation (s)")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    names = existing_assignments(root, [f"assignment{n}" for n in args.assignment] if args.assignment else None)
    if not names:
        log("no assignment folders with a cs231n/ package found")
        return 1
    t0 = time.time()
    tmp = None
    if args.validate:
        tmp = tempfile.mkdtemp(prefix="release-validate-")
        out_dir = tmp
    else:
        out_dir = os.path.abspath(args.out or os.path.join(root, "build", "release"))
    try:
        try:
            rendered = build(root, out_dir, names, make_zip=not args.validate)
        except markers.MarkerError as e:
            log(f"release refused (nothing written): {e}")
            return 2
        except (UnicodeDecodeError, ValueError) as e:
            log(f"release refused (nothing written): a file could not be read: {e}")
            return 2
        ok = True
        if not args.no_validate:
            ok = validate(root, out_dir, names, rendered, per_test=args.per_test)
        if args.notebooks:
            nbs = [
                os.path.join(out_dir, n, f)
                for n in names
                for f in sorted(rendered[n][0])
                if f.endswith(".ipynb") and "/" not in f
            ]
            if nbs:
                cmd = [
                    sys.executable,
                    "-m",
                    "tools.dev.run_notebooks",
                    "--smoke",
                    "--expect-stubs",
                    "--out",
                    os.path.join(root, "build", "notebooks-release"),
                ] + nbs
                ok &= subprocess.run(cmd, cwd=ROOT).returncode == 0
        log(
            f"release {'built and validated' if not args.no_validate else 'built'}"
            f"{'' if ok else ' WITH PROBLEMS'} in {time.time() - t0:.1f} s"
        )
        return 0 if ok else 1
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
