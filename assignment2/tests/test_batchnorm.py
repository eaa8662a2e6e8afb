"""Autograder tests for batch normalization: forward statistics, running averages, test mode, both backward passes, and the net with batchnorm."""

import numpy as np
import pytest

from grad_ref import num_grad4, scaled_error
from helpers import num_grad, rel_error

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward

SHAPES = [(4, 5), (10, 3), (7, 12), (3, 1)]


def _inputs(seed, N, D):
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((N, D)) + rng.uniform(-5, 5, D)  # features with their own offsets
    gamma = rng.uniform(0.5, 2.0, D)
    beta = rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    return x, gamma, beta, dout


@pytest.mark.points(2)
def test_forward_normalises_each_feature_then_scales_and_shifts():
    rng = np.random.default_rng(0)
    N, D = 200, 6
    x = 12.0 * rng.standard_normal((N, D)) + 7.0
    out, _ = batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    assert out.shape == (N, D)
    assert np.allclose(out.mean(axis=0), 0.0, atol=1e-10), "each feature must have mean 0 before scale/shift"
    # std is sqrt(var / (var + eps)): 1 up to the eps term
    assert np.allclose(out.std(axis=0), 1.0, atol=1e-6), "each feature must have std 1 before scale/shift"
    gamma, beta = np.array([1.0, 2.0, 3.0, 0.5, 4.0, 1.5]), np.array([0.0, -1.0, 11.0, 2.0, 0.5, -3.0])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=0), beta, atol=1e-9), "the mean of feature j must become beta[j]"
    assert np.allclose(out.std(axis=0), gamma, atol=1e-5), "the std of feature j must become gamma[j]"
    # the closed form, elementwise
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    assert rel_error(out, gamma * xhat + beta) < 1e-10


@pytest.mark.points(1)
def test_running_averages_follow_momentum():
    x, gamma, beta, _ = _inputs(1, 8, 4)
    bn_param = {"mode": "train", "momentum": 0.7, "running_mean": np.full(4, 2.0), "running_var": np.full(4, 3.0)}
    batchnorm_forward(x, gamma, beta, bn_param)
    assert rel_error(bn_param["running_mean"], 0.7 * 2.0 + 0.3 * x.mean(axis=0)) < 1e-12
    assert rel_error(bn_param["running_var"], 0.7 * 3.0 + 0.3 * x.var(axis=0)) < 1e-12
    # missing running averages start at zero, default momentum 0.9
    bn_param = {"mode": "train"}
    batchnorm_forward(x, gamma, beta, bn_param)
    assert rel_error(bn_param["running_mean"], 0.1 * x.mean(axis=0)) < 1e-12
    assert rel_error(bn_param["running_var"], 0.1 * x.var(axis=0)) < 1e-12


@pytest.mark.points(2)
def test_test_mode_uses_running_statistics():
    x, gamma, beta, _ = _inputs(2, 6, 5)
    rm, rv = np.linspace(-1, 1, 5), np.linspace(0.5, 4, 5)
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy(), "eps": 1e-3}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    assert rel_error(out, gamma * (x - rm) / np.sqrt(rv + 1e-3) + beta) < 1e-12
    assert np.array_equal(bn_param["running_mean"], rm) and np.array_equal(bn_param["running_var"], rv), (
        "test mode must not change the running averages"
    )
    # one example at a time gives the same answer: nothing depends on the batch in test mode
    one, _ = batchnorm_forward(x[:1], gamma, beta, bn_param)
    assert rel_error(one, out[:1]) < 1e-12

    # after many training batches from one distribution, test mode normalises that distribution
    rng = np.random.default_rng(3)
    D = 3
    bn_param = {"mode": "train"}
    for _ in range(200):
        batchnorm_forward(2.0 * rng.standard_normal((100, D)) + 5.0, np.ones(D), np.zeros(D), bn_param)
    bn_param["mode"] = "test"
    out, _ = batchnorm_forward(2.0 * rng.standard_normal((2000, D)) + 5.0, np.ones(D), np.zeros(D), bn_param)
    assert np.all(np.abs(out.mean(axis=0)) < 0.15) and np.all(np.abs(out.std(axis=0) - 1) < 0.15)


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_central_differences(shape):
    N, D = shape
    x, gamma, beta, dout = _inputs(10 + N, N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    fx = lambda v: batchnorm_forward(v, gamma, beta, {"mode": "train"})[0]
    fg = lambda v: batchnorm_forward(x, v, beta, {"mode": "train"})[0]
    fb = lambda v: batchnorm_forward(x, gamma, v, {"mode": "train"})[0]
    assert rel_error(dx, num_grad4(fx, x.copy(), dout)) < 1e-8
    assert rel_error(dgamma, num_grad4(fg, gamma.copy(), dout)) < 1e-8
    assert rel_error(dbeta, num_grad4(fb, beta.copy(), dout)) < 1e-8


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_alt_equals_graph_backward(shape):
    N, D = shape
    x, gamma, beta, dout = _inputs(20 + N, N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    alt = batchnorm_backward_alt(dout, cache)
    graph = batchnorm_backward(dout, cache)
    # both must also be right, not merely equal to each other
    assert (
        rel_error(alt[0], num_grad4(lambda v: batchnorm_forward(v, gamma, beta, {"mode": "train"})[0], x.copy(), dout))
        < 1e-8
    )
    for a, g, name in zip(alt, graph, ("dx", "dgamma", "dbeta")):
        assert a.shape == g.shape, f"{name}: shape {a.shape} != {g.shape}"
        assert rel_error(a, g) < 1e-9, f"{name} differs between batchnorm_backward_alt and batchnorm_backward"


@pytest.mark.points(1)
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_fc_net_with_batchnorm_gradients(reg):
    rng = np.random.default_rng(5)
    N, D, H1, H2, C = 6, 10, 8, 7, 4
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    model = FullyConnectedNet(
        [H1, H2],
        input_dim=D,
        num_classes=C,
        normalization="batchnorm",
        reg=reg,
        weight_scale=0.5,
        dtype=np.float64,
        seed=0,
    )
    assert sorted(model.params) == sorted(["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"])
    assert model.params["gamma1"].shape == (H1,) and np.all(model.params["gamma2"] == 1)
    assert model.params["beta1"].shape == (H1,) and np.all(model.params["beta2"] == 0)
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        num = num_grad(lambda _: model.loss(X, y)[0], model.params[name])
        if name in ("b1", "b2"):
            # a bias right before batchnorm is subtracted out again: its true gradient is 0
            assert np.max(np.abs(grads[name])) < 1e-10 and np.max(np.abs(num)) < 1e-7, f"gradient of {name}"
        else:
            assert scaled_error(grads[name], num) < 1e-7, f"gradient of {name}"


@pytest.mark.points(1)
def test_fc_net_batchnorm_test_mode_uses_running_statistics():
    rng = np.random.default_rng(6)
    D, C = 5, 3
    model = FullyConnectedNet([4], input_dim=D, num_classes=C, normalization="batchnorm", dtype=np.float64, seed=1)
    X = rng.standard_normal((20, D)) + 3.0
    model.loss(X, rng.integers(0, C, 20))
    rm = model.bn_params[0]["running_mean"]
    assert rm.shape == (4,) and np.any(rm != 0), "a training pass must update bn_params[0]['running_mean']"
    s_all = model.loss(X)
    s_one = model.loss(X[:1])
    assert rel_error(s_all[:1], s_one) < 1e-12, "test-time scores must not depend on the rest of the batch"
