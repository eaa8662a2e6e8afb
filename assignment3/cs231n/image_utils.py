"""Images for the visualisation notebooks that work offline: scikit-image's bundled photographs and CIFAR-10 test images."""

import os

import numpy as np

from .data_utils import cifar10_dir, load_CIFAR_batch

# photographs that ship inside scikit-image (no download): name -> what it shows
PHOTOS = {
    "chelsea": "a cat",
    "coffee": "a cup of coffee",
    "astronaut": "an astronaut",
    "rocket": "a rocket on its launch pad",
    "hubble_deep_field": "the Hubble deep field (a style image)",
    "immunohistochemistry": "stained tissue under a microscope (a style image)",
}


def load_photo(name):
    """One of scikit-image's bundled photographs as a uint8 array (H, W, 3).

    Raises ImportError with the fix when scikit-image is missing, and ValueError for an unknown name.
    """
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {sorted(PHOTOS)}")
    try:
        from skimage import data
    except ImportError:
        raise ImportError(
            "these notebooks need scikit-image for their photographs: pip install -r requirements.txt"
        ) from None
    img = np.asarray(getattr(data, name)())
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)  # (H, W) -> (H, W, 3)
    return img[:, :, :3]


def cifar10_test_images(num=10, per_class=True, seed=0):
    """CIFAR-10 test images (uint8 (N, 32, 32, 3)) and labels (N,), from the dataset folder.

    per_class=True gives num images cycling through the classes 0, 1, ..., 9, 0, ...
    (each the first not yet taken of its class in file order); otherwise a seeded random choice.
    """
    X, y = load_CIFAR_batch(os.path.join(cifar10_dir(), "test_batch"))  # (10000, 32, 32, 3) float64
    if per_class:
        by_class = [np.flatnonzero(y == c) for c in range(10)]
        if min(len(b) for b in by_class) < (num + 9) // 10:
            raise ValueError(f"the test batch holds too few images of some class for num={num}")
        idx = np.array([by_class[i % 10][i // 10] for i in range(num)], dtype=np.int64)
    else:
        idx = np.random.default_rng(seed).choice(len(y), size=num, replace=False)
    return X[idx].astype(np.uint8), y[idx]
