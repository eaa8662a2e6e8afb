"""Tests of the GIVEN fast layers (cs231n/fast_layers.py): not graded, they check the kit itself.

The references are independent of student code (scipy cross-correlation, explicit pooling,
central differences), so these pass on the student release too.
"""

import numpy as np
import pytest

from conv_reference import reference_conv, reference_pool
from helpers import num_grad, rel_error
from cs231n.fast_layers import conv_forward_fast, conv_backward_fast, max_pool_forward_fast, max_pool_backward_fast

GRADED = False
pytestmark = pytest.mark.points(0)

CONV_CASES = [
    # (N, C, H, W, F, HH, WW, stride, pad)
    (2, 3, 11, 11, 4, 3, 3, 2, 1),
    (2, 3, 8, 8, 3, 7, 7, 1, 3),
    (1, 2, 7, 9, 3, 3, 5, 2, 2),
    (2, 4, 6, 6, 3, 1, 1, 1, 0),
    (1, 2, 9, 9, 2, 3, 3, 3, 0),
    (1, 1, 5, 5, 2, 5, 5, 1, 0),
    (2, 2, 4, 4, 2, 2, 2, 2, 0),
    (2, 3, 7, 7, 4, 1, 1, 2, 0),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("N,C,H,W,F,HH,WW,stride,pad", CONV_CASES)
def test_conv_fast_forward_and_backward(N, C, H, W, F, HH, WW, stride, pad, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    cp = {"stride": stride, "pad": pad}
    out, cache = conv_forward_fast(x, w, b, cp)
    assert out.dtype == dtype, f"output dtype {out.dtype}, expected {dtype}"
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert rel_error(out, reference_conv(x, w, b, stride, pad)) < tol
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = conv_backward_fast(dout, cache)
    assert dx.dtype == dw.dtype == db.dtype == dtype
    # gradients of sum(out * dout) computed in float64 by central differences
    x64, w64, b64, d64 = (a.astype(np.float64) for a in (x, w, b, dout))
    f = lambda xx, ww, bb: reference_conv(xx, ww, bb, stride, pad)
    tol = 1e-7 if dtype == np.float64 else 1e-3
    assert rel_error(dx, num_grad(lambda v: f(v, w64, b64), x64, d64, h=1.0)) < tol
    assert rel_error(dw, num_grad(lambda v: f(x64, v, b64), w64, d64, h=1.0)) < tol
    assert rel_error(db, num_grad(lambda v: f(x64, w64, v), b64, d64, h=1.0)) < tol


def test_conv_fast_backward_without_dx():
    """need_dx=False (a network's first layer) returns dx None and the same dw, db."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 3, 10, 10))
    w = rng.standard_normal((4, 3, 5, 5))
    b = rng.standard_normal(4)
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 2})
    dout = rng.standard_normal(out.shape)
    _, dw, db = conv_backward_fast(dout, cache)
    dx0, dw0, db0 = conv_backward_fast(dout, cache, need_dx=False)
    assert dx0 is None and np.array_equal(dw, dw0) and np.array_equal(db, db0)


@pytest.mark.parametrize("stride,pad,k", [(1, 1, 3), (2, 1, 3), (1, 3, 7), (2, 0, 1)])
def test_conv_fast_blocks_of_images(monkeypatch, stride, pad, k):
    """Images taken in several blocks (the last one partial) give the same result as one block."""
    import cs231n.fast_layers as fl

    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 3, 9, 9))
    w = rng.standard_normal((4, 3, k, k))
    b = rng.standard_normal(4)
    cp = {"stride": stride, "pad": pad}
    out1, cache1 = conv_forward_fast(x, w, b, cp)
    dout = rng.standard_normal(out1.shape)
    grads1 = conv_backward_fast(dout, cache1)
    monkeypatch.setattr(fl, "_WHOLE_BATCH_BYTES", 0)
    monkeypatch.setattr(fl, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(fl, "_MIN_GEMM_COLS", 2 * out1.shape[2] * out1.shape[3])  # blocks of 2 images
    assert fl._block_images(7, 3 * k * k, out1.shape[2] * out1.shape[3], 8) == 2
    out2, cache2 = conv_forward_fast(x, w, b, cp)
    grads2 = conv_backward_fast(dout, cache2)
    assert rel_error(out1, out2) < 1e-12
    assert rel_error(out2, reference_conv(x, w, b, stride, pad)) < 1e-10
    for g1, g2 in zip(grads1, grads2):
        assert rel_error(g1, g2) < 1e-12
    _, dw3, db3 = conv_backward_fast(dout, cache2, need_dx=False)
    assert rel_error(dw3, grads1[1]) < 1e-12 and rel_error(db3, grads1[2]) < 1e-12


@pytest.mark.parametrize("as_conv", [0, 100])
@pytest.mark.parametrize(
    "C,F,HH,WW,pad", [(3, 4, 3, 3, 1), (2, 5, 3, 5, 2), (4, 3, 5, 3, 0), (3, 3, 7, 7, 3), (2, 2, 3, 3, 2)]
)
def test_conv_fast_stride1_dx_as_convolution_or_col2im(monkeypatch, as_conv, C, F, HH, WW, pad):
    """A stride-1 dx computed as a convolution of the padded dout with the flipped filters equals col2im's."""
    import cs231n.fast_layers as fl

    monkeypatch.setattr(fl, "_DX_AS_CONV_MAX_F_OVER_C", as_conv)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, C, 7, 8))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": pad})
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    dx_num = num_grad(lambda v: reference_conv(v, w, b, 1, pad), x, dout, h=1.0)  # linear: exact
    dw_num = num_grad(lambda v: reference_conv(x, v, b, 1, pad), w, dout, h=1.0)
    assert rel_error(dx, dx_num) < 1e-10 and rel_error(dw, dw_num) < 1e-10
    assert rel_error(db, dout.sum(axis=(0, 2, 3))) < 1e-12


