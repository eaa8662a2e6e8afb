"""Autograder tests for the LSTM layers: gates on a hand-checked case, forward against torch.nn.LSTM, backward against central differences."""

import numpy as np
import pytest
import torch

from cs231n.rnn_layers import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

from helpers import num_grad


def scaled_error(a, b):
    """max |a - b| over the largest entry (robust to individual near-zero gradient entries)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a) + np.abs(b))))


@pytest.mark.points(2)
def test_lstm_step_forward_hand_checked_gates():
    # With Wx = Wh = 0 the activation is the bias. Gate order i, f, o, g:
    # i = sigmoid(0) = 0.5, f = sigmoid(ln 3) = 0.75, o = sigmoid(-ln 4) = 0.2, g = tanh(atanh(0.5)) = 0.5
    N, D, H = 2, 3, 1
    b = np.array([0.0, np.log(3.0), -np.log(4.0), np.arctanh(0.5)])
    x = np.ones((N, D))
    prev_h = np.array([[0.3], [-0.7]])
    prev_c = np.array([[2.0], [-1.0]])
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, np.zeros((D, 4)), np.zeros((H, 4)), b)
    # next_c = f * prev_c + i * g = 0.75 * prev_c + 0.25 ; next_h = o * tanh(next_c)
    assert np.allclose(next_c, [[1.75], [-0.5]]), f"next_c = {next_c.ravel()}, expected [1.75, -0.5]"
    assert np.allclose(next_h, 0.2 * np.tanh([[1.75], [-0.5]])), "next_h should be o * tanh(next_c)"


@pytest.mark.points(1)
def test_lstm_step_forward_extreme_activations_are_finite():
    N, D, H = 2, 2, 2
    b = np.concatenate([np.full(H, 800.0), np.full(H, -800.0), np.full(H, 800.0), np.full(H, -800.0)])  # i, f, o, g
    next_h, next_c, _ = lstm_step_forward(
        np.zeros((N, D)), np.zeros((N, H)), np.ones((N, H)), np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), b
    )
    # i = 1, f = 0, o = 1, g = -1 -> next_c = -1, next_h = tanh(-1)
    assert np.all(np.isfinite(next_h)) and np.all(np.isfinite(next_c))
    assert np.allclose(next_c, -1.0) and np.allclose(next_h, np.tanh(-1.0))


def _torch_lstm(x, h0, Wx, Wh, b):
    """Hidden states of torch.nn.LSTM (float64) with our weights; torch orders the gates i, f, g, o."""
    N, T, D = x.shape
    H = h0.shape[1]
    perm = np.concatenate([np.arange(0, H), np.arange(H, 2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(Wx[:, perm].T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(Wh[:, perm].T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b[perm].copy()))
        lstm.bias_hh_l0.zero_()
        out, _ = lstm(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.zeros(1, N, H, dtype=torch.float64)))
    return out.numpy()


@pytest.mark.points(2)
def test_lstm_forward_matches_torch():
    rng = np.random.RandomState(0)
    N, T, D, H = 3, 5, 4, 6
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = 0.5 * rng.randn(D, 4 * H), 0.5 * rng.randn(H, 4 * H), 0.3 * rng.randn(4 * H)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    assert scaled_error(h, _torch_lstm(x, h0, Wx, Wh, b)) < 1e-10


@pytest.mark.points(2)
def test_lstm_step_backward_numeric():
    rng = np.random.RandomState(1)
    N, D, H = 3, 4, 5
    x, prev_h, prev_c = rng.randn(N, D), rng.randn(N, H), rng.randn(N, H)
    Wx, Wh, b = 0.5 * rng.randn(D, 4 * H), 0.5 * rng.randn(H, 4 * H), 0.3 * rng.randn(4 * H)
    dnext_h, dnext_c = rng.randn(N, H), rng.randn(N, H)
    _, _, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    grads = lstm_step_backward(dnext_h, dnext_c, cache)
    inputs = [x, prev_h, prev_c, Wx, Wh, b]
    for k, name in enumerate(["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]):

        def f(_, k=k):
            nh, nc, _ = lstm_step_forward(*inputs)
            return np.concatenate([nh, nc], axis=1)

        expected = num_grad(f, inputs[k], np.concatenate([dnext_h, dnext_c], axis=1))
        assert np.shape(grads[k]) == inputs[k].shape, f"{name} has shape {np.shape(grads[k])}"
        assert scaled_error(grads[k], expected) < 1e-7, f"{name} differs from central differences"


@pytest.mark.points(2)
def test_lstm_backward_numeric():
    rng = np.random.RandomState(2)
    N, T, D, H = 2, 3, 3, 4
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = 0.5 * rng.randn(D, 4 * H), 0.5 * rng.randn(H, 4 * H), 0.3 * rng.randn(4 * H)
    dh = rng.randn(N, T, H)
    _, cache = lstm_forward(x, h0, Wx, Wh, b)
    grads = lstm_backward(dh, cache)
    inputs = [x, h0, Wx, Wh, b]
    for k, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):

        def f(_, k=k):
            return lstm_forward(*inputs)[0]

        expected = num_grad(f, inputs[k], dh)
        assert np.shape(grads[k]) == inputs[k].shape, f"{name} has shape {np.shape(grads[k])}"
        assert scaled_error(grads[k], expected) < 1e-7, f"{name} differs from central differences"
