"""Autograder: PyTorch.ipynb's fill-ins (cs231n/torch_nets.py): barebones functions, modules, Sequential nets, augmentation."""

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from numpy.lib.stride_tricks import sliding_window_view

from cs231n import torch_nets as tn
from helpers import rel_error


def _conv_np(x, w, b, pad):
    """Reference convolution (stride 1) in numpy: x (N, C, H, W), w (F, C, k, k) -> (N, F, H', W')."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # (N, C, H', W', k, k)
    return np.einsum("nchwij,fcij->nfhw", win, w) + b[None, :, None, None]


def test_flatten():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    out = tn.flatten(x)
    assert tuple(out.shape) == (2, 60)
    np.testing.assert_array_equal(out.numpy(), np.arange(120).reshape(2, 60))


@pytest.mark.points(2)
def test_random_weight_kaiming_statistics():
    g = torch.Generator().manual_seed(0)
    w = tn.random_weight((1000, 400), generator=g)
    assert tuple(w.shape) == (1000, 400) and w.requires_grad and w.dtype == torch.float32
    w = w.detach()
    assert abs(float(w.std()) / math.sqrt(2 / 1000) - 1) < 0.03  # fan_in = D_in for x.mm(w)
    assert abs(float(w.mean())) < 0.01 * math.sqrt(2 / 1000) * 10
    w = tn.random_weight((64, 32, 3, 3), generator=g)
    assert w.requires_grad
    w = w.detach()
    assert tuple(w.shape) == (64, 32, 3, 3)
    assert abs(float(w.std()) / math.sqrt(2 / (32 * 9)) - 1) < 0.05  # fan_in = C * HH * WW


@pytest.mark.points(2)
def test_two_layer_fc_forward():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4, 5)).astype(np.float32)
    w1 = rng.standard_normal((60, 7)).astype(np.float32)
    w2 = rng.standard_normal((7, 10)).astype(np.float32)
    out = tn.two_layer_fc(torch.from_numpy(x), [torch.from_numpy(w1), torch.from_numpy(w2)])
    assert tuple(out.shape) == (8, 10)
    ref = np.maximum(x.reshape(8, -1) @ w1, 0) @ w2
    assert rel_error(out.detach().numpy(), ref) < 1e-4


@pytest.mark.points(3)
def test_three_layer_convnet_forward():
    rng = np.random.default_rng(1)
    N, H, W, c1, c2, C = 2, 8, 6, 4, 5, 3
    x = rng.standard_normal((N, 3, H, W))
    p = [
        rng.standard_normal((c1, 3, 5, 5)) * 0.2,
        rng.standard_normal(c1),
        rng.standard_normal((c2, c1, 3, 3)) * 0.2,
        rng.standard_normal(c2),
        rng.standard_normal((c2 * H * W, C)) * 0.1,
        rng.standard_normal(C),
    ]
    out = tn.three_layer_convnet(torch.from_numpy(x), [torch.from_numpy(a) for a in p])
    assert tuple(out.shape) == (N, C)
    h1 = np.maximum(_conv_np(x, p[0], p[1], 2), 0)
    h2 = np.maximum(_conv_np(h1, p[2], p[3], 1), 0)
    ref = h2.reshape(N, -1) @ p[4] + p[5]
    assert rel_error(out.detach().numpy(), ref) < 1e-8


def _n_params(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.points(2)
def test_two_layer_fc_module():
    torch.manual_seed(0)
    m = tn.TwoLayerFC(3 * 32 * 32, 500, 10)
    assert _n_params(m) == 3072 * 500 + 500 + 500 * 10 + 10
    assert tuple(m(torch.zeros(4, 3, 32, 32)).shape) == (4, 10)
    weights = [p for p in m.parameters() if p.dim() == 2]
    big = max(weights, key=lambda p: p.numel())
    assert abs(float(big.detach().std()) / math.sqrt(2 / 3072) - 1) < 0.05  # Kaiming normal
    assert all(float(p.detach().abs().max()) == 0 for p in m.parameters() if p.dim() == 1)


@pytest.mark.points(2)
def test_three_layer_convnet_module():
    torch.manual_seed(0)
    m = tn.ThreeLayerConvNet(3, 12, 8, 10)
    assert _n_params(m) == (12 * 3 * 25 + 12) + (8 * 12 * 9 + 8) + (8 * 32 * 32 * 10 + 10)
    assert tuple(m(torch.randn(2, 3, 32, 32)).shape) == (2, 10)
    convs = [p for p in m.parameters() if p.dim() == 4]
    assert len(convs) == 2 and tuple(convs[0].shape) == (12, 3, 5, 5) and tuple(convs[1].shape) == (8, 12, 3, 3)
    assert abs(float(convs[1].detach().std()) / math.sqrt(2 / (12 * 9)) - 1) < 0.15


@pytest.mark.points(2)
def test_sequential_nets():
    m = tn.sequential_two_layer_fc(3072, 100, 10)
    assert isinstance(m, nn.Sequential)
    assert _n_params(m) == 3072 * 100 + 100 + 100 * 10 + 10
    assert tuple(m(torch.zeros(3, 3, 32, 32)).shape) == (3, 10)
    m = tn.sequential_three_layer_convnet(16, 8, 10)
    assert isinstance(m, nn.Sequential)
    assert _n_params(m) == (16 * 75 + 16) + (8 * 16 * 9 + 8) + (8 * 1024 * 10 + 10)
    assert tuple(m(torch.zeros(3, 3, 32, 32)).shape) == (3, 10)


def _is_crop_flip_of(img, padded, padding):
    """True when img (C, H, W) equals some crop of padded (C, H + 2p, W + 2p), possibly mirrored."""
    C, H, W = img.shape
    for dy in range(2 * padding + 1):
        for dx in range(2 * padding + 1):
            crop = padded[:, dy : dy + H, dx : dx + W]
            if np.array_equal(crop, img) or np.array_equal(crop[:, :, ::-1], img):
                return True
    return False


@pytest.mark.points(3)
def test_random_crop_flip_is_a_crop_or_flip():
    x = torch.randn(16, 3, 10, 12)
    x0 = x.clone()
    out = tn.random_crop_flip(x, padding=3, generator=torch.Generator().manual_seed(0))
    assert tuple(out.shape) == tuple(x.shape) and out.dtype == x.dtype
    assert torch.equal(x, x0), "the input must not be modified"
    padded = np.pad(x.numpy(), ((0, 0), (0, 0), (3, 3), (3, 3)))
    for i in range(16):
        assert _is_crop_flip_of(out[i].numpy(), padded[i], 3), f"image {i} is not a shifted/mirrored crop"
    assert sum(not torch.equal(out[i], x[i]) for i in range(16)) >= 8, "the augmentation should change most images"


def test_random_crop_flip_seedable_and_random():
    x = torch.randn(32, 3, 8, 8)
    a = tn.random_crop_flip(x, generator=torch.Generator().manual_seed(5))
    b = tn.random_crop_flip(x, generator=torch.Generator().manual_seed(5))
    c = tn.random_crop_flip(x, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a, b), "the same seed must give the same augmentation"
    assert not torch.equal(a, c), "different seeds should give different augmentations"
    # padding 0 and no flip is the identity; flip alone mirrors about half of the images
    assert torch.equal(tn.random_crop_flip(x, padding=0, flip=False), x)
    f = tn.random_crop_flip(x, padding=0, generator=torch.Generator().manual_seed(1))
    mirrored = sum(torch.equal(f[i], x[i].flip(2)) for i in range(32))
    assert 6 <= mirrored <= 26 and all(torch.equal(f[i], x[i]) or torch.equal(f[i], x[i].flip(2)) for i in range(32))


def test_augmentation_keeps_labels_in_loader():
    from cs231n.torch_utils import TensorLoader

    X = torch.arange(20, dtype=torch.float32).reshape(20, 1, 1, 1).repeat(1, 3, 4, 4)  # image i is all i
    y = torch.arange(20)
    loader = TensorLoader(
        X,
        y,
        6,
        shuffle=True,
        seed=0,
        augment=functools.partial(tn.random_crop_flip, padding=1),  # data and submitted code only (grader)
    )
    for xb, yb in loader:
        assert tuple(xb.shape[1:]) == (3, 4, 4)
        centre = xb[:, 0, 1:3, 1:3].reshape(len(yb), -1)  # a 1-pixel shift keeps the centre inside
        assert torch.equal(centre.max(1).values, yb.float())


def test_challenge_model_shapes():
    torch.manual_seed(0)
    m = tn.make_challenge_model()
    assert tuple(m(torch.randn(2, 3, 32, 32)).shape) == (2, 10)
    opt, sched, opts = tn.challenge_training_setup(m, epochs=2, steps_per_epoch=3)
    assert isinstance(opt, torch.optim.Optimizer) and "label_smoothing" in opts
