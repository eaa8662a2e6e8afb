"""Autograder tests for TwoLayerNet: initialisation, scores against plain numpy, loss with 0.5*reg, gradients by central differences."""

import numpy as np
import pytest
from scipy.special import logsumexp

from cs231n.classifiers.fc_net import TwoLayerNet

from helpers import num_grad, rel_error


def _reference_loss(params, X, y, reg):
    h = np.maximum(0, X.reshape(X.shape[0], -1).dot(params["W1"]) + params["b1"])
    s = h.dot(params["W2"]) + params["b2"]
    data = np.mean(logsumexp(s, axis=1) - s[np.arange(len(y)), y])
    return float(data + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))


@pytest.mark.points(1)
def test_initialisation():
    np.random.seed(0)
    net = TwoLayerNet(input_dim=300, hidden_dim=200, num_classes=7, weight_scale=1e-2)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (300, 200), "b1": (200,), "W2": (200, 7), "b2": (7,)}
    assert np.all(net.params["b1"] == 0) and np.all(net.params["b2"] == 0)
    assert abs(np.std(net.params["W1"]) - 1e-2) < 1e-3
    assert abs(np.std(net.params["W2"]) - 1e-2) < 2e-3
    assert abs(np.mean(net.params["W1"])) < 1e-3


@pytest.mark.points(1)
def test_initial_loss_is_about_ln_10():
    np.random.seed(1)
    net = TwoLayerNet(input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3)
    rng = np.random.RandomState(1)
    X = rng.randn(50, 3, 32, 32)
    y = rng.randint(0, 10, 50)
    loss, _ = net.loss(X, y)
    assert abs(loss - np.log(10)) < 0.02


def _net_with_known_params(reg=0.0):
    rng = np.random.RandomState(2)
    N, D, H, C = 3, 5, 6, 4
    net = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3, reg=reg)
    net.params = {"W1": rng.randn(D, H), "b1": rng.randn(H), "W2": rng.randn(H, C) * 0.5, "b2": rng.randn(C)}
    X = rng.randn(N, D)
    y = rng.randint(0, C, N)
    pre = X.dot(net.params["W1"]) + net.params["b1"]
    assert np.min(np.abs(pre)) > 1e-2, "test data: keep hidden pre-activations off the ReLU kink"
    return net, X, y


@pytest.mark.points(1)
def test_scores():
    net, X, y = _net_with_known_params()
    scores = net.loss(X)
    p = net.params
    expected = np.maximum(0, X.dot(p["W1"]) + p["b1"]).dot(p["W2"]) + p["b2"]
    assert scores.shape == (3, 4)
    assert rel_error(scores, expected) < 1e-12


@pytest.mark.points(3)
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_loss_and_gradients(reg):
    net, X, y = _net_with_known_params(reg)
    loss, grads = net.loss(X, y)
    assert abs(loss - _reference_loss(net.params, X, y, reg)) < 1e-10
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    for name in ("W1", "b1", "W2", "b2"):

        def f(v, name=name):
            params = dict(net.params)
            params[name] = v
            return _reference_loss(params, X, y, reg)

        numeric = num_grad(f, net.params[name].copy(), h=1e-5)
        assert grads[name].shape == net.params[name].shape
        assert rel_error(grads[name], numeric) < 1e-7, name
