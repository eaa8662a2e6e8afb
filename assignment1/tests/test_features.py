"""Tests of the given feature code on hand-made images with known answers (HOG of an edge, hue histograms of pure colours).

The feature functions are given code, so these tests pass on the stub release too and carry no points (GRADED = False).
"""

import numpy as np
import pytest

from cs231n.features import color_histogram_hsv, extract_features, hog_feature

GRADED = False
pytestmark = pytest.mark.points(0)


def test_hog_vertical_edge():
    im = np.zeros((32, 32, 3))
    im[:, 16:, :] = 255  # dark left half, bright right half: a vertical edge between columns 15 and 16
    feat = hog_feature(im)
    assert feat.shape == (4 * 4 * 9,)
    hist = feat.reshape(4, 4, 9)  # cell row, cell column, orientation bin
    expected = np.zeros((4, 4, 9))
    # the x-gradient 255 sits in column 15 (cell column 1), 8 rows per cell, averaged over 64 pixels
    expected[:, 1, 0] = 255.0 * 8 / 64
    assert np.allclose(hist, expected, atol=1e-9)


def test_hog_horizontal_edge_goes_to_the_90_degree_bin():
    im = np.zeros((16, 24))
    im[8:, :] = 100.0  # grayscale input, horizontal edge between rows 7 and 8
    hist = hog_feature(im).reshape(2, 3, 9)
    expected = np.zeros((2, 3, 9))
    expected[0, :, 4] = 100.0 * 8 / 64  # 90 degrees lies in bin 4 of 9 (80..100)
    assert np.allclose(hist, expected, atol=1e-9)


def test_hog_flat_image_is_zero():
    assert np.all(hog_feature(np.full((32, 32, 3), 77.0)) == 0)


@pytest.mark.parametrize("channel, bin_", [(0, 0), (1, 3), (2, 6)])
def test_colour_histogram_of_pure_colours(channel, bin_):
    im = np.zeros((10, 12, 3))
    im[..., channel] = 255
    hist = color_histogram_hsv(im, nbin=10)
    expected = np.zeros(10)
    expected[bin_] = 1.0
    assert np.allclose(hist, expected)
    counts = color_histogram_hsv(im, nbin=10, normalized=False)
    assert counts[bin_] == 120 and counts.sum() == 120


def test_colour_histogram_half_red_half_blue():
    im = np.zeros((4, 4, 3))
    im[:2, :, 0] = 200
    im[2:, :, 2] = 50
    hist = color_histogram_hsv(im, nbin=6)
    assert np.allclose(hist, [0.5, 0, 0, 0, 0.5, 0])  # blue hue 2/3 -> bin 4 of 6


def test_extract_features_stacks_functions_in_order():
    rng = np.random.RandomState(0)
    imgs = rng.randint(0, 256, size=(5, 32, 32, 3)).astype(np.float64)
    feats = extract_features(imgs, [hog_feature, lambda im: color_histogram_hsv(im, nbin=7)])
    assert feats.shape == (5, 144 + 7)
    for i in range(5):
        assert np.allclose(feats[i, :144], hog_feature(imgs[i]))
        assert np.allclose(feats[i, 144:], color_histogram_hsv(imgs[i], nbin=7))
