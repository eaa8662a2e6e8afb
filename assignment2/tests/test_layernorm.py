"""Autograder tests for layer normalization: per-example statistics, scale and shift, backward pass, and the net with layernorm."""

import numpy as np
import pytest

from grad_ref import num_grad4, scaled_error
from helpers import num_grad, rel_error

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.layers import layernorm_backward, layernorm_forward

SHAPES = [(4, 5), (3, 10), (7, 12), (1, 6)]


def _inputs(seed, N, D):
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((N, D)) + rng.uniform(-5, 5, (N, 1))  # examples with their own offsets
    gamma = rng.uniform(0.5, 2.0, D)
    beta = rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    return x, gamma, beta, dout


@pytest.mark.points(2)
def test_forward_normalises_each_example():
    rng = np.random.default_rng(0)
    N, D = 5, 300
    x = 4.0 * rng.standard_normal((N, D)) + np.arange(N)[:, None] * 10.0
    out, _ = layernorm_forward(x, np.ones(D), np.zeros(D), {})
    assert out.shape == (N, D)
    assert np.allclose(out.mean(axis=1), 0.0, atol=1e-10), "each example must have mean 0 over its features"
    assert np.allclose(out.std(axis=1), 1.0, atol=1e-5), "each example must have std 1 over its features"
    gamma, beta = rng.uniform(0.5, 2, D), rng.standard_normal(D)
    out, _ = layernorm_forward(x, gamma, beta, {"eps": 1e-3})
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-3)
    assert rel_error(out, gamma * xhat + beta) < 1e-10, "out = gamma * xhat + beta, with xhat per example"
    # no batch dependence: one example alone gives the same output
    one, _ = layernorm_forward(x[2:3], gamma, beta, {"eps": 1e-3})
    assert rel_error(one, out[2:3]) < 1e-12


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_central_differences(shape):
    N, D = shape
    x, gamma, beta, dout = _inputs(30 + D, N, D)
    _, cache = layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    fx = lambda v: layernorm_forward(v, gamma, beta, {})[0]
    fg = lambda v: layernorm_forward(x, v, beta, {})[0]
    fb = lambda v: layernorm_forward(x, gamma, v, {})[0]
    assert dx.shape == x.shape and dgamma.shape == (D,) and dbeta.shape == (D,)
    assert rel_error(dx, num_grad4(fx, x.copy(), dout)) < 1e-8
    assert rel_error(dgamma, num_grad4(fg, gamma.copy(), dout)) < 1e-8
    assert rel_error(dbeta, num_grad4(fb, beta.copy(), dout)) < 1e-8


@pytest.mark.points(1)
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_fc_net_with_layernorm_gradients(reg):
    rng = np.random.default_rng(7)
    N, D, H1, H2, C = 3, 10, 8, 7, 4
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    model = FullyConnectedNet(
        [H1, H2],
        input_dim=D,
        num_classes=C,
        normalization="layernorm",
        reg=reg,
        weight_scale=0.5,
        dtype=np.float64,
        seed=0,
    )
    assert sorted(model.params) == sorted(["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"])
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        num = num_grad(lambda _: model.loss(X, y)[0], model.params[name])
        assert scaled_error(grads[name], num) < 1e-7, f"gradient of {name}"


@pytest.mark.points(1)
def test_fc_net_layernorm_same_in_train_and_test():
    rng = np.random.default_rng(8)
    model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, normalization="layernorm", dtype=np.float64, seed=2)
    X = rng.standard_normal((5, 4))
    before = model.loss(X)
    model.loss(X, rng.integers(0, 3, 5))  # a training pass keeps no statistics
    assert rel_error(model.loss(X), before) < 1e-12
    assert rel_error(model.loss(X[:1]), before[:1]) < 1e-12
