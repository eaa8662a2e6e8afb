"""Tests of the given image-tiling helper (cs231n/vis_utils.py).

Given code, not graded: GRADED = False tells the release validator to skip this module,
and every test is worth 0 points.
"""

import numpy as np
import pytest

from cs231n.vis_utils import visualize_grid

GRADED = False
pytestmark = pytest.mark.points(0)


def test_visualize_grid_layout_and_scaling():
    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((5, 4, 3, 2))
    grid = visualize_grid(Xs, ubound=10.0, padding=2)
    G = 3  # ceil(sqrt(5))
    assert grid.shape == (G * 4 + 2 * (G - 1), G * 3 + 2 * (G - 1), 2)
    cell = grid[6:10, 5:8]  # row 1, col 1 -> image 4
    assert abs(cell.min()) < 1e-12 and abs(cell.max() - 10.0) < 1e-12
    img = Xs[4]
    np.testing.assert_allclose(cell, 10.0 * (img - img.min()) / (img.max() - img.min()))
    assert np.all(grid[4:6] == 0)  # padding rows
    assert np.all(grid[12:, 10:] == 0)  # empty cells after the last image
