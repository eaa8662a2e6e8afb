"""MNIST (assignment 3's generative models): four gzipped idx files from PyTorch's mirrors, each md5-verified, placed atomically.

    python datasets/get_datasets.py mnist              # download (11 MiB); synthetic fallback offline
    python datasets/get_datasets.py mnist --synthetic  # the generated stand-in, no network

The files and their md5s are the ones published with MNIST and used by PyTorch's own loader
(torchvision.datasets.MNIST), fetched from the mirrors that loader tries, in its order. Each
file is downloaded with core.download_any (resume of a `.part`, retries, next mirror on
failure), verified by size and md5, its idx header checked, and the finished mnist/ folder
(the four .gz files as published) is renamed into place. A file put into the data root by
hand (downloaded elsewhere) is verified and used without the network, and kept. Offline, the
synthetic stand-in (synthetic_mnist.py: real handwriting from scikit-learn, augmented to
28x28) is written in the same format, marked SYNTHETIC.
"""

import gzip
import os
import shutil
import sys
import tempfile

from . import core
from .spec import Dataset

FOLDER = "mnist"
# PyTorch's mirrors, in the order its MNIST loader tries them
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# name -> (size in bytes, md5), as published
FILES = {
    "train-images-idx3-ubyte.gz": (9_912_422, "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train-labels-idx1-ubyte.gz": (28_881, "d53e105ee54ea40749a09fcbcd1e9432"),
    "t10k-images-idx3-ubyte.gz": (1_648_877, "9fb629c4189551a2d022fa330f9573f3"),
    "t10k-labels-idx1-ubyte.gz": (4_542, "ec29112dd5afa0611ce80d1b7f02629c"),
}
# idx headers: name -> (magic, leading size)
HEADERS = {
    "train-images-idx3-ubyte.gz": (0x00000803, 60000),
    "train-labels-idx1-ubyte.gz": (0x00000801, 60000),
    "t10k-images-idx3-ubyte.gz": (0x00000803, 10000),
    "t10k-labels-idx1-ubyte.gz": (0x00000801, 10000),
}


def check_header(path, name, expect=None):
    """Read the idx header of gzipped `path`; raise DatasetError naming the file when it is not `expect`."""
    magic, count = expect or HEADERS[name]
    try:
        with gzip.open(path, "rb") as f:
            head = f.read(8)
    except (OSError, EOFError) as e:
        raise core.DatasetError(f"{path}: not a gzip file ({e})") from None
    got_magic = int.from_bytes(head[:4], "big") if len(head) >= 4 else None
    got_count = int.from_bytes(head[4:8], "big") if len(head) >= 8 else None
    if got_magic != magic or got_count != count:
        raise core.DatasetError(
            f"{path}: idx header says magic {got_magic} and {got_count} items, expected magic {magic} "
            f"and {count} items; is it MNIST's {name}?"
        )


def prepare(ds, root, args, files=None, headers=None):
    """Download (or take from the data root) the four files, verify them, and place mnist/.

    Inputs:
    - ds: the registry entry (url + mirrors are folder URLs the file names are appended to)
    - root: the data root
    - args: get_datasets' parsed arguments (force, keep_archive, retries, timeout, no_progress)
    - files, headers: name -> (size, md5) and name -> (magic, count); default MNIST's (tests pass others)
    Returns 'present', 'extracted' (every file was in place) or 'downloaded'.
    """
    files = FILES if files is None else files
    headers = HEADERS if headers is None else headers
    final = os.path.join(root, ds.folder)
    placed = {n for n in files if os.path.isfile(os.path.join(root, n))}
    complete = core.is_complete(ds, final)
    synthetic_there = complete and core.is_synthetic_folder(final)
    if complete and not args.force and not (synthetic_there and placed):
        if synthetic_there:
            core.say(
                f"{ds.name}: the SYNTHETIC stand-in is in place at {final}; nothing to do.\n"
                f"  For the real data: once online run `python datasets/get_datasets.py {ds.name} --force`,\n"
                f"  or put the four MNIST .gz files into {root} and run the command again."
            )
        else:
            core.say(f"{ds.name}: already present at {final}; nothing to do.")
        return "present"

    tmp = tempfile.mkdtemp(prefix=f".tmp-{ds.folder}-", dir=root)
    downloaded = False
    try:
        new = os.path.join(tmp, ds.folder)
        os.makedirs(new)
        for name, (size, md5) in files.items():
            path = os.path.join(root, name)
            if name in placed and os.path.getsize(path) < size:
                core.say(f"{ds.name}: {name} in {root} is shorter than expected; resuming its download")
                os.replace(path, path + ".part")
                placed.discard(name)
            if name in placed:
                core.say(f"{ds.name}: using the file already in place: {path}")
                try:
                    core.verify(path, size, md5)
                except core.ChecksumError as e:
                    raise core.DatasetError(f"{e} Replace it with a good copy (or let the command download it).")
                shutil.copyfile(path, os.path.join(new, name))
            else:
                core.say(f"{ds.name}: downloading {name} ({core.human(size)})")
                core.download_any(
                    [u + name for u in ds.urls],
                    path,
                    size,
                    md5,
                    retries=args.retries,
                    timeout=args.timeout,
                    progress=not args.no_progress,
                )
                downloaded = True
                if args.keep_archive:
                    shutil.copyfile(path, os.path.join(new, name))
                else:
                    os.replace(path, os.path.join(new, name))
            check_header(os.path.join(new, name), name, headers.get(name))
        core.say("  sizes, md5s and idx headers OK")
        core.place_folder(new, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    core.say(f"{ds.name}: ready at {final}")
    return "downloaded" if downloaded else "extracted"


def write_synthetic(dest, per_batch=None):
    """The synthetic hook: the generated MNIST (synthetic_mnist.py) into `dest`; per_batch does not apply."""
    from .synthetic_mnist import write_synthetic_mnist

    return write_synthetic_mnist(dest)


def synthetic_is_current(folder, per_batch=None):
    """True when `folder` already holds the synthetic MNIST at its default sizes."""
    from .synthetic_mnist import DEFAULT_TEST, DEFAULT_TRAIN, synthetic_sizes

    return synthetic_sizes(folder) == (DEFAULT_TRAIN, DEFAULT_TEST)


def _needs_packages(fn):
    """fn, with a missing numpy/scipy/scikit-learn reported as a DatasetError that says how to run it."""

    def wrapped(*args):
        try:
            return fn(*args)
        except ImportError as e:
            raise core.DatasetError(
                f"the synthetic MNIST needs numpy, scipy and scikit-learn, which this Python ({sys.executable}) "
                f"lacks ({e}).\nRun it with the course's .venv: `.venv/bin/python datasets/get_datasets.py mnist`."
            ) from None

    return wrapped


DATASET = Dataset(
    name="mnist",
    url=MIRRORS[0],
    filename="the four MNIST files (" + ", ".join(FILES) + ")",
    size=None,  # four files: prepare() checks each one's size and md5
    md5=None,
    folder=FOLDER,
    required=tuple(FILES),
    mirrors=MIRRORS[1:],
    synthetic=_needs_packages(write_synthetic),
    synthetic_current=_needs_packages(synthetic_is_current),
    prepare=prepare,
    notes="MNIST handwritten digits (70,000 28x28 images; 11 MiB; assignment 3's generative models)",
)
