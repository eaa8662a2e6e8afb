"""MNIST for the generative-model notebooks: a numpy-only reader of the idx files and a small batch loader.

    from cs231n.mnist_utils import load_mnist
    data = load_mnist()            # {'X_train': uint8 (60000, 28, 28), 'y_train': uint8 (60000,), 'X_test', 'y_test'}

The files are the four published ones (`datasets/get_datasets.py mnist` downloads them, or
writes the synthetic stand-in offline) in <data root>/mnist/, gzipped or not.
"""

import gzip
import os

import numpy as np

from .data_utils import datasets_root, is_synthetic

FILES = {
    "X_train": ("train-images-idx3-ubyte", 3),
    "y_train": ("train-labels-idx1-ubyte", 1),
    "X_test": ("t10k-images-idx3-ubyte", 3),
    "y_test": ("t10k-labels-idx1-ubyte", 1),
}


class MnistFileError(ValueError):
    """An idx file is missing, truncated or not what its name says (the message names it and the fix)."""


def read_idx(path, ndim=None):
    """Parse one idx file (gzipped when the name ends in .gz) into a uint8 numpy array.

    The idx format: 2 zero bytes, a type byte (0x08 = unsigned byte), the number of
    dimensions, then each dimension as a big-endian 32-bit integer, then the data.

    Inputs:
    - path: the file
    - ndim: expected number of dimensions (3 for images, 1 for labels), or None
    Returns the array, shape as the header says. Raises MnistFileError naming the file.
    """
    fix = "delete it and run `python datasets/get_datasets.py mnist` again"
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise MnistFileError(f"{path}: cannot be read ({e}); {fix}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise MnistFileError(f"{path}: not an idx file (bad magic number {raw[:4].hex() or 'empty'}); {fix}")
    if raw[2] != 0x08:
        raise MnistFileError(f"{path}: idx data type 0x{raw[2]:02x}, expected 0x08 (unsigned byte); {fix}")
    nd = raw[3]
    if ndim is not None and nd != ndim:
        raise MnistFileError(f"{path}: idx file of {nd} dimensions, expected {ndim}; {fix}")
    if len(raw) < 4 + 4 * nd:
        raise MnistFileError(f"{path}: truncated idx header; {fix}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(nd))
    body = raw[4 + 4 * nd :]
    expected = int(np.prod(shape)) if shape else 0
    if len(body) != expected:
        raise MnistFileError(
            f"{path}: header says shape {shape} ({expected:,} bytes of data) but the file holds {len(body):,}; {fix}"
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape).copy()


def mnist_folder(folder=None):
    """The MNIST folder: `folder`, else <data root>/mnist."""
    return folder or os.path.join(datasets_root(os.path.dirname(os.path.abspath(__file__))), "mnist")


def load_mnist(folder=None, num_train=None, num_test=None, verbose=True):
    """Load MNIST from its idx files.

    Inputs:
    - folder: the folder holding the four files (default: <data root>/mnist)
    - num_train, num_test: keep only the first this many images (None: all)
    - verbose: print a notice when the data is the synthetic stand-in
    Returns a dict: X_train uint8 (N, 28, 28), y_train uint8 (N,), X_test, y_test, and
    'synthetic' (bool).
    """
    folder = mnist_folder(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"no MNIST folder at {folder}. Run `python datasets/get_datasets.py mnist` from the course's "
            "top folder (offline it writes a synthetic stand-in), or set CS231N_DATASETS."
        )
    data = {}
    for key, (stem, nd) in FILES.items():
        for name in (stem + ".gz", stem):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                data[key] = read_idx(path, nd)
                break
        else:
            raise FileNotFoundError(
                f"{os.path.join(folder, stem + '.gz')} is missing; run `python datasets/get_datasets.py mnist --force`."
            )
    for split in ("train", "test"):
        X, y = data["X_" + split], data["y_" + split]
        if X.shape[1:] != (28, 28) or len(X) != len(y):
            raise MnistFileError(
                f"{folder}: {split} images are {X.shape} with {len(y)} labels, expected (N, 28, 28) and N labels; "
                "run `python datasets/get_datasets.py mnist --force`"
            )
        if y.size and y.max() > 9:
            raise MnistFileError(f"{folder}: {split} labels go up to {y.max()}, expected 0-9")
    if num_train is not None:
        data["X_train"], data["y_train"] = data["X_train"][:num_train], data["y_train"][:num_train]
    if num_test is not None:
        data["X_test"], data["y_test"] = data["X_test"][:num_test], data["y_test"][:num_test]
    data["synthetic"] = is_synthetic(folder)
    if data["synthetic"] and verbose:
        print(f"Note: {folder} holds the SYNTHETIC MNIST stand-in (augmented scikit-learn digits), not MNIST.")
    return data


def minibatches(X, y, batch_size, rng, drop_last=True):
    """Shuffled minibatches of (X, y) for one epoch; rng is a np.random.Generator. Yields (X_batch, y_batch)."""
    order = rng.permutation(len(X))
    stop = len(X) - (len(X) % batch_size if drop_last else 0)
    for i in range(0, stop, batch_size):
        idx = order[i : i + batch_size]
        yield X[idx], y[idx]