def test_conv_fast_repeated_calls_do_not_share_memory():
    """The workspace must never hand out an array that a cache or a caller still holds."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3, 3, 3))
    b = np.zeros(4)
    cp = {"stride": 1, "pad": 1}
    xs = [rng.standard_normal((8, 3, 32, 32)) for _ in range(3)]
    results = [conv_forward_fast(x, w, b, cp) for x in xs]
    for x, (out, cache) in zip(xs, results):
        assert rel_error(out, reference_conv(x, w, b, 1, 1)) < 1e-10
    douts = [rng.standard_normal(r[0].shape) for r in results]
    grads = [conv_backward_fast(d, r[1]) for d, r in zip(douts, results)]
    for x, d, (dx, dw, db) in zip(xs, douts, grads):
        _, cache = conv_forward_fast(x, w, b, cp)
        dx2, dw2, _ = conv_backward_fast(d, cache)
        assert np.array_equal(dx, dx2) and np.array_equal(dw, dw2)


def test_conv_fast_rejects_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match="height does not fit"):
        conv_forward_fast(np.zeros((1, 1, 5, 6)), np.zeros((1, 1, 2, 2)), np.zeros(1), {"stride": 2, "pad": 0})


POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),
    (2, 2, 7, 5, 3, 3, 2),
    (1, 3, 6, 7, 3, 2, 1),
    (2, 2, 6, 6, 3, 3, 3),
    (1, 1, 5, 5, 1, 1, 2),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("N,C,H,W,ph,pw,s", POOL_CASES)
def test_max_pool_fast(N, C, H, W, ph, pw, s, dtype):
    rng = np.random.default_rng(2)
    x = (rng.permutation(N * C * H * W).reshape(N, C, H, W) / 7.0).astype(dtype)
    pp = {"pool_height": ph, "pool_width": pw, "stride": s}
    out, cache = max_pool_forward_fast(x, pp)
    assert out.dtype == dtype
    assert np.array_equal(out, reference_pool(x, ph, pw, s))
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = max_pool_backward_fast(dout, cache)
    assert dx.dtype == dtype and dx.shape == x.shape
    x64 = x.astype(np.float64)
    expected = num_grad(lambda v: reference_pool(v, ph, pw, s), x64, dout.astype(np.float64))
    assert rel_error(dx, expected) < (1e-8 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize(
    "pp", [{"pool_height": 2, "pool_width": 2, "stride": 2}, {"pool_height": 3, "pool_width": 3, "stride": 2}]
)
def test_max_pool_fast_ties_go_to_first_maximum(pp):
    x = np.zeros((1, 1, 5 if pp["stride"] != pp["pool_height"] else 4, 5 if pp["stride"] != pp["pool_height"] else 4))
    out, cache = max_pool_forward_fast(x, pp)
    dx = max_pool_backward_fast(np.ones_like(out), cache)
    s = pp["stride"]
    expected = np.zeros_like(x)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            expected[0, 0, i * s, j * s] += 1
    assert np.array_equal(dx, expected)
