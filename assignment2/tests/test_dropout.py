"""Autograder tests for inverted dropout: keep rate, expectation, test-mode identity, seeding, backward, and the net with dropout."""

import numpy as np
import pytest

from grad_ref import scaled_error
from helpers import num_grad, rel_error

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.layers import dropout_backward, dropout_forward


@pytest.mark.points(2)
@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_keep_rate_and_expectation(p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 500)) + 10.0
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    kept = out != 0
    # 250,000 Bernoulli(p) draws: the keep rate is within 0.005 of p (> 10 standard deviations)
    assert abs(kept.mean() - p) < 0.005, (
        f"keep rate {kept.mean():.4f} should be close to p = {p} (p is the KEEP probability)"
    )
    assert np.allclose(out[kept], x[kept] / p), "kept entries must be divided by p (inverted dropout)"
    assert abs(out.mean() - x.mean()) / x.mean() < 0.02, "inverted dropout keeps the expectation of each activation"


@pytest.mark.points(1)
def test_test_mode_is_identity():
    x = np.random.default_rng(1).standard_normal((20, 30))
    for p in (0.3, 1.0):
        out, _ = dropout_forward(x, {"mode": "test", "p": p})
        assert out.shape == x.shape and np.array_equal(out, x), "test mode must return the input unchanged"
        dx = dropout_backward(np.ones_like(x), dropout_forward(x, {"mode": "test", "p": p})[1])
        assert np.array_equal(dx, np.ones_like(x))


@pytest.mark.points(1)
def test_same_seed_same_mask():
    x = np.random.default_rng(2).standard_normal((40, 50)) + 5.0
    a, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    b, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    c, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 8})
    assert np.array_equal(a, b), "the same seed must give the same mask"
    assert not np.array_equal(a, c), "different seeds should give different masks"
    assert 0 < np.mean(a != 0) < 1


@pytest.mark.points(1)
def test_backward_matches_central_differences():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((10, 10)) + 10.0
    dout = rng.standard_normal((10, 10))
    param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, param)
    dx = dropout_backward(dout, cache)
    num = num_grad(lambda v: dropout_forward(v, param)[0], x.copy(), dout)
    assert dx.shape == x.shape
    assert rel_error(dx, num) < 1e-8
    assert np.array_equal(dx == 0, out == 0), "the gradient flows exactly through the kept units"


@pytest.mark.points(1)
@pytest.mark.parametrize("keep", [0.25, 0.5, 1.0])
def test_fc_net_with_dropout_gradients(keep):
    rng = np.random.default_rng(4)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    model = FullyConnectedNet(
        [H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64, seed=123, dropout_keep_ratio=keep
    )
    assert model.use_dropout == (keep != 1)
    loss, grads = model.loss(X, y)
    assert abs(loss - np.log(C)) < 0.1
    for name in sorted(model.params):
        num = num_grad(lambda _: model.loss(X, y)[0], model.params[name])
        assert scaled_error(grads[name], num) < 1e-7, f"gradient of {name}"


@pytest.mark.points(1)
def test_fc_net_dropout_is_off_at_test_time():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((8, 6))
    plain = FullyConnectedNet([5, 5], input_dim=6, num_classes=3, dtype=np.float64, seed=9)
    dropped = FullyConnectedNet([5, 5], input_dim=6, num_classes=3, dtype=np.float64, seed=9, dropout_keep_ratio=0.3)
    dropped.loss(X, rng.integers(0, 3, 8))
    assert rel_error(dropped.loss(X), plain.loss(X)) < 1e-12, "test-time scores must not depend on dropout"
