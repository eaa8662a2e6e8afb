"""Autograder tests for cs231n/ddpm.py: schedule identities, the closed-form forward process, the loss, one sampler step, guidance.

References are computed here from the betas (cumulative products, the DDPM formulas); the
network is the package's own UNet (given code), built small and seeded, and is only
called. Submitted code is reached only through data and the objects it builds itself.
"""

import math

import pytest
import torch

from cs231n.ddpm import NULL_CLASS, UNet, compute_schedule, ddpm_loss, guided_noise, p_sample_step, q_sample

T = 50


def _betas():
    return torch.linspace(1e-3, 0.2, T, dtype=torch.float64)


def _ref(betas):
    alphas = 1 - betas
    ab = torch.cumprod(alphas, 0)
    ab_prev = torch.cat([torch.ones(1, dtype=torch.float64), ab[:-1]])
    return alphas, ab, betas * (1 - ab_prev) / (1 - ab)


def _model():
    return UNet(ch=8, emb_dim=16, seed=0).double().eval()


def _images(n, seed):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


@pytest.mark.points(2)
def test_schedule_identities():
    betas = _betas()
    s = compute_schedule(betas)
    alphas, ab, post = _ref(betas)
    assert torch.allclose(s["alphas"].double(), alphas)
    assert torch.allclose(s["alpha_bars"].double(), ab, rtol=1e-10)
    assert (s["alpha_bars"][1:] < s["alpha_bars"][:-1]).all(), "alpha_bar must decrease with t"
    assert torch.allclose(s["sqrt_alpha_bars"].double() ** 2, ab, rtol=1e-10)
    assert torch.allclose(s["sqrt_one_minus_alpha_bars"].double() ** 2, 1 - ab, rtol=1e-10)
    assert torch.allclose(s["posterior_variance"].double(), post, rtol=1e-10, atol=1e-15)
    assert float(s["posterior_variance"][0]) == 0.0


@pytest.mark.points(1)
def test_q_sample_closed_form():
    s = compute_schedule(_betas())
    _, ab, _ = _ref(_betas())
    x0, noise = _images(4, 0), _images(4, 1)
    t = torch.tensor([0, 10, 25, T - 1])
    got = q_sample(x0, t, noise, s)
    ref = ab[t].sqrt().view(-1, 1, 1, 1) * x0 + (1 - ab[t]).sqrt().view(-1, 1, 1, 1) * noise
    assert tuple(got.shape) == (4, 1, 28, 28)
    assert torch.allclose(got, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.points(1)
def test_q_sample_mean_and_variance_over_many_draws():
    s = compute_schedule(_betas())
    _, ab, _ = _ref(_betas())
    n, t_step = 4000, 20
    x0 = _images(1, 2).expand(n, 1, 28, 28)
    noise = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    xt = q_sample(x0, torch.full((n,), t_step), noise, s)
    mean_err = (xt.mean(0) - math.sqrt(ab[t_step]) * x0[0]).abs().max()
    var = xt.var(0).mean()
    assert mean_err < 5 * math.sqrt((1 - ab[t_step]) / n), f"mean off by {float(mean_err):.4f}"
    assert abs(float(var) - float(1 - ab[t_step])) < 0.02, f"variance {float(var):.4f} vs {float(1 - ab[t_step]):.4f}"


@pytest.mark.points(2)
def test_loss_is_mse_to_the_true_noise():
    s = compute_schedule(_betas())
    _, ab, _ = _ref(_betas())
    model = _model()
    x0, noise = _images(3, 4), _images(3, 5)
    t = torch.tensor([3, 17, 40])
    labels = torch.tensor([1, 7, NULL_CLASS])
    got = ddpm_loss(model, x0, t, noise, s, labels)
    xt = ab[t].sqrt().view(-1, 1, 1, 1) * x0 + (1 - ab[t]).sqrt().view(-1, 1, 1, 1) * noise
    with torch.no_grad():
        ref = ((model(xt, t, labels) - noise) ** 2).mean()
    assert got.dim() == 0
    assert torch.allclose(got.detach(), ref, rtol=1e-9)


@pytest.mark.points(2)
def test_one_sampler_step_matches_the_formula():
    betas = _betas()
    s = compute_schedule(betas)
    alphas, ab, post = _ref(betas)
    model = _model()
    x, z = _images(2, 6), _images(2, 7)
    labels = torch.tensor([3, 8])
    for t in (30, 0):
        with torch.no_grad():
            got = p_sample_step(model, x, t, s, z, labels, 0.0)
            eps = model(x, torch.full((2,), t), labels)
        mean = (x - betas[t] / (1 - ab[t]).sqrt() * eps) / alphas[t].sqrt()
        ref = mean + (post[t].sqrt() * z if t > 0 else 0)
        assert torch.allclose(got, ref, rtol=1e-8, atol=1e-10), f"step at t={t}"


@pytest.mark.points(2)
def test_guidance_zero_is_conditional_and_weight_mixes():
    model = _model()
    x = _images(2, 8)
    t = torch.tensor([5, 44])
    labels = torch.tensor([2, 9])
    null = torch.full((2,), NULL_CLASS)
    with torch.no_grad():
        cond, uncond = model(x, t, labels), model(x, t, null)
        assert torch.allclose(guided_noise(model, x, t, labels, 0.0), cond, rtol=1e-10)
        assert torch.allclose(guided_noise(model, x, t, None, 3.0), uncond, rtol=1e-10)
        assert torch.allclose(guided_noise(model, x, t, labels, 2.5), 3.5 * cond - 2.5 * uncond, rtol=1e-8, atol=1e-10)
