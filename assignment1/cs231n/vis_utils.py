"""Tiling images and weights into one picture (pure numpy; show the result with plt.imshow).

    import matplotlib.pyplot as plt
    from cs231n.vis_utils import visualize_grid

    W1 = net.params['W1'].reshape(32, 32, 3, -1).transpose(3, 0, 1, 2)   # (N, H, W, C)
    plt.imshow(visualize_grid(W1, padding=3).astype('uint8'))

Nothing here draws or changes matplotlib state; every function returns an array.
"""
from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a batch of images into a square grid, each image rescaled on its own to [0, ubound].

    Useful for filters and weights, whose values have no natural range.

    Inputs:
    - Xs: array of shape (N, H, W, C)
    - ubound: the rescaled images span [0, ubound]
    - padding: pixels of zeros between neighbouring images
    Returns grid: float array of shape (G*H + (G-1)*padding, G*W + (G-1)*padding, C),
    G = ceil(sqrt(N)); cells after the last image stay zero.
    """
    Xs = np.asarray(Xs)
    assert Xs.ndim == 4, f"visualize_grid expects (N, H, W, C), got shape {Xs.shape}"
    N, H, W, C = Xs.shape
    G = int(ceil(sqrt(N)))
    grid = np.zeros((G * H + (G - 1) * padding, G * W + (G - 1) * padding, C))
    for n in range(N):
        row, col = divmod(n, G)
        img = Xs[n].astype(np.float64)
        low, high = img.min(), img.max()
        scaled = ubound * (img - low) / (high - low) if high > low else np.zeros_like(img)
        y0, x0 = row * (H + padding), col * (W + padding)
        grid[y0:y0 + H, x0:x0 + W] = scaled
    return grid


def vis_grid(Xs):
    """Tile a batch of images into a square grid without rescaling, 1 pixel apart.

    Inputs:
    - Xs: array of shape (N, H, W, C)
    Returns grid of shape (G*(H+1)+1, G*(W+1)+1, C), G = ceil(sqrt(N)), rescaled as a
    whole to [0, 1] (so images keep their relative brightness); gaps are zero.
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    assert Xs.ndim == 4, f"vis_grid expects (N, H, W, C), got shape {Xs.shape}"
    N, H, W, C = Xs.shape
    G = int(ceil(sqrt(N)))
    grid = np.zeros((G * (H + 1) + 1, G * (W + 1) + 1, C))
    for n in range(N):
        row, col = divmod(n, G)
        y0, x0 = row * (H + 1) + 1, col * (W + 1) + 1
        grid[y0:y0 + H, x0:x0 + W] = Xs[n]
    low, high = grid.min(), grid.max()
    return (grid - low) / (high - low) if high > low else grid


def vis_nn(rows):
    """Tile a 2-D list of images (rows of equal length) into one picture, 1 pixel apart.

    Inputs:
    - rows: list of R lists, each of D arrays of shape (H, W, C)
    Returns grid of shape (R*(H+1)+1, D*(W+1)+1, C), rescaled as a whole to [0, 1].
    """
    R, D = len(rows), len(rows[0])
    assert all(len(r) == D for r in rows), "vis_nn: every row needs the same number of images"
    H, W, C = np.asarray(rows[0][0]).shape
    grid = np.zeros((R * (H + 1) + 1, D * (W + 1) + 1, C))
    for i, r in enumerate(rows):
        for j, img in enumerate(r):
            y0, x0 = i * (H + 1) + 1, j * (W + 1) + 1
            grid[y0:y0 + H, x0:x0 + W] = np.asarray(img, dtype=np.float64)
    low, high = grid.min(), grid.max()
    return (grid - low) / (high - low) if high > low else grid


def image_grid_by_class(X, y, classes, samples_per_class=7, seed=0):
    """Pick a few images of each class and tile them, one column per class (as the kNN notebook shows).

    Inputs:
    - X: uint8 or float array of shape (N, H, W, C), values 0..255
    - y: int array of shape (N,)
    - classes: list of class names (its length is the number of columns)
    - samples_per_class: images per column
    - seed: seed of the random choice
    Returns grid: uint8 array of shape (S*(H+1)+1, K*(W+1)+1, C), K = len(classes), S =
    samples_per_class (columns of classes with fewer images stay partly empty).
    """
    X, y = np.asarray(X), np.asarray(y)
    N, H, W, C = X.shape
    K, S = len(classes), samples_per_class
    rng = np.random.default_rng(seed)
    grid = np.zeros((S * (H + 1) + 1, K * (W + 1) + 1, C), dtype=np.uint8)
    for k in range(K):
        idx = np.flatnonzero(y == k)
        chosen = rng.choice(idx, min(S, idx.size), replace=False) if idx.size else []
        for s, i in enumerate(chosen):
            y0, x0 = s * (H + 1) + 1, k * (W + 1) + 1
            grid[y0:y0 + H, x0:x0 + W] = np.clip(X[i], 0, 255).astype(np.uint8)
    return grid
