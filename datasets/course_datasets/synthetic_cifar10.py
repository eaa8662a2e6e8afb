"""Synthetic CIFAR-10 stand-in: a deterministic, generated 10-class dataset in the CIFAR-10 python format.

Used offline (`python datasets/get_datasets.py --synthetic`, or automatically when the
download fails) so that every notebook still runs. The images are 32x32 RGB pictures
of coloured shapes on noisy, randomly coloured backgrounds. Each class is a
combination of a shape and a colour family; classes share colours and shapes in pairs,
objects move, scale and rotate, and some carry a distractor blob, so a linear
classifier on raw pixels lands well above chance but far from 100%, and a two-layer
net does better. Nothing measured on these images says anything about CIFAR-10.

The files match the originals byte-format: Python-2-style protocol-2 pickles (keys and
strings as Python 2 `str`, which Python 3 loads as bytes with encoding='bytes' or as
str with encoding='latin1'), a dict with b'batch_label', b'labels', b'data' (uint8,
N x 3072, channel-major: 1024 red, then green, then blue values, row by row) and
b'filenames'; batches.meta holds b'label_names', b'num_cases_per_batch', b'num_vis'
and, unlike the original, b'synthetic': True. README.txt in the folder starts with the
word SYNTHETIC (tools and loaders rely on that).

    from course_datasets.synthetic_cifar10 import write_synthetic_cifar10   # with datasets/ as working directory
    write_synthetic_cifar10("datasets/cifar-10-batches-py", per_batch=1000)

Needs numpy (the course's .venv has it).
"""

import os
import pickle
import shutil
import struct
import tempfile

import numpy as np

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = 5
DEFAULT_PER_BATCH = 1000
DEFAULT_SEED = 231
README_FIRST_LINE = "SYNTHETIC CIFAR-10 stand-in: generated images, not the real dataset."

# Colour families (RGB in [0, 1]); two classes share each one.
_COLOURS = np.array(
    [
        [0.85, 0.20, 0.15],  # red
        [0.20, 0.65, 0.25],  # green
        [0.20, 0.35, 0.90],  # blue
        [0.95, 0.80, 0.15],  # yellow
        [0.70, 0.30, 0.80],  # purple
    ]
)
# Shapes; two classes share each one (with different colours).
_SHAPES = ["disk", "square", "triangle", "cross", "hbar"]
# class -> (shape index, colour index): every shape and every colour appears twice.
_CLASS_STYLE = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (0, 2), (1, 3), (2, 4), (3, 0), (4, 1)]
# Half the classes carry a texture (stripes across the object), the other half are flat.
_STRIPED = [False, False, True, False, True, True, False, True, False, True]


