"""Autograder tests for ThreeLayerConvNet (cs231n/classifiers/cnn.py)."""

import numpy as np
import pytest

from helpers import num_grad, rel_error
from cs231n.classifiers.cnn import ThreeLayerConvNet


@pytest.mark.points(1)
def test_three_layer_convnet_parameter_shapes():
    np.random.seed(0)
    model = ThreeLayerConvNet(input_dim=(3, 8, 6), num_filters=5, filter_size=3, hidden_dim=7, num_classes=4)
    expected = {"W1": (5, 3, 3, 3), "b1": (5,), "W2": (5 * 4 * 3, 7), "b2": (7,), "W3": (7, 4), "b3": (4,)}
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert all(np.all(model.params[k] == 0) for k in ("b1", "b2", "b3"))
    assert 5e-4 < model.params["W2"].std() < 2e-3


@pytest.mark.points(2)
def test_three_layer_convnet_initial_loss():
    np.random.seed(1)
    N = 50
    X = np.random.randn(N, 3, 32, 32)
    y = np.random.randint(10, size=N)
    model = ThreeLayerConvNet()
    loss, grads = model.loss(X, y)
    assert abs(loss - np.log(10)) < 0.01, f"initial loss {loss}, expected about ln(10) = 2.303"
    scores = model.loss(X)
    assert scores.shape == (N, 10)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    assert loss_reg > loss


@pytest.mark.points(3)
def test_three_layer_convnet_gradients():
    np.random.seed(2)
    N, input_dim = 2, (3, 8, 8)
    X = np.random.randn(N, *input_dim)
    y = np.random.randint(4, size=N)
    model = ThreeLayerConvNet(
        num_filters=3,
        filter_size=3,
        input_dim=input_dim,
        hidden_dim=7,
        num_classes=4,
        weight_scale=1e-1,
        reg=0.3,
        dtype=np.float64,
    )
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(model.params):
        f = lambda _: model.loss(X, y)[0]
        assert rel_error(grads[name], num_grad(f, model.params[name], h=1e-5)) < 1e-5, name


@pytest.mark.points(3)
def test_three_layer_convnet_overfits_small_data():
    rng = np.random.default_rng(3)
    np.random.seed(3)
    N = 50
    X = rng.standard_normal((N, 3, 8, 8)).astype(np.float32)
    y = rng.integers(10, size=N)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=50, weight_scale=1e-2)
    # plain Adam on the full batch, written here so the test does not depend on the Solver
    m = {k: np.zeros_like(v) for k, v in model.params.items()}
    v2 = {k: np.zeros_like(v) for k, v in model.params.items()}
    lr, b1, b2 = 1e-2, 0.9, 0.999
    for t in range(1, 101):
        loss, grads = model.loss(X, y)
        for k in model.params:
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v2[k] = b2 * v2[k] + (1 - b2) * grads[k] ** 2
            mh, vh = m[k] / (1 - b1**t), v2[k] / (1 - b2**t)
            model.params[k] = model.params[k] - lr * mh / (np.sqrt(vh) + 1e-8)
    acc = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert acc == 1.0, f"training accuracy on 50 examples after 100 Adam steps: {acc}"
