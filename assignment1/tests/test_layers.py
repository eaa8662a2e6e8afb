"""Autograder tests for the modular layers: forward against loops, backward against central differences (float64, rel error < 1e-7)."""

import numpy as np
import pytest
from scipy.special import logsumexp

from cs231n.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss, svm_loss
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward

from helpers import num_grad, rel_error


def _away_from_zero(rng, shape, gap=1e-2):
    """Random values with |x| >= gap, so ReLU kinks stay far from the finite-difference steps."""
    x = rng.randn(*shape)
    return np.where(x >= 0, x + gap, x - gap)


@pytest.mark.points(1)
def test_affine_forward():
    rng = np.random.RandomState(0)
    x = rng.randn(3, 2, 4, 5)  # N=3, D = 2*4*5 = 40
    w = rng.randn(40, 6)
    b = rng.randn(6)
    out, _ = affine_forward(x, w, b)
    expected = np.zeros((3, 6))
    for n in range(3):
        flat = [x[n, i, j, k] for i in range(2) for j in range(4) for k in range(5)]
        for m in range(6):
            expected[n, m] = sum(f * w[d, m] for d, f in enumerate(flat)) + b[m]
    assert out.shape == (3, 6)
    assert rel_error(out, expected) < 1e-10


@pytest.mark.points(2)
def test_affine_backward():
    rng = np.random.RandomState(1)
    x = rng.randn(4, 2, 3)
    w = rng.randn(6, 5)
    b = rng.randn(5)
    dout = rng.randn(4, 5)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, num_grad(lambda v: affine_forward(v, w, b)[0], x.copy(), dout)) < 1e-7
    assert rel_error(dw, num_grad(lambda v: affine_forward(x, v, b)[0], w.copy(), dout)) < 1e-7
    assert rel_error(db, num_grad(lambda v: affine_forward(x, w, v)[0], b.copy(), dout)) < 1e-7


@pytest.mark.points(1)
def test_relu_forward():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    expected = np.array([[0.0 if v < 0 else v for v in row] for row in x])
    assert rel_error(out, expected) < 1e-12


@pytest.mark.points(1)
def test_relu_backward():
    rng = np.random.RandomState(2)
    x = _away_from_zero(rng, (5, 6))
    dout = rng.randn(5, 6)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert rel_error(dx, num_grad(lambda v: relu_forward(v)[0], x.copy(), dout)) < 1e-7


@pytest.mark.points(2)
def test_affine_relu_sandwich():
    rng = np.random.RandomState(3)
    x = rng.randn(2, 3, 4)
    w = rng.randn(12, 10)
    b = rng.randn(10)
    assert np.min(np.abs(x.reshape(2, -1).dot(w) + b)) > 1e-2, "test data: keep pre-activations off the kink"
    dout = rng.randn(2, 10)
    out, cache = affine_relu_forward(x, w, b)
    assert rel_error(out, np.maximum(0, x.reshape(2, -1).dot(w) + b)) < 1e-12
    dx, dw, db = affine_relu_backward(dout, cache)
    assert rel_error(dx, num_grad(lambda v: affine_relu_forward(v, w, b)[0], x.copy(), dout)) < 1e-7
    assert rel_error(dw, num_grad(lambda v: affine_relu_forward(x, v, b)[0], w.copy(), dout)) < 1e-7
    assert rel_error(db, num_grad(lambda v: affine_relu_forward(x, w, v)[0], b.copy(), dout)) < 1e-7


def _svm_reference(x, y):
    N, C = x.shape
    return sum(max(0.0, x[i, j] - x[i, y[i]] + 1.0) for i in range(N) for j in range(C) if j != y[i]) / N


@pytest.mark.points(2)
def test_svm_loss():
    rng = np.random.RandomState(4)
    N, C = 20, 6
    x = rng.randn(N, C)
    y = rng.randint(0, C, N)
    margins = x - x[np.arange(N), y][:, None] + 1.0
    margins[np.arange(N), y] = 1.0
    assert np.min(np.abs(margins)) > 1e-3, "test data: keep margins away from the hinge"
    loss, dx = svm_loss(x, y)
    assert abs(loss - _svm_reference(x, y)) < 1e-10
    assert rel_error(dx, num_grad(lambda v: _svm_reference(v, y), x.copy())) < 1e-7


@pytest.mark.points(2)
def test_softmax_loss():
    rng = np.random.RandomState(5)
    N, C = 5, 4
    x = rng.randn(N, C)
    y = rng.randint(0, C, N)
    ref = lambda v: float(np.mean(logsumexp(v, axis=1) - v[np.arange(N), y]))
    loss, dx = softmax_loss(x, y)
    assert abs(loss - ref(x)) < 1e-10
    assert rel_error(dx, num_grad(ref, x.copy(), h=1e-5)) < 1e-7
    # initial loss with tiny scores is ln C, and huge scores stay finite
    assert abs(softmax_loss(1e-6 * x, y)[0] - np.log(C)) < 1e-4
    big_loss, big_dx = softmax_loss(1e4 * x, y)
    assert np.isfinite(big_loss) and np.all(np.isfinite(big_dx))
    assert abs(big_loss - ref(1e4 * x)) < 1e-6 * big_loss
