"""Tests of the given image-tiling helpers (cs231n/vis_utils.py).

Given code, not graded: GRADED = False tells the release validator to skip this module,
and every test is worth 0 points.
"""
import numpy as np
import pytest

from cs231n.vis_utils import image_grid_by_class, vis_grid, vis_nn, visualize_grid

GRADED = False
pytestmark = pytest.mark.points(0)


def test_visualize_grid_layout_and_scaling():
    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((5, 4, 3, 2))
    grid = visualize_grid(Xs, ubound=10.0, padding=2)
    G = 3                                                   # ceil(sqrt(5))
    assert grid.shape == (G * 4 + 2 * (G - 1), G * 3 + 2 * (G - 1), 2)
    cell = grid[6:10, 5:8]                                  # row 1, col 1 -> image 4
    assert abs(cell.min()) < 1e-12 and abs(cell.max() - 10.0) < 1e-12
    img = Xs[4]
    np.testing.assert_allclose(cell, 10.0 * (img - img.min()) / (img.max() - img.min()))
    assert np.all(grid[4:6] == 0)                           # padding rows
    assert np.all(grid[12:, 10:] == 0)                      # empty cells after the last image


def test_vis_grid_and_vis_nn_shapes_and_range():
    Xs = np.arange(4 * 2 * 2 * 3, dtype=float).reshape(4, 2, 2, 3)
    g = vis_grid(Xs)
    assert g.shape == (2 * 3 + 1, 2 * 3 + 1, 3) and g.min() == 0.0 and g.max() == 1.0
    rows = [[Xs[0], Xs[1], Xs[2]], [Xs[3], Xs[0], Xs[1]]]
    n = vis_nn(rows)
    assert n.shape == (2 * 3 + 1, 3 * 3 + 1, 3) and n.max() == 1.0


def test_image_grid_by_class():
    X = np.zeros((30, 4, 4, 3), dtype=np.uint8)
    y = np.arange(30) % 3
    X[:, :, :, 0] = (y * 100)[:, None, None]
    g = image_grid_by_class(X, y, ["a", "b", "c"], samples_per_class=4)
    assert g.shape == (4 * 5 + 1, 3 * 5 + 1, 3) and g.dtype == np.uint8
    assert np.all(g[1:5, 11:15, 0] == 200)                  # column of class 2
