"""Synthetic MNIST stand-in: scikit-learn's bundled 8x8 handwritten digits, upsampled and augmented to 28x28, in MNIST's idx files.

    write_synthetic_mnist(dest, num_train=60000, num_test=10000, seed=0)

The source is real handwriting that ships inside scikit-learn (`sklearn.datasets.load_digits`:
1,797 digits of 8x8 pixels, 17 grey levels, from the UCI "Optical Recognition of Handwritten
Digits" set). Each digit is upsampled to 20x20 (cubic spline), centred by its centre of mass
in a 28x28 frame as MNIST's digits are, and every generated image is a random affine warp of
one of them (rotation, scale, shear, shift), with a random stroke weight and a light blur.
Training images come from the first 1,437 source digits, test images from the other 360, so
the test set is written by held-out handwriting, as MNIST's is.

The four files have exactly MNIST's format (idx3-ubyte images, idx1-ubyte labels, gzipped,
the real names), so the loaders work unchanged; README.txt starts with SYNTHETIC (layout.py).
Deterministic: the same seed writes the same bytes. About 10 s for the default sizes.
"""

import gzip
import os

import numpy as np

README_FIRST_LINE = "SYNTHETIC MNIST stand-in: augmented scikit-learn digits, not the real dataset."
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
DEFAULT_TRAIN, DEFAULT_TEST = 60000, 10000
SOURCE_TRAIN = 1437  # source digits 0..1436 make training images; 1437..1796 test images


def _source_digits():
    """The 1,797 sklearn digits as float32 (N, 28, 28) in [0, 1], centred like MNIST, and their labels."""
    from scipy import ndimage
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = d.images.astype(np.float32) / 16.0  # (N, 8, 8)
    labels = d.target.astype(np.uint8)
    out = np.zeros((len(imgs), 28, 28), np.float32)
    for i, im in enumerate(imgs):
        big = np.clip(ndimage.zoom(im, 2.5, order=3), 0, 1)  # (20, 20)
        frame = np.zeros((28, 28), np.float32)
        frame[4:24, 4:24] = big
        cy, cx = ndimage.center_of_mass(frame)
        out[i] = ndimage.shift(frame, (13.5 - cy, 13.5 - cx), order=1)
    return np.clip(out, 0, 1), labels


def _warp(src, rng):
    """Random affine warps of src (n, 28, 28) with bilinear sampling; returns (n, 28, 28) float32."""
    n = len(src)
    ang = rng.uniform(-0.26, 0.26, n)  # about +-15 degrees
    scale = rng.uniform(0.85, 1.12, n)
    aspect = rng.uniform(0.85, 1.15, n)
    shear = rng.uniform(-0.3, 0.3, n)
    shift = rng.uniform(-1.5, 1.5, (n, 2))
    # inverse map: output pixel (y, x) -> source coordinates, about the centre 13.5
    c, s = np.cos(ang), np.sin(ang)
    a11, a12 = c / scale, (-s + shear * c) / scale
    a21, a22 = s / (scale * aspect), (c + shear * s) / (scale * aspect)
    yy, xx = np.meshgrid(np.arange(28) - 13.5, np.arange(28) - 13.5, indexing="ij")
    ys = a21[:, None, None] * xx + a22[:, None, None] * yy + 13.5 - shift[:, 0, None, None]
    xs = a11[:, None, None] * xx + a12[:, None, None] * yy + 13.5 - shift[:, 1, None, None]
    y0, x0 = np.floor(ys).astype(np.int64), np.floor(xs).astype(np.int64)
    wy, wx = ys - y0, xs - x0
    padded = np.pad(src, ((0, 0), (1, 1), (1, 1)))  # out-of-frame reads are 0
    idx = np.arange(n)[:, None, None]

    def at(yi, xi):
        return padded[idx, np.clip(yi + 1, 0, 29), np.clip(xi + 1, 0, 29)]

    out = (
        at(y0, x0) * (1 - wy) * (1 - wx)
        + at(y0, x0 + 1) * (1 - wy) * wx
        + at(y0 + 1, x0) * wy * (1 - wx)
        + at(y0 + 1, x0 + 1) * wy * wx
    )
    return out.astype(np.float32)


