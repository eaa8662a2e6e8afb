"""Autograder tests for conv_forward_naive / conv_backward_naive (ConvolutionalNetworks.ipynb)."""

import numpy as np
import pytest

from conv_reference import reference_conv
from helpers import num_grad, rel_error
from cs231n.layers import conv_forward_naive, conv_backward_naive


CASES = [
    # (N, C, H, W, F, HH, WW, stride, pad)
    (2, 3, 4, 4, 3, 4, 4, 2, 1),  # the notebook's case
    (2, 3, 5, 5, 2, 3, 3, 1, 1),
    (1, 2, 7, 5, 3, 3, 3, 2, 0),  # non-square input
    (2, 1, 6, 8, 2, 3, 5, 1, 2),  # non-square filter
    (1, 3, 9, 9, 2, 3, 3, 3, 0),  # stride 3
    (3, 2, 4, 6, 4, 1, 1, 1, 0),  # 1x1 filter
]


@pytest.mark.points(3)
@pytest.mark.parametrize("N,C,H,W,F,HH,WW,stride,pad", CASES)
def test_conv_forward_matches_scipy(N, C, H, W, F, HH, WW, stride, pad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    out, _ = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    expected = reference_conv(x, w, b, stride, pad)
    assert out.shape == expected.shape, f"output shape {out.shape}, expected {expected.shape}"
    assert rel_error(out, expected) < 1e-9


@pytest.mark.points(1)
def test_conv_forward_hand_worked():
    # one 3x3 image of 1..9, a 2x2 filter of ones, stride 1, no pad: sums of 2x2 windows
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    out, _ = conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    assert np.allclose(out, [[[[12.5, 16.5], [24.5, 28.5]]]])
    # pad 1, stride 2 with a single centre tap picks every other pixel of the padded image
    w = np.zeros((1, 1, 3, 3))
    w[0, 0, 1, 1] = 1.0
    out, _ = conv_forward_naive(x, w, np.zeros(1), {"stride": 2, "pad": 1})
    assert np.allclose(out, [[[[1, 3], [7, 9]]]])


@pytest.mark.points(1)
def test_conv_forward_does_not_modify_input():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 5, 5))
    x0 = x.copy()
    conv_forward_naive(x, rng.standard_normal((2, 2, 3, 3)), np.zeros(2), {"stride": 1, "pad": 1})
    assert np.array_equal(x, x0)


@pytest.mark.points(1)
@pytest.mark.parametrize("H,W,HH,stride,pad", [(5, 5, 2, 2, 0), (6, 5, 3, 2, 1), (2, 2, 5, 1, 0)])
def test_conv_forward_rejects_shapes_that_do_not_fit(H, W, HH, stride, pad):
    x = np.zeros((1, 1, H, W))
    w = np.zeros((1, 1, HH, HH))
    with pytest.raises((AssertionError, ValueError)):
        conv_forward_naive(x, w, np.zeros(1), {"stride": stride, "pad": pad})


@pytest.mark.points(3)
@pytest.mark.parametrize("N,C,H,W,F,HH,WW,stride,pad", CASES[:4])
def test_conv_backward_numeric(N, C, H, W, F, HH, WW, stride, pad):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    cp = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, num_grad(lambda v: conv_forward_naive(v, w, b, cp)[0], x, dout, h=1.0)) < 1e-8
    assert rel_error(dw, num_grad(lambda v: conv_forward_naive(x, v, b, cp)[0], w, dout, h=1.0)) < 1e-8
    assert rel_error(db, num_grad(lambda v: conv_forward_naive(x, w, v, cp)[0], b, dout, h=1.0)) < 1e-8


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_naive_matches_fast_layers(dtype):
    """Your naive layer against the given fast layer (itself tested against scipy), both dtypes."""
    from cs231n.fast_layers import conv_forward_fast, conv_backward_fast

    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 9)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 5)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    cp = {"stride": 2, "pad": 2}
    out, cache = conv_forward_naive(x, w, b, cp)
    out_f, cache_f = conv_forward_fast(x, w, b, cp)
    tol = 1e-9 if dtype == np.float64 else 1e-4
    assert rel_error(out, out_f) < tol
    dout = rng.standard_normal(out.shape).astype(dtype)
    for g, gf in zip(conv_backward_naive(dout, cache), conv_backward_fast(dout, cache_f)):
        assert rel_error(g, gf) < tol
