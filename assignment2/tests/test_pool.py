"""Autograder tests for max_pool_forward_naive / max_pool_backward_naive."""

import numpy as np
import pytest

from conv_reference import reference_pool
from helpers import num_grad, rel_error
from cs231n.layers import max_pool_forward_naive, max_pool_backward_naive


CASES = [
    (2, 3, 4, 4, 2, 2, 2),
    (1, 2, 6, 4, 2, 2, 2),
    (2, 2, 5, 7, 3, 3, 2),
    (1, 3, 7, 5, 3, 2, 1),
    (2, 1, 6, 6, 3, 3, 3),
]


@pytest.mark.points(2)
@pytest.mark.parametrize("N,C,H,W,ph,pw,s", CASES)
def test_max_pool_forward(N, C, H, W, ph, pw, s):
    x = np.random.default_rng(0).standard_normal((N, C, H, W))
    out, _ = max_pool_forward_naive(x, {"pool_height": ph, "pool_width": pw, "stride": s})
    expected = reference_pool(x, ph, pw, s)
    assert out.shape == expected.shape
    assert rel_error(out, expected) < 1e-12


@pytest.mark.points(1)
def test_max_pool_forward_hand_worked():
    x = np.array([[1.0, 2, 5, 0], [3, 4, 1, 1], [0, 0, 9, 8], [7, 0, 8, 9]]).reshape(1, 1, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert np.array_equal(out, [[[[4, 5], [7, 9]]]])


@pytest.mark.points(2)
@pytest.mark.parametrize("N,C,H,W,ph,pw,s", CASES)
def test_max_pool_backward_numeric(N, C, H, W, ph, pw, s):
    rng = np.random.default_rng(1)
    x = rng.permutation(N * C * H * W).reshape(N, C, H, W) / 7.0  # distinct values: no ties
    pp = {"pool_height": ph, "pool_width": pw, "stride": s}
    out, cache = max_pool_forward_naive(x, pp)
    dout = rng.standard_normal(out.shape)
    dx = max_pool_backward_naive(dout, cache)
    assert dx.shape == x.shape
    assert rel_error(dx, num_grad(lambda v: max_pool_forward_naive(v, pp)[0], x, dout, h=1e-6)) < 1e-8


@pytest.mark.points(1)
def test_max_pool_backward_ties_go_to_first_maximum():
    x = np.ones((1, 1, 2, 2))
    out, cache = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = max_pool_backward_naive(np.full((1, 1, 1, 1), 3.0), cache)
    assert np.array_equal(dx, [[[[3.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.points(1)
def test_max_pool_rejects_windows_that_do_not_tile():
    with pytest.raises((AssertionError, ValueError)):
        max_pool_forward_naive(np.zeros((1, 1, 5, 5)), {"pool_height": 2, "pool_width": 2, "stride": 2})


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool_naive_matches_fast_layers(dtype):
    """Your naive layer against the given fast layer, overlapping and tiling windows, both dtypes."""
    from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast

    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 6)).astype(dtype)
    for pp in ({"pool_height": 2, "pool_width": 2, "stride": 2}, {"pool_height": 3, "pool_width": 2, "stride": 1}):
        out, cache = max_pool_forward_naive(x, pp)
        out_f, cache_f = max_pool_forward_fast(x, pp)
        assert np.array_equal(out, out_f)
        dout = rng.standard_normal(out.shape).astype(dtype)
        assert rel_error(max_pool_backward_naive(dout, cache), max_pool_backward_fast(dout, cache_f)) < (
            1e-9 if dtype == np.float64 else 1e-6
        )
