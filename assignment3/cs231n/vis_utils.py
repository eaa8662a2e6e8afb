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
        grid[y0 : y0 + H, x0 : x0 + W] = scaled
    return grid