class _Py2Pickler(pickle._Pickler):
    """Protocol-2 pickler writing bytes (and ASCII str) as Python 2 `str` opcodes, as the original batches do."""

    def _save_py2_str(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    def _save_ascii_as_py2_str(self, obj):
        try:
            raw = obj.encode("ascii")
        except UnicodeEncodeError:
            return pickle._Pickler.save_str(self, obj)
        self._save_py2_str(raw)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = _save_py2_str
    dispatch[str] = _save_ascii_as_py2_str


def _dump(obj, path):
    with open(path, "wb") as f:
        _Py2Pickler(f, protocol=2).dump(obj)


def _shape_masks(shape, u, v, r):
    """Boolean object masks for one shape type.

    Inputs:
    - shape: name from _SHAPES
    - u, v: arrays of shape (M, 32, 32), pixel coordinates relative to each object's
      centre in the object's rotated frame
    - r: array of shape (M, 1, 1), object radius in pixels
    Returns a boolean array of shape (M, 32, 32).
    """
    if shape == "disk":
        return u**2 + v**2 < r**2
    if shape == "square":
        return np.maximum(np.abs(u), np.abs(v)) < 0.8 * r
    if shape == "triangle":
        # apex at the top (v = -r), base at the bottom (v = 0.7 r)
        t = (v + r) / (1.7 * r)
        return (t > 0) & (t < 1) & (np.abs(u) < 0.9 * r * t)
    if shape == "cross":
        arm = 0.3 * r
        return ((np.abs(u) < arm) & (np.abs(v) < r)) | ((np.abs(v) < arm) & (np.abs(u) < r))
    if shape == "hbar":
        return (u / (1.3 * r)) ** 2 + (v / (0.45 * r)) ** 2 < 1
    raise ValueError(f"unknown shape {shape!r}")


def generate_images(labels, rng):
    """Draw one image per label.

    Inputs:
    - labels: int array of shape (N,), values in 0..9
    - rng: numpy Generator (all randomness comes from it)
    Returns uint8 array of shape (N, 32, 32, 3).
    """
    labels = np.asarray(labels)
    N = labels.shape[0]
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)  # (32, 32) each

    # Background: a random colour with a random linear gradient, then noise below.
    bg = rng.uniform(0.1, 0.9, size=(N, 1, 1, 3)).astype(np.float32)
    grad_dir = rng.uniform(-1, 1, size=(N, 1, 1, 2)).astype(np.float32) / 32.0
    ramp = (grad_dir[..., 0] * (xx - 16) + grad_dir[..., 1] * (yy - 16))[..., None]  # (N, 32, 32, 1)
    img = np.clip(bg + 0.6 * ramp, 0, 1) * np.ones((N, 32, 32, 3), dtype=np.float32)

    # Object geometry per image.
    cx = 16 + rng.uniform(-6, 6, size=(N, 1, 1)).astype(np.float32)
    cy = 16 + rng.uniform(-6, 6, size=(N, 1, 1)).astype(np.float32)
    r = rng.uniform(6.0, 11.0, size=(N, 1, 1)).astype(np.float32)
    ang = rng.uniform(-0.5, 0.5, size=(N, 1, 1)).astype(np.float32)
    dx, dy = xx - cx, yy - cy  # (N, 32, 32)
    u = np.cos(ang) * dx + np.sin(ang) * dy
    v = -np.sin(ang) * dx + np.cos(ang) * dy

    shape_idx = np.array([_CLASS_STYLE[c][0] for c in range(10)])[labels]
    colour_idx = np.array([_CLASS_STYLE[c][1] for c in range(10)])[labels]
    striped = np.array(_STRIPED)[labels]

    mask = np.zeros((N, 32, 32), dtype=bool)
    for s, name in enumerate(_SHAPES):
        idx = np.nonzero(shape_idx == s)[0]
        if idx.size:
            mask[idx] = _shape_masks(name, u[idx], v[idx], r[idx])

    # Foreground colour: the class's colour family, jittered, and a random brightness.
    fg = _COLOURS[colour_idx][:, None, None, :].astype(np.float32)  # (N, 1, 1, 3)
    fg = fg + rng.normal(0, 0.12, size=(N, 1, 1, 3)).astype(np.float32)
    fg = fg * rng.uniform(0.6, 1.1, size=(N, 1, 1, 1)).astype(np.float32)
    freq = rng.uniform(0.9, 1.4, size=(N, 1, 1)).astype(np.float32)
    stripes = np.where(striped[:, None, None], 0.65 + 0.35 * np.sign(np.sin(freq * (u + v))), 1.0)
    fg_img = np.clip(fg * stripes[..., None], 0, 1)  # (N, 32, 32, 3)
    img = np.where(mask[..., None], fg_img, img)

    # A distractor blob of a random colour on 40% of the images.
    has_blob = rng.uniform(size=N) < 0.4
    bx = rng.uniform(2, 30, size=(N, 1, 1)).astype(np.float32)
    by = rng.uniform(2, 30, size=(N, 1, 1)).astype(np.float32)
    br = rng.uniform(2.5, 5.0, size=(N, 1, 1)).astype(np.float32)
    blob = ((xx - bx) ** 2 + (yy - by) ** 2 < br**2) & has_blob[:, None, None]
    blob_col = rng.uniform(0, 1, size=(N, 1, 1, 3)).astype(np.float32)
    img = np.where(blob[..., None], blob_col, img)

    # Pixel noise and a global contrast change.
    img = img + rng.normal(0, 0.10, size=img.shape).astype(np.float32)
    contrast = rng.uniform(0.7, 1.2, size=(N, 1, 1, 1)).astype(np.float32)
    img = (img - 0.5) * contrast + 0.5
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def make_batch(n, seed, batch_label):
    """One CIFAR-10 batch dict with n images, balanced labels in shuffled order.

    Inputs:
    - n: number of images
    - seed: int; the batch is a pure function of (n, seed)
    - batch_label: bytes, e.g. b'training batch 1 of 5'
    Returns the dict the original files hold (bytes keys).
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    images = generate_images(labels, rng)  # (n, 32, 32, 3)
    data = images.transpose(0, 3, 1, 2).reshape(n, 3072)  # channel-major rows
    data = np.ascontiguousarray(data, dtype=np.uint8)
    tag = batch_label.split()[0].decode("ascii")  # 'training' / 'testing'
    filenames = [f"synthetic_{CLASSES[c]}_{tag}_{seed:d}_{i:05d}.png".encode("ascii") for i, c in enumerate(labels)]
    return {b"batch_label": batch_label, b"labels": [int(c) for c in labels], b"data": data, b"filenames": filenames}


def _readme(per_batch, seed):
    return (
        f"{README_FIRST_LINE}\n\n"
        "This folder was written by datasets/get_datasets.py --synthetic (or by its offline\n"
        "fallback). It has the exact file format of CIFAR-10's python version\n"
        f"(data_batch_1..5, test_batch, batches.meta) but holds {per_batch} generated images\n"
        f"per batch ({TRAIN_BATCHES * per_batch} training, {per_batch} test; seed {seed}): coloured\n"
        "shapes on noisy backgrounds, one shape/colour combination per class.\n\n"
        "Everything runs on it, but accuracies measured on it say nothing about CIFAR-10.\n"
        "To get the real dataset once online, delete this folder and run\n"
        "    python datasets/get_datasets.py\n"
        "or put cifar-10-python.tar.gz next to it and run that command again.\n"
    )


def write_synthetic_cifar10(dest, per_batch=DEFAULT_PER_BATCH, seed=DEFAULT_SEED):
    """Write the synthetic CIFAR-10 folder at `dest` atomically.

    Files are written into a temporary folder beside `dest`, then renamed into place,
    so an interrupted run leaves no half dataset. `dest` must not exist.

    Inputs:
    - dest: path of the folder to create, normally <data root>/cifar-10-batches-py
    - per_batch: images per batch (5 training batches + 1 test batch)
    - seed: base seed; the output is a pure function of (per_batch, seed)
    Returns dest.
    """
    if per_batch < 10:
        raise ValueError(f"per_batch must be at least 10 (one image per class), got {per_batch}")
    dest = os.path.abspath(dest)
    if os.path.exists(dest):
        raise FileExistsError(f"{dest} already exists; remove it first")
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-synthetic-", dir=parent)
    try:
        for b in range(1, TRAIN_BATCHES + 1):
            batch = make_batch(per_batch, seed * 1000 + b, f"training batch {b} of {TRAIN_BATCHES}".encode())
            _dump(batch, os.path.join(tmp, f"data_batch_{b}"))
        _dump(make_batch(per_batch, seed * 1000, b"testing batch 1 of 1"), os.path.join(tmp, "test_batch"))
        meta = {
            b"label_names": [c.encode("ascii") for c in CLASSES],
            b"num_cases_per_batch": per_batch,
            b"num_vis": 3072,
            b"synthetic": True,
        }
        _dump(meta, os.path.join(tmp, "batches.meta"))
        with open(os.path.join(tmp, "README.txt"), "w", encoding="utf-8") as f:
            f.write(_readme(per_batch, seed))
        os.chmod(tmp, 0o755)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
