"""Autograder tests for the update rules: one step against the formulas, adam's bias correction, and several steps against torch.optim."""

import numpy as np
import pytest

from helpers import rel_error

from cs231n.optim import adam, rmsprop, sgd_momentum


def _arrays(seed, shape=(5, 4)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(shape)


@pytest.mark.points(1)
def test_sgd_momentum_one_step():
    w, dw, v = _arrays(1)
    next_w, config = sgd_momentum(w.copy(), dw.copy(), {"learning_rate": 1e-2, "momentum": 0.8, "velocity": v.copy()})
    v_expected = 0.8 * v - 1e-2 * dw
    assert rel_error(config["velocity"], v_expected) < 1e-12
    assert rel_error(next_w, w + v_expected) < 1e-12
    # defaults: learning_rate 1e-2, momentum 0.9, velocity starting at zero
    next_w, config = sgd_momentum(w.copy(), dw.copy())
    assert rel_error(next_w, w - 1e-2 * dw) < 1e-12 and config["momentum"] == 0.9


@pytest.mark.points(1)
def test_rmsprop_one_step():
    w, dw, cache = _arrays(2)
    cache = np.abs(cache)
    cfg = {"learning_rate": 1e-2, "decay_rate": 0.95, "epsilon": 1e-6, "cache": cache.copy()}
    next_w, config = rmsprop(w.copy(), dw.copy(), cfg)
    cache_expected = 0.95 * cache + 0.05 * dw**2
    assert rel_error(config["cache"], cache_expected) < 1e-12
    assert rel_error(next_w, w - 1e-2 * dw / (np.sqrt(cache_expected) + 1e-6)) < 1e-12


@pytest.mark.points(1)
def test_adam_one_step_with_state():
    w, dw, m = _arrays(3)
    v = np.abs(m) + 0.1
    cfg = {"learning_rate": 1e-2, "beta1": 0.8, "beta2": 0.9, "epsilon": 1e-7, "m": m.copy(), "v": v.copy(), "t": 4}
    next_w, config = adam(w.copy(), dw.copy(), cfg)
    m_e = 0.8 * m + 0.2 * dw
    v_e = 0.9 * v + 0.1 * dw**2
    step = 1e-2 * (m_e / (1 - 0.8**5)) / (np.sqrt(v_e / (1 - 0.9**5)) + 1e-7)
    assert config["t"] == 5, "t counts the updates: increment it before using it"
    assert rel_error(config["m"], m_e) < 1e-12 and rel_error(config["v"], v_e) < 1e-12
    assert rel_error(next_w, w - step) < 1e-12


@pytest.mark.points(1)
def test_adam_bias_correction_first_step():
    # From m = v = 0, the bias-corrected first step moves every weight by ~learning_rate
    # against the sign of its gradient, whatever the gradient's size.
    w = np.zeros(6)
    dw = np.array([1e-4, -1e-2, 1.0, -3.0, 50.0, -1e3])
    next_w, config = adam(w.copy(), dw.copy(), {"learning_rate": 1e-3})
    assert config["t"] == 1
    assert np.allclose(next_w, -1e-3 * np.sign(dw), rtol=1e-3, atol=0), (
        "without bias correction (m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)) the first step is wrong"
    )


@pytest.mark.points(2)
@pytest.mark.parametrize("rule", ["rmsprop", "adam"])
def test_ten_steps_match_torch(rule):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal((3, 7))
    grads = [rng.standard_normal((3, 7)) for _ in range(10)]
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    if rule == "adam":
        opt = torch.optim.Adam([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
        fn, config = adam, {"learning_rate": 1e-2}
    else:
        opt = torch.optim.RMSprop([p], lr=1e-2, alpha=0.99, eps=1e-8)
        fn, config = rmsprop, {"learning_rate": 1e-2}
    w = w0.copy()
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        w, config = fn(w, g.copy(), config)
    assert rel_error(w, p.detach().numpy()) < 1e-10


@pytest.mark.points(1)
def test_sgd_momentum_ten_steps_match_closed_form():
    # with a constant gradient g, v_t = -lr * g * (1 - mu**t) / (1 - mu), w_t = w_0 + sum of v
    w0 = np.linspace(-1, 1, 8)
    g = np.linspace(2, -3, 8)
    w, config = w0.copy(), {"learning_rate": 0.1, "momentum": 0.5}
    for _ in range(10):
        w, config = sgd_momentum(w, g.copy(), config)
    v = [-0.1 * g * (1 - 0.5**t) / 0.5 for t in range(1, 11)]
    assert rel_error(w, w0 + sum(v)) < 1e-12
