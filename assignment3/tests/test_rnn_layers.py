"""Autograder tests for the vanilla RNN, word embedding, temporal affine and temporal softmax loss layers.

References are written here: forward passes as plain formulas and loops, backward passes
against central differences (float64), the loss against scipy's logsumexp.
"""

import numpy as np
import pytest
from scipy.special import logsumexp

from cs231n.rnn_layers import (
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)

from helpers import num_grad


def scaled_error(a, b):
    """max |a - b| over the largest entry (robust to individual near-zero gradient entries)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a) + np.abs(b))))


def _rnn_params(rng, N=3, D=4, H=5):
    return (rng.randn(N, D), rng.randn(N, H), 0.4 * rng.randn(D, H), 0.4 * rng.randn(H, H), 0.1 * rng.randn(H))


@pytest.mark.points(1)
def test_rnn_step_forward_formula():
    rng = np.random.RandomState(0)
    x, h, Wx, Wh, b = _rnn_params(rng)
    next_h, _ = rnn_step_forward(x, h, Wx, Wh, b)
    expected = np.zeros((3, 5))
    for n in range(3):
        for j in range(5):
            a = sum(x[n, d] * Wx[d, j] for d in range(4)) + sum(h[n, k] * Wh[k, j] for k in range(5)) + b[j]
            expected[n, j] = np.tanh(a)
    assert next_h.shape == (3, 5)
    assert scaled_error(next_h, expected) < 1e-12


@pytest.mark.points(2)
def test_rnn_step_backward_numeric():
    rng = np.random.RandomState(1)
    x, h, Wx, Wh, b = _rnn_params(rng)
    dnext = rng.randn(3, 5)
    _, cache = rnn_step_forward(x, h, Wx, Wh, b)
    grads = rnn_step_backward(dnext, cache)
    inputs = [x, h, Wx, Wh, b]
    for k, name in enumerate(["dx", "dprev_h", "dWx", "dWh", "db"]):

        def f(_, k=k):
            return rnn_step_forward(*inputs)[0]

        expected = num_grad(f, inputs[k], dnext)
        assert grads[k].shape == inputs[k].shape, f"{name} has shape {grads[k].shape}, expected {inputs[k].shape}"
        assert scaled_error(grads[k], expected) < 1e-7, f"{name} differs from central differences"


@pytest.mark.points(1)
def test_rnn_forward_equals_loop_of_steps():
    rng = np.random.RandomState(2)
    N, T, D, H = 2, 4, 3, 5
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = 0.5 * rng.randn(D, H), 0.5 * rng.randn(H, H), 0.1 * rng.randn(H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    expected = np.zeros((N, T, H))
    prev = h0
    for t in range(T):
        prev = np.tanh(x[:, t] @ Wx + prev @ Wh + b)
        expected[:, t] = prev
    assert h.shape == (N, T, H)
    assert scaled_error(h, expected) < 1e-12


@pytest.mark.points(2)
def test_rnn_backward_numeric():
    rng = np.random.RandomState(3)
    N, T, D, H = 2, 3, 4, 3
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = 0.5 * rng.randn(D, H), 0.5 * rng.randn(H, H), 0.1 * rng.randn(H)
    dh = rng.randn(N, T, H)
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    grads = rnn_backward(dh, cache)
    inputs = [x, h0, Wx, Wh, b]
    for k, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):

        def f(_, k=k):
            return rnn_forward(*inputs)[0]

        expected = num_grad(f, inputs[k], dh)
        assert np.shape(grads[k]) == inputs[k].shape, f"{name} has shape {np.shape(grads[k])}"
        assert scaled_error(grads[k], expected) < 1e-7, f"{name} differs from central differences"


@pytest.mark.points(1)
def test_word_embedding_forward_lookup():
    W = np.arange(12, dtype=np.float64).reshape(4, 3)  # V=4, D=3
    x = np.array([[0, 3, 1], [2, 2, 0]])
    out, _ = word_embedding_forward(x, W)
    assert out.shape == (2, 3, 3)
    for n in range(2):
        for t in range(3):
            assert np.array_equal(out[n, t], W[x[n, t]])


@pytest.mark.points(2)
def test_word_embedding_backward_accumulates_repeated_words():
    W = np.zeros((5, 2))
    x = np.array([[1, 1, 3], [1, 4, 3]])  # word 1 three times, word 3 twice
    dout = np.arange(12, dtype=np.float64).reshape(2, 3, 2)
    _, cache = word_embedding_forward(x, W)
    dW = word_embedding_backward(dout, cache)
    expected = np.zeros((5, 2))
    expected[1] = dout[0, 0] + dout[0, 1] + dout[1, 0]
    expected[3] = dout[0, 2] + dout[1, 2]
    expected[4] = dout[1, 1]
    assert dW.shape == (5, 2)
    assert np.allclose(dW, expected), f"got\n{dW}\nexpected\n{expected}"
    # and against central differences on random words
    rng = np.random.RandomState(4)
    W = rng.randn(6, 3)
    x = rng.randint(6, size=(3, 4))
    dout = rng.randn(3, 4, 3)
    _, cache = word_embedding_forward(x, W)
    expected = num_grad(lambda w: word_embedding_forward(x, w)[0], W, dout)
    assert scaled_error(word_embedding_backward(dout, cache), expected) < 1e-8


@pytest.mark.points(1)
def test_temporal_affine_forward_backward():
    rng = np.random.RandomState(5)
    N, T, D, M = 2, 3, 4, 5
    x, w, b = rng.randn(N, T, D), rng.randn(D, M), rng.randn(M)
    out, cache = temporal_affine_forward(x, w, b)
    expected = np.stack([x[:, t] @ w + b for t in range(T)], axis=1)
    assert out.shape == (N, T, M)
    assert scaled_error(out, expected) < 1e-12
    dout = rng.randn(N, T, M)
    dx, dw, db = temporal_affine_backward(dout, cache)
    for got, arr, name in [(dx, x, "dx"), (dw, w, "dw"), (db, b, "db")]:
        expected = num_grad(lambda _: temporal_affine_forward(x, w, b)[0], arr, dout)
        assert scaled_error(got, expected) < 1e-8, f"{name} differs from central differences"


def _reference_loss(x, y, mask):
    """Sum over unmasked (n, t) of -log softmax(x[n, t])[y[n, t]], divided by N."""
    N, T, _ = x.shape
    total = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                total += logsumexp(x[n, t]) - x[n, t, y[n, t]]
    return total / N


@pytest.mark.points(2)
def test_temporal_softmax_loss_value_and_mask():
    rng = np.random.RandomState(6)
    N, T, V = 4, 5, 7
    x = 3 * rng.randn(N, T, V)
    y = rng.randint(V, size=(N, T))
    mask = rng.rand(N, T) > 0.4
    mask[0, 0], mask[1, 1] = True, False
    loss, dx = temporal_softmax_loss(x, y, mask)
    assert np.isclose(loss, _reference_loss(x, y, mask), rtol=1e-10), "not the sum of per-step losses / N"
    # masked positions change nothing: neither the loss nor the gradient
    x2 = x.copy()
    x2[~mask] = 100 * rng.randn(int((~mask).sum()), V)
    loss2, dx2 = temporal_softmax_loss(x2, y, mask)
    assert np.isclose(loss, loss2, rtol=1e-12), "the loss depends on masked-out positions"
    assert np.all(dx[~mask] == 0), "the gradient at masked-out positions must be zero"
    assert np.allclose(dx, dx2)
    # with everything unmasked and T=1 it is the mean of the per-example losses
    x1, y1 = rng.randn(6, 1, V), rng.randint(V, size=(6, 1))
    per_example = logsumexp(x1[:, 0], axis=1) - x1[np.arange(6), 0, y1[:, 0]]
    assert np.isclose(temporal_softmax_loss(x1, y1, np.ones((6, 1), bool))[0], per_example.mean())


@pytest.mark.points(1)
def test_temporal_softmax_loss_stable_and_gradient():
    rng = np.random.RandomState(7)
    N, T, V = 3, 4, 6
    x = rng.randn(N, T, V)
    y = rng.randint(V, size=(N, T))
    mask = rng.rand(N, T) > 0.3
    _, dx = temporal_softmax_loss(x, y, mask)
    expected = num_grad(lambda z: temporal_softmax_loss(z, y, mask)[0], x)
    assert scaled_error(dx, expected) < 1e-7
    big = x + 1e4  # shifting scores changes nothing
    loss_big, _ = temporal_softmax_loss(big, y, mask)
    assert np.isfinite(loss_big) and np.isclose(loss_big, temporal_softmax_loss(x, y, mask)[0], rtol=1e-6)
