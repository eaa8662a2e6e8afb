"""Autograder tests for the modular layers (as in assignment 1) and FullyConnectedNet: initial loss, regularisation, gradients, overfitting 50 examples."""

import numpy as np
import pytest

from grad_ref import num_grad4, scaled_error
from helpers import num_grad, rel_error

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss, svm_loss
from cs231n.solver import Solver


def _away_from_zero(rng, shape, margin=0.1):
    """Values at least `margin` away from 0, so central differences never straddle a ReLU kink."""
    return np.sign(rng.standard_normal(shape)) * (margin + np.abs(rng.standard_normal(shape)))


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [((4, 3), 5), ((2, 3, 4), 6), ((10, 2, 2, 2), 3)])
def test_affine_gradients(shape):
    xshape, M = shape
    rng = np.random.default_rng(len(xshape))
    x = rng.standard_normal(xshape)
    D = int(np.prod(xshape[1:]))
    w, b = rng.standard_normal((D, M)), rng.standard_normal(M)
    out, cache = affine_forward(x, w, b)
    assert rel_error(out, x.reshape(xshape[0], D) @ w + b) < 1e-12
    dout = rng.standard_normal(out.shape)
    dx, dw, db = affine_backward(dout, cache)
    assert rel_error(dx, num_grad4(lambda v: affine_forward(v, w, b)[0], x.copy(), dout)) < 1e-8
    assert rel_error(dw, num_grad4(lambda v: affine_forward(x, v, b)[0], w.copy(), dout)) < 1e-8
    assert rel_error(db, num_grad4(lambda v: affine_forward(x, w, v)[0], b.copy(), dout)) < 1e-8


@pytest.mark.points(1)
def test_relu_and_affine_relu_gradients():
    rng = np.random.default_rng(1)
    x = _away_from_zero(rng, (6, 7))
    out, cache = relu_forward(x)
    assert np.array_equal(out, np.where(x > 0, x, 0))
    dout = rng.standard_normal(x.shape)
    assert rel_error(relu_backward(dout, cache), num_grad4(lambda v: relu_forward(v)[0], x.copy(), dout)) < 1e-8
    # affine_relu with pre-activations kept away from 0 (tiny weights plus a large bias)
    x = rng.standard_normal((4, 5))
    w = 1e-3 * rng.standard_normal((5, 3))
    b = np.array([1.0, -1.0, 2.0])
    out, cache = affine_relu_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = affine_relu_backward(dout, cache)
    assert rel_error(dx, num_grad4(lambda v: affine_relu_forward(v, w, b)[0], x.copy(), dout)) < 1e-8
    assert rel_error(dw, num_grad4(lambda v: affine_relu_forward(x, v, b)[0], w.copy(), dout)) < 1e-8
    assert rel_error(db, num_grad4(lambda v: affine_relu_forward(x, w, v)[0], b.copy(), dout)) < 1e-8


@pytest.mark.points(1)
@pytest.mark.parametrize("loss_name", ["softmax", "svm"])
def test_loss_layers(loss_name):
    rng = np.random.default_rng(2)
    N, C = 9, 5
    x = 0.5 * rng.standard_normal((N, C))
    y = rng.integers(0, C, N)
    fn = softmax_loss if loss_name == "softmax" else svm_loss
    loss, dx = fn(x, y)
    if loss_name == "softmax":
        p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        expected = -np.mean(np.log(p[np.arange(N), y]))
    else:
        expected = sum(max(0.0, x[i, j] - x[i, y[i]] + 1.0) for i in range(N) for j in range(C) if j != y[i]) / N
    assert abs(loss - expected) < 1e-12
    assert scaled_error(dx, num_grad(lambda v: fn(v, y)[0], x.copy())) < 1e-7


@pytest.mark.points(1)
def test_init_shapes_scale_and_dtype():
    model = FullyConnectedNet([30, 40, 50], input_dim=60, num_classes=7, weight_scale=0.2, seed=0)
    expected = {
        "W1": (60, 30),
        "b1": (30,),
        "W2": (30, 40),
        "b2": (40,),
        "W3": (40, 50),
        "b3": (50,),
        "W4": (50, 7),
        "b4": (7,),
    }
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert model.num_layers == 4
    assert all(v.dtype == np.float32 for v in model.params.values()), "parameters use the dtype (float32 default)"
    w = np.concatenate([model.params[f"W{i}"].ravel() for i in range(1, 5)])
    assert abs(w.std() - 0.2) < 0.02 and abs(w.mean()) < 0.02, "weights ~ N(0, weight_scale**2)"
    assert all(np.all(model.params[f"b{i}"] == 0) for i in range(1, 5)), "biases start at zero"
    m64 = FullyConnectedNet([3], input_dim=4, num_classes=2, dtype=np.float64)
    assert all(v.dtype == np.float64 for v in m64.params.values())


@pytest.mark.points(2)
def test_initial_loss_is_ln10_and_grows_with_reg():
    rng = np.random.default_rng(3)
    N, D, C = 50, 3 * 32 * 32, 10
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    losses = []
    for reg in (0.0, 0.5, 5.0):
        model = FullyConnectedNet(
            [100, 50], input_dim=D, num_classes=C, weight_scale=1e-3, reg=reg, dtype=np.float64, seed=1
        )
        loss, _ = model.loss(X, y)
        losses.append(loss)
        wsq = sum(np.sum(model.params[f"W{i}"] ** 2) for i in range(1, 4))
        if reg == 0:
            data_loss = loss
            assert abs(loss - np.log(C)) < 0.01, f"with tiny weights the loss should be ~ln(10) = 2.3026, got {loss}"
        else:
            assert abs(loss - (data_loss + 0.5 * reg * wsq)) < 1e-9, "L2 term must be 0.5 * reg * sum of W**2"
    assert losses[0] < losses[1] < losses[2], "the loss must grow with reg"


@pytest.mark.points(2)
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_fc_net_gradients(reg):
    rng = np.random.default_rng(4)
    N, D, H1, H2, C = 3, 12, 10, 9, 5
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=0.3, dtype=np.float64, seed=2)
    loss, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    for name in sorted(model.params):
        num = num_grad(lambda _: model.loss(X, y)[0], model.params[name])
        assert scaled_error(grads[name], num) < 1e-7, f"gradient of {name}"


@pytest.mark.points(1)
def test_scores_in_test_mode():
    model = FullyConnectedNet([4], input_dim=3, num_classes=2, dtype=np.float64, seed=0)
    model.params = {
        "W1": np.arange(12.0).reshape(3, 4) / 10 - 0.5,
        "b1": np.array([0.1, -0.2, 0.3, 0.0]),
        "W2": np.arange(8.0).reshape(4, 2) / 4 - 1,
        "b2": np.array([0.5, -0.5]),
    }
    X = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]])
    h = np.maximum(X @ model.params["W1"] + model.params["b1"], 0)
    assert rel_error(model.loss(X), h @ model.params["W2"] + model.params["b2"]) < 1e-12


@pytest.mark.points(3)
def test_three_layer_net_overfits_50_examples():
    rng = np.random.default_rng(5)
    N, D, C = 50, 200, 10
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    model = FullyConnectedNet([100, 100], input_dim=D, num_classes=C, weight_scale=1e-1, seed=0)
    solver = Solver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 1e-1},
        batch_size=25,
        num_epochs=20,
        num_train_samples=None,
        verbose=False,
        seed=0,
    )
    solver.train()
    assert solver.train_acc_history[-1] == 1.0, "a 3-layer net must reach 100% training accuracy on 50 examples"
