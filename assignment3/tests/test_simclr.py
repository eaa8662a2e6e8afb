"""Autograder tests for SimCLR: cosine similarity, the naive and vectorized contrastive losses, one training step."""

import math

import numpy as np
import pytest
import torch
from torch_helpers import autograd_call

from cs231n.simclr import (
    SimCLRModel,
    compute_sim_matrix,
    compute_train_transform,
    make_optimizer,
    sim,
    sim_positive_pairs,
    simclr_loss_naive,
    simclr_loss_vectorized,
    train_step,
)


def reference_loss(left, right, tau):
    """NT-Xent written out with loops in float64 numpy (log-sum-exp shifted: stable for any tau)."""
    z = np.concatenate([left, right]).astype(np.float64)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n2 = z.shape[0]
    N = n2 // 2
    total = 0.0
    for k in range(n2):
        pos = (k + N) % n2
        logits = np.array([z[k] @ z[i] / tau for i in range(n2) if i != k])
        m = logits.max()
        total += -(z[k] @ z[pos] / tau) + m + math.log(np.exp(logits - m).sum())
    return total / n2


def _pair(N, D, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)).astype(np.float32), rng.standard_normal((N, D)).astype(np.float32)


def test_sim_hand_worked():
    out = sim(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0]))
    assert abs(float(out) - 1 / math.sqrt(2)) < 1e-6
    assert abs(float(sim(torch.tensor([3.0, 4.0]), torch.tensor([-6.0, -8.0]))) + 1) < 1e-6


@pytest.mark.points(2)
def test_sim_positive_pairs_and_matrix_match_loops():
    left, right = _pair(5, 7, 0)
    pos = sim_positive_pairs(torch.from_numpy(left), torch.from_numpy(right))
    assert tuple(pos.shape) == (5, 1), f"sim_positive_pairs should return (N, 1), got {tuple(pos.shape)}"
    for k in range(5):
        expected = left[k] @ right[k] / (np.linalg.norm(left[k]) * np.linalg.norm(right[k]))
        assert abs(float(pos[k, 0]) - expected) < 1e-5
    out = np.concatenate([left, right])
    S = compute_sim_matrix(torch.from_numpy(out))
    assert tuple(S.shape) == (10, 10)
    for i in range(10):
        for j in range(10):
            expected = out[i] @ out[j] / (np.linalg.norm(out[i]) * np.linalg.norm(out[j]))
            assert abs(float(S[i, j]) - expected) < 1e-5


@pytest.mark.points(2)
@pytest.mark.parametrize("N,tau", [(2, 0.5), (3, 1.0), (5, 0.1)])
def test_simclr_loss_naive_matches_test_loop(N, tau):
    left, right = _pair(N, 6, N)
    out = simclr_loss_naive(torch.from_numpy(left).double(), torch.from_numpy(right).double(), tau)
    assert abs(float(out) - reference_loss(left, right, tau)) < 1e-6


@pytest.mark.points(3)
@pytest.mark.parametrize("N,tau", [(1, 0.5), (4, 0.2), (8, 0.5), (16, 1.0), (32, 0.07)])
def test_simclr_loss_vectorized_matches_naive_and_loop(N, tau):
    left, right = _pair(N, 10, 100 + N)
    L, R = torch.from_numpy(left).double(), torch.from_numpy(right).double()
    vec = float(simclr_loss_vectorized(L, R, tau))
    assert abs(vec - reference_loss(left, right, tau)) < 1e-6
    if N <= 8:
        assert abs(vec - float(simclr_loss_naive(L, R, tau))) < 1e-6


@pytest.mark.points(2)
def test_simclr_loss_vectorized_stable_for_large_similarities():
    # tau = 1e-3: sim / tau reaches 1000, exp overflows float32 (and float64 near 710) unless handled
    left, right = _pair(8, 4, 7)
    right[:4] = left[:4] + 1e-3  # near-identical positives: similarities close to 1
    out = simclr_loss_vectorized(torch.from_numpy(left), torch.from_numpy(right), 1e-3)
    assert torch.isfinite(out), "the loss overflowed: use torch.logsumexp (or subtract the row maximum)"
    assert abs(float(out) - reference_loss(left, right, 1e-3)) < 1e-3 * max(1.0, reference_loss(left, right, 1e-3))


