"""What goes into a student release (and so into an autograder zip): the one definition.

    from tools.release.files import release_files
    release_files(root, "assignment1")    # {"cs231n/layers.py": "assignment1/cs231n/layers.py", ...}

release_files() is what `python -m tools.release` renders (stubbing solution regions on
the way) and what the grader packs for Gradescope; nothing else decides which files ship.
A file ships when git tracks it (or it is untracked and not ignored), it is inside the
assignment folder and not matched by REFERENCE_ONLY, or it is a datasets/ file matched by
DATASET_FILES (the datasets script and its package; never data, never its tests).
"""

import fnmatch
import os
import subprocess

ASSIGNMENTS = ["assignment1", "assignment2", "assignment3"]

# ---- THE place that declares what never ships (patterns relative to an assignment folder).
# tests/ and build products are always left out; git-ignored files are left out as well.
REFERENCE_ONLY = [
    "tests/*",  # the autograder's tests
    "*/__pycache__/*",
    "__pycache__/*",
    "*.pyc",
    "*/.ipynb_checkpoints/*",
    ".ipynb_checkpoints/*",
    ".pytest_cache/*",
    "*_submission.zip",
    "*_submission.pdf",
    "*.reference.*",
    "reference/*",  # reference-only material (answer keys, notes)
]
# datasets/ files copied into each release (the script, its package and docs; never data nor tests)
DATASET_FILES = ["*.py", "get_datasets.sh", "README.md", "course_datasets/*.py"]


def is_reference_only(rel):
    return any(fnmatch.fnmatch(rel, p) for p in REFERENCE_ONLY)


def is_dataset_file(rel):
    """True for a path inside datasets/ (e.g. 'course_datasets/core.py') that ships with a release."""
    return any(fnmatch.fnmatch(rel, p) and rel.count("/") == p.count("/") for p in DATASET_FILES)


def _git_files(root, sub):
    """Tracked plus untracked-not-ignored files under root/sub (relative to root), or None without git."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", sub],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=True,
        ).stdout
        top = subprocess.run(
            ["git", "-C", root, "rev-parse", "--show-toplevel"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    if os.path.realpath(top) != os.path.realpath(root):
        return None  # root is inside some other repository (e.g. a copy under build/): walk it instead
    files = sorted({f for f in out.decode("utf-8", "surrogateescape").split("\0") if f})
    return [f for f in files if os.path.isfile(os.path.join(root, f)) and not os.path.islink(os.path.join(root, f))]


def _walk_files(root, sub):
    found = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, sub)):
        dirnames[:] = sorted(
            d for d in dirnames if d not in (".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache")
        )
        for fn in sorted(filenames):
            p = os.path.join(dirpath, fn)
            if not os.path.islink(p):
                found.append(os.path.relpath(p, root).replace(os.sep, "/"))
    return found


def list_files(root, sub):
    """Files under root/sub that are part of the source (git's view when root is a checkout)."""
    files = _git_files(root, sub)
    return _walk_files(root, sub) if files is None else files


def existing_assignments(root, wanted=None):
    names = wanted or ASSIGNMENTS
    return [a for a in names if os.path.isdir(os.path.join(root, a, "cs231n"))]


def release_files(root, name, include_tests=False, include_datasets=True):
    """The files of assignment `name`'s student release: {path inside the release folder: path in root}.

    Inputs:
    - root: the repository (or any folder laid out like it)
    - name: the assignment folder, e.g. 'assignment1'
    - include_tests: also the assignment's tests/ (for grading and validation; never shipped)
    - include_datasets: also datasets/ files (DATASET_FILES) under 'datasets/'
    Both sides are '/'-separated relative paths; files are listed in sorted order.
    """
    out = {}
    for path in list_files(root, name):
        rel = path[len(name) + 1 :]
        if rel.startswith("tests/"):
            if include_tests and not is_reference_only(rel.replace("tests/", "x/", 1)):
                out[rel] = path
            continue
        if not is_reference_only(rel):
            out[rel] = path
    if include_datasets and os.path.isdir(os.path.join(root, "datasets")):
        for path in list_files(root, "datasets"):
            base = path.split("/", 1)[1]
            if is_dataset_file(base):
                out["datasets/" + base] = path
    return out


# the tools an autograder zip carries (patterns relative to the repository; the grader's entry point and what it imports)
AUTOGRADER_TOOLS = [
    "tools/__init__.py",
    "tools/grade.py",
    "tools/testrun.py",
    "tools/pytest_limits.py",
    "tools/release/*.py",
    "tools/grading/*.py",
]


def autograder_tool_files(root):
    """Repository paths of the tools an autograder zip must carry (AUTOGRADER_TOOLS that exist in root)."""
    out = []
    for pattern in AUTOGRADER_TOOLS:
        folder = os.path.dirname(pattern)
        if not os.path.isdir(os.path.join(root, folder)):
            continue
        for fn in sorted(os.listdir(os.path.join(root, folder))):
            rel = f"{folder}/{fn}"
            if fnmatch.fnmatch(rel, pattern) and os.path.isfile(os.path.join(root, rel)):
                out.append(rel)
    return out
