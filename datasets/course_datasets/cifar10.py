"""CIFAR-10 (python version): where it comes from, what must be there, and its synthetic stand-in.

The generic route of core.py (download, verify size and md5, extract atomically) is all it
needs; offline, synthetic_cifar10.py writes a generated set in the same pickle format.
"""

import sys

from .core import DatasetError
from .spec import Dataset


def write_synthetic(dest, per_batch):
    """The synthetic hook: a generated CIFAR-10 in `dest` (needs numpy, imported only here)."""
    try:
        from .synthetic_cifar10 import write_synthetic_cifar10
    except ImportError as e:
        raise DatasetError(
            f"the synthetic dataset needs numpy, which this Python ({sys.executable}) lacks ({e}).\n"
            "Run `make data` (it uses the course's .venv), or `.venv/bin/python datasets/get_datasets.py "
            "--synthetic`, or `pip install numpy`."
        ) from None
    return write_synthetic_cifar10(dest, per_batch=per_batch)


DATASET = Dataset(
    name="cifar10",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    filename="cifar-10-python.tar.gz",
    size=170_498_071,
    md5="c58f30108f718f92721af3b95e74349a",
    folder="cifar-10-batches-py",
    required=(
        "data_batch_1",
        "data_batch_2",
        "data_batch_3",
        "data_batch_4",
        "data_batch_5",
        "test_batch",
        "batches.meta",
    ),
    synthetic=write_synthetic,
    notes="CIFAR-10, python version (60,000 32x32 images, 10 classes; 163 MiB)",
)
