"""Autograder tests for cs231n/gan_pytorch.py: noise, the GAN and least-squares losses, network shapes and parameter counts, the optimizer.

References are written here: PyTorch's own binary_cross_entropy_with_logits, hand-worked
values, and parameter counts from the layer sizes. Submitted code is reached only through
data and the objects it builds itself (torch_helpers.py's contract).
"""

import math

import pytest
import torch
import torch.nn.functional as F

from cs231n.gan_pytorch import (
    bce_loss,
    build_dc_classifier,
    build_dc_generator,
    discriminator,
    discriminator_loss,
    generator,
    generator_loss,
    get_optimizer,
    ls_discriminator_loss,
    ls_generator_loss,
    sample_noise,
)

from torch_helpers import autograd_call

BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def n_params(model):
    """Number of trainable values, read from the state_dict (BatchNorm's running statistics left out)."""
    return sum(v.numel() for k, v in model.state_dict().items() if not k.endswith(BUFFERS))


def _logits(seed, n=64, scale=3.0):
    return scale * torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.points(1)
def test_sample_noise_shape_range_and_spread():
    z = sample_noise(4000, 7)
    assert tuple(z.shape) == (4000, 7)
    assert z.min() >= -1 and z.max() <= 1
    assert abs(float(z.mean())) < 0.03
    assert abs(float(z.var()) - 1 / 3) < 0.02  # uniform on [-1, 1]: variance 1/3
    assert (z < -0.9).any() and (z > 0.9).any()


@pytest.mark.points(1)
def test_sample_noise_seeding():
    a, b, c = sample_noise(5, 3, seed=1), sample_noise(5, 3, seed=1), sample_noise(5, 3, seed=2)
    assert torch.equal(a, b), "the same seed must give the same noise"
    assert not torch.equal(a, c), "different seeds must give different noise"


@pytest.mark.points(2)
def test_bce_loss_matches_pytorch():
    x = _logits(0)
    target = (torch.arange(64) % 2).double()
    got = bce_loss(x, target)
    assert got.dim() == 0
    assert torch.allclose(got, F.binary_cross_entropy_with_logits(x, target), rtol=1e-9, atol=1e-12)


@pytest.mark.points(1)
def test_bce_loss_stable_for_large_logits():
    x = torch.tensor([100.0, -100.0, 100.0, -100.0], dtype=torch.float64)
    target = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    out, (gx, _), _ = autograd_call(bce_loss, x, target)
    assert torch.isfinite(out) and torch.isfinite(gx).all()
    assert math.isclose(float(out), 50.0, rel_tol=1e-9)  # (0 + 0 + 100 + 100) / 4
    assert torch.allclose(out, F.binary_cross_entropy_with_logits(x, target))
    ref = torch.sigmoid(x) - target  # d/dx of the per-example loss, then / N
    assert torch.allclose(gx, ref / 4, atol=1e-12)


@pytest.mark.points(1)
def test_discriminator_loss_hand_worked_and_reference():
    zero = torch.zeros(3, dtype=torch.float64)
    assert math.isclose(float(discriminator_loss(zero, zero)), 2 * math.log(2), rel_tol=1e-9)
    r, f = _logits(1), _logits(2)
    ref = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + F.binary_cross_entropy_with_logits(
        f, torch.zeros_like(f)
    )
    assert torch.allclose(discriminator_loss(r, f), ref, rtol=1e-9)


@pytest.mark.points(1)
def test_generator_loss_hand_worked_and_reference():
    assert math.isclose(float(generator_loss(torch.zeros(5, dtype=torch.float64))), math.log(2), rel_tol=1e-9)
    f = _logits(3)
    ref = F.binary_cross_entropy_with_logits(f, torch.ones_like(f))
    assert torch.allclose(generator_loss(f), ref, rtol=1e-9)


@pytest.mark.points(1)
def test_ls_losses_hand_worked():
    real = torch.tensor([1.0, 3.0], dtype=torch.float64)
    fake = torch.tensor([0.0, 2.0], dtype=torch.float64)
    # 0.5 * mean((1-1)^2, (3-1)^2) + 0.5 * mean(0^2, 2^2) = 0.5 * 2 + 0.5 * 2 = 2
    assert math.isclose(float(ls_discriminator_loss(real, fake)), 2.0, rel_tol=1e-12)
    # 0.5 * mean((0-1)^2, (2-1)^2) = 0.5
    assert math.isclose(float(ls_generator_loss(fake)), 0.5, rel_tol=1e-12)
    r, f = _logits(4), _logits(5)
    ref = 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean()
    assert torch.allclose(ls_discriminator_loss(r, f), ref, rtol=1e-12)
    assert torch.allclose(ls_generator_loss(f), 0.5 * ((f - 1) ** 2).mean(), rtol=1e-12)


@pytest.mark.points(1)
def test_discriminator_shape_and_parameter_count():
    D = discriminator(seed=0)
    out = D(torch.rand(6, 784) * 2 - 1)
    assert tuple(out.shape) == (6, 1)
    assert n_params(D) == (784 * 256 + 256) + (256 * 256 + 256) + (256 + 1)


@pytest.mark.points(1)
def test_generator_shape_range_and_parameter_count():
    G = generator(noise_dim=4, seed=0)
    out = G(torch.rand(5, 4) * 2 - 1)
    assert tuple(out.shape) == (5, 784)
    assert out.min() >= -1 and out.max() <= 1  # tanh output
    assert n_params(G) == (4 * 1024 + 1024) + (1024 * 1024 + 1024) + (1024 * 784 + 784)


@pytest.mark.points(1)
def test_get_optimizer_is_adam_with_course_settings():
    opt = get_optimizer(discriminator(seed=0))
    group = opt.state_dict()["param_groups"][0]
    assert math.isclose(group["lr"], 1e-3) and tuple(group["betas"]) == (0.5, 0.999)
    assert len(group["params"]) == 6  # three Linear layers, weight and bias each
    assert "amsgrad" in group and "momentum" not in group  # Adam's options, not SGD's


@pytest.mark.points(2)
def test_dc_classifier_shape_and_parameter_count():
    D = build_dc_classifier(seed=0)
    out = D(torch.rand(3, 784) * 2 - 1)
    assert tuple(out.shape) == (3, 1)
    conv = (1 * 32 * 25 + 32) + (32 * 64 * 25 + 64)
    fc = (1024 * 1024 + 1024) + (1024 + 1)
    assert n_params(D) == conv + fc


@pytest.mark.points(2)
def test_dc_generator_shape_range_and_parameter_count():
    G = build_dc_generator(noise_dim=96, seed=0)
    out = G(torch.rand(4, 96) * 2 - 1)
    assert tuple(out.shape) == (4, 784)
    assert out.min() >= -1 and out.max() <= 1
    fc = (96 * 1024 + 1024) + (1024 * 6272 + 6272)
    bn = 2 * 1024 + 2 * 6272 + 2 * 64
    convt = (128 * 64 * 16 + 64) + (64 * 1 * 16 + 1)
    assert n_params(G) == fc + bn + convt
    bn_stats = [k for k in G.state_dict() if k.endswith("running_mean")]
    assert len(bn_stats) == 3, "three BatchNorm layers (after both Linear layers and the first ConvTranspose)"