@pytest.mark.points(2)
def test_simclr_loss_vectorized_gradient():
    left, right = _pair(6, 5, 3)
    _, grads, _ = autograd_call(
        simclr_loss_vectorized, torch.from_numpy(left).double(), torch.from_numpy(right).double(), 0.5
    )
    L = torch.from_numpy(left).double().requires_grad_(True)
    R = torch.from_numpy(right).double().requires_grad_(True)
    z = torch.nn.functional.normalize(torch.cat([L, R]), dim=1)
    logits = (z @ z.t() / 0.5).masked_fill(torch.eye(12, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(6, 12), torch.arange(6)])
    torch.nn.functional.cross_entropy(logits, target).backward()
    assert grads[0] is not None and grads[1] is not None, "the loss does not reach its inputs"
    assert torch.allclose(grads[0], L.grad, atol=1e-8) and torch.allclose(grads[1], R.grad, atol=1e-8)


@pytest.mark.points(3)
def test_train_step_two_views_loss_and_update():
    torch.manual_seed(0)
    model = SimCLRModel(width=4, projection_dim=8)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    opt = make_optimizer(model, lr=1e-2)
    loss = train_step(model, x, opt, 0.5, 123)
    assert isinstance(loss, float), f"train_step should return a Python float, got {type(loss).__name__}"

    # the same step written here: views from the same seed, first view first; Adam as make_optimizer's.
    # The gradients come from autograd_call through the encoder f and the head g (the model is the
    # package's own class, which the grader keeps beside the submitted code), then chain by hand.
    ref = SimCLRModel(width=4, projection_dim=8)
    ref.load_state_dict(state)
    ref.train()
    gen = torch.Generator().manual_seed(123)
    x_i, x_j = compute_train_transform(x, gen), compute_train_transform(x, gen)
    h_i, z_i = ref(x_i)
    h_j, z_j = ref(x_j)
    expected = reference_loss(z_i.detach().numpy(), z_j.detach().numpy(), 0.5)
    assert abs(loss - expected) < 1e-4, f"loss {loss} differs from {expected} (two views, same generator, in order)"
    zi, zj = z_i.detach().clone().requires_grad_(True), z_j.detach().clone().requires_grad_(True)
    z = torch.nn.functional.normalize(torch.cat([zi, zj]), dim=1)
    logits = (z @ z.t() / 0.5).masked_fill(torch.eye(12, dtype=torch.bool), float("-inf"))
    torch.nn.functional.cross_entropy(logits, torch.cat([torch.arange(6, 12), torch.arange(6)])).backward()
    grads = {}
    for xv, hv, dz in ((x_i, h_i, zi.grad), (x_j, h_j, zj.grad)):
        _, (dh,), g_grads = autograd_call(ref.g, hv.detach().clone(), grad_output=dz)
        _, _, f_grads = autograd_call(ref.f, xv.clone(), grad_output=dh)
        for prefix, part in (("g.", g_grads), ("f.", f_grads)):
            for name, g in part.items():
                if g is not None:
                    grads[prefix + name] = grads.get(prefix + name, 0) + g
    lr, eps, wd = 1e-2, 1e-8, 1e-6
    got = model.state_dict()
    changed = 0
    for k, g in grads.items():
        g = g + wd * state[k]  # Adam's weight decay adds wd * w to the gradient
        want = state[k] - lr * g / (g.abs() + eps)  # the first Adam step: m_hat = g, v_hat = g^2
        step = got[k].float() - state[k].float()
        assert bool((step.abs() <= lr * 1.001 + 1e-6).all()), f"{k}: one Adam step moves each weight by at most lr"
        sure = g.abs() > 1e-6  # below that, the sign of g is rounding noise
        assert torch.allclose(got[k].float()[sure], want.float()[sure], atol=1e-5), (
            f"{k} after one step differs from one Adam step"
        )
        changed += int(not torch.equal(got[k], state[k]))
    assert changed > 0