def _stroke(imgs, rng):
    """Random stroke weight (gamma, then a contrast stretch) and a light 3x3 blur; (n, 28, 28) in [0, 1]."""
    n = len(imgs)
    gamma = rng.uniform(0.5, 1.3, n)[:, None, None]
    x = np.clip(imgs, 0, 1) ** gamma
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    blur = (4 * x + p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:]) / 8.0
    x = np.where(rng.uniform(size=(n, 1, 1)) < 0.5, blur, x)
    peak = np.maximum(x.reshape(n, -1).max(1), 1e-3)[:, None, None]
    x = np.clip(x / peak * rng.uniform(1.0, 1.4, (n, 1, 1)), 0, 1)
    x[x < 0.12] = 0  # MNIST's background is exactly 0
    return x


def generate(num, src, src_labels, rng, chunk=5000):
    """num images (uint8, (num, 28, 28)) and labels, balanced over the ten digits."""
    labels = np.tile(np.arange(10, dtype=np.uint8), num // 10 + 1)[:num]
    rng.shuffle(labels)
    pick = np.empty(num, np.int64)
    for k in range(10):
        where = np.flatnonzero(labels == k)
        pool = np.flatnonzero(src_labels == k)
        pick[where] = rng.choice(pool, size=len(where))
    images = np.empty((num, 28, 28), np.uint8)
    for a in range(0, num, chunk):
        b = min(num, a + chunk)
        x = _stroke(_warp(src[pick[a:b]], rng), rng)
        images[a:b] = np.round(x * 255).astype(np.uint8)
    return images, labels


def idx_bytes(array):
    """The idx encoding of a uint8 array: magic (0, 0, 0x08, ndim), big-endian sizes, the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx_gz(path, array):
    # mtime=0: the same array always gives the same bytes
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(idx_bytes(array))


def write_synthetic_mnist(dest, num_train=DEFAULT_TRAIN, num_test=DEFAULT_TEST, seed=0):
    """Write the four idx files and README.txt into the folder `dest` (created). Returns dest."""
    os.makedirs(dest, exist_ok=True)
    src, src_labels = _source_digits()
    rng = np.random.default_rng(seed)
    tr_x, tr_y = generate(num_train, src[:SOURCE_TRAIN], src_labels[:SOURCE_TRAIN], rng)
    te_x, te_y = generate(num_test, src[SOURCE_TRAIN:], src_labels[SOURCE_TRAIN:], rng)
    for key, arr in (("train_images", tr_x), ("train_labels", tr_y), ("test_images", te_x), ("test_labels", te_y)):
        write_idx_gz(os.path.join(dest, FILES[key]), arr)
    with open(os.path.join(dest, "README.txt"), "w", encoding="utf-8") as f:
        f.write(
            f"{README_FIRST_LINE}\n\n"
            f"Written by datasets/course_datasets/synthetic_mnist.py (seed {seed}): {num_train} training and\n"
            f"{num_test} test images of 28x28, made by random affine warps and stroke changes of\n"
            "scikit-learn's bundled 8x8 handwritten digits (UCI optical digits), upsampled.\n"
            "Training images come from 1,437 source digits, test images from the other 360.\n"
            "Numbers measured on it are NOT MNIST's. Get the real data with\n"
            "    python datasets/get_datasets.py mnist --force\n"
        )
    return dest


def synthetic_sizes(folder):
    """(num_train, num_test) from the idx headers of the image files in `folder`, or None."""
    sizes = []
    for key in ("train_images", "test_images"):
        try:
            with gzip.open(os.path.join(folder, FILES[key]), "rb") as f:
                head = f.read(8)
        except OSError:
            return None
        if len(head) < 8:
            return None
        sizes.append(int.from_bytes(head[4:8], "big"))
    return tuple(sizes)
