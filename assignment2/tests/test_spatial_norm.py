"""Autograder tests for spatial batch normalization and spatial group normalization."""

import numpy as np
import pytest

from helpers import num_grad, rel_error
from cs231n.layers import (
    spatial_batchnorm_forward,
    spatial_batchnorm_backward,
    spatial_groupnorm_forward,
    spatial_groupnorm_backward,
)


def reference_normalise(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over the given axes, with numpy's own mean and var."""
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


@pytest.mark.points(2)
def test_spatial_batchnorm_train_forward():
    rng = np.random.default_rng(0)
    N, C, H, W = 4, 3, 5, 6
    x = 4 * rng.standard_normal((N, C, H, W)) + 10
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    bn_param = {"mode": "train", "eps": 1e-5}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    expected = reference_normalise(x, (0, 2, 3), 1e-5) * gamma[None, :, None, None] + beta[None, :, None, None]
    assert out.shape == x.shape
    assert rel_error(out, expected) < 1e-9
    # the running statistics are per channel, as batchnorm keeps them
    assert bn_param["running_mean"].shape == (C,)


@pytest.mark.points(1)
def test_spatial_batchnorm_test_mode_uses_running_statistics():
    rng = np.random.default_rng(1)
    N, C, H, W = 10, 4, 3, 3
    gamma, beta = np.ones(C), np.zeros(C)
    bn_param = {"mode": "train"}
    for _ in range(60):
        spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    assert abs(out.mean()) < 0.2 and abs(out.std() - 1) < 0.2


@pytest.mark.points(2)
def test_spatial_batchnorm_backward_numeric():
    rng = np.random.default_rng(2)
    N, C, H, W = 2, 3, 4, 5
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    dout = rng.standard_normal(x.shape)
    fwd = lambda xx, gg, bb: spatial_batchnorm_forward(xx, gg, bb, {"mode": "train"})[0]
    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    assert rel_error(dx, num_grad(lambda v: fwd(v, gamma, beta), x, dout)) < 1e-5
    assert rel_error(dgamma, num_grad(lambda v: fwd(x, v, beta), gamma, dout)) < 1e-7
    assert rel_error(dbeta, num_grad(lambda v: fwd(x, gamma, v), beta, dout)) < 1e-7


@pytest.mark.points(2)
@pytest.mark.parametrize("G", [1, 2, 6])
def test_spatial_groupnorm_forward(G):
    rng = np.random.default_rng(3)
    N, C, H, W = 3, 6, 4, 5
    x = 3 * rng.standard_normal((N, C, H, W)) + 7
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    out, _ = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    if G == 1:  # layer normalization over (C, H, W) of each example
        xhat = reference_normalise(x, (1, 2, 3), 1e-5)
    elif G == C:  # each channel of each example on its own (instance normalization)
        xhat = reference_normalise(x, (2, 3), 1e-5)
    else:  # contiguous groups of C // G channels
        xhat = np.concatenate(
            [reference_normalise(x[:, g * (C // G) : (g + 1) * (C // G)], (1, 2, 3), 1e-5) for g in range(G)], axis=1
        )
    assert out.shape == x.shape
    assert rel_error(out, xhat * gamma + beta) < 1e-9


@pytest.mark.points(2)
@pytest.mark.parametrize("G", [1, 3])
def test_spatial_groupnorm_backward_numeric(G):
    rng = np.random.default_rng(4)
    N, C, H, W = 2, 6, 3, 4
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    dout = rng.standard_normal(x.shape)
    fwd = lambda xx, gg, bb: spatial_groupnorm_forward(xx, gg, bb, G, {"eps": 1e-5})[0]
    _, cache = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    assert rel_error(dx, num_grad(lambda v: fwd(v, gamma, beta), x, dout)) < 1e-5
    assert rel_error(dgamma, num_grad(lambda v: fwd(x, v, beta), gamma, dout)) < 1e-7
    assert rel_error(dbeta, num_grad(lambda v: fwd(x, gamma, v), beta, dout)) < 1e-7
