"""Where the data lives and how a synthetic stand-in is marked: the one definition of both rules.

    from course_datasets.layout import datasets_root, is_synthetic

Data root: `$CS231N_DATASETS` if set, else the nearest folder named `datasets` that holds
`get_datasets.py`, looking upwards from the code asking (the repository's top, or the top of
a release folder). Synthetic marker: a dataset folder written by a generator holds
`README.txt` whose first line starts with `SYNTHETIC`.

Every reader uses these two functions: the datasets CLI and its dataset modules import them,
the benchmarks import them, and each assignment's `cs231n/data_utils.py` holds declared
copies of them (see tools/dev/copies.py: the student package must stay self-contained), so
a change here reaches every copy with `python -m tools.dev.copies --write`.
Standard library only.
"""

import os

ENV_VAR = "CS231N_DATASETS"
MARKER_FILE = "README.txt"
MARKER_PREFIX = "SYNTHETIC"


def datasets_root(start=None):
    """The data root: $CS231N_DATASETS, else the nearest `datasets/` holding get_datasets.py above `start`.

    Inputs:
    - start: folder to look upwards from (default: the folder of this file)
    Returns an absolute path. Raises FileNotFoundError (saying what to do) when neither exists.
    """
    env = os.environ.get("CS231N_DATASETS")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    here = os.path.abspath(start or os.path.dirname(os.path.abspath(__file__)))
    d = here
    while True:
        candidate = os.path.join(d, "datasets")
        if os.path.isfile(os.path.join(candidate, "get_datasets.py")):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    raise FileNotFoundError(
        f"cannot find the data root: $CS231N_DATASETS is not set and no folder above {here} "
        "holds datasets/get_datasets.py. Set CS231N_DATASETS to the folder that holds "
        "cifar-10-batches-py/ (or run from the course repository)."
    )


def is_synthetic(folder):
    """True when `folder` holds a generated stand-in (README.txt starting with SYNTHETIC)."""
    try:
        with open(os.path.join(folder, "README.txt"), encoding="utf-8", errors="replace") as f:
            return f.readline().startswith("SYNTHETIC")
    except OSError:
        return False
