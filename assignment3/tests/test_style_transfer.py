"""Autograder tests for style transfer's losses: hand-worked values, loop references, and gradient checks of gram_matrix and style_loss."""

import numpy as np
import pytest
import torch

from cs231n.style_transfer_pytorch import content_loss, gram_matrix, style_loss, tv_loss

from helpers import num_grad, rel_error
from torch_helpers import autograd_call


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _gram_loops(f, normalize=True):
    """Reference Gram matrices with explicit loops: f (N, C, H, W) numpy -> (N, C, C)."""
    N, C, H, W = f.shape
    G = np.zeros((N, C, C))
    for n in range(N):
        for i in range(C):
            for j in range(C):
                G[n, i, j] = sum(f[n, i, h, w] * f[n, j, h, w] for h in range(H) for w in range(W))
    return G / (C * H * W) if normalize else G


@pytest.mark.points(1)
def test_content_loss_hand_worked():
    cur = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])  # (1, 1, 2, 2)
    orig = torch.tensor([[[[0.0, 2.0], [5.0, 4.0]]]])
    # squared differences 1 + 0 + 4 + 0 = 5
    assert abs(float(content_loss(0.5, cur, orig)) - 2.5) < 1e-6
    assert abs(float(content_loss(3.0, cur, cur))) < 1e-12


@pytest.mark.points(1)
def test_content_loss_matches_reference():
    cur, orig = _randn(1, 4, 3, 5, seed=1), _randn(1, 4, 3, 5, seed=2)
    expected = 0.7 * ((cur - orig) ** 2).sum().item()
    assert rel_error(float(content_loss(0.7, cur, orig)), expected) < 1e-9


@pytest.mark.points(1)
def test_gram_matrix_hand_worked():
    # one image, 2 channels, 1 x 2 positions: f0 = [1, 2], f1 = [3, -1]
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, -1.0]]]])  # (1, 2, 1, 2)
    raw = [[5.0, 1.0], [1.0, 10.0]]  # f0.f0 = 5, f0.f1 = 3 - 2 = 1, f1.f1 = 10
    G = gram_matrix(f, normalize=False)
    assert tuple(G.shape) == (1, 2, 2)
    assert torch.allclose(G, torch.tensor([raw])), f"unnormalised Gram {G.tolist()}, expected {[raw]}"
    G = gram_matrix(f)  # normalised by C * H * W = 4
    assert torch.allclose(G, torch.tensor([raw]) / 4), "normalize=True divides by C * H * W"


@pytest.mark.points(1)
def test_gram_matrix_matches_loops_on_a_batch():
    f = _randn(2, 3, 4, 5, seed=3)
    for normalize in (True, False):
        G = gram_matrix(f, normalize=normalize)
        assert tuple(G.shape) == (2, 3, 3), f"Gram shape {tuple(G.shape)}, expected (N, C, C) = (2, 3, 3)"
        assert rel_error(G.numpy(), _gram_loops(f.numpy(), normalize)) < 1e-9


@pytest.mark.points(1)
def test_gram_matrix_gradient_check():
    f = _randn(1, 3, 2, 3, seed=4)
    upstream = _randn(1, 3, 3, seed=5)
    _, (df,), _ = autograd_call(gram_matrix, f, grad_output=upstream)
    expected = num_grad(lambda a: gram_matrix(torch.from_numpy(a)).numpy(), f.numpy().copy(), df=upstream.numpy())
    assert df is not None, "gram_matrix's output must depend on its input through autograd"
    assert rel_error(df.numpy(), expected) < 1e-6


def _style_setup(seed=0):
    feats = [_randn(1, 2, 4, 4, seed=seed), _randn(1, 3, 3, 3, seed=seed + 1), _randn(1, 4, 2, 2, seed=seed + 2)]
    layers = [0, 2]
    targets = [gram_matrix_ref(_randn(1, 2, 4, 4, seed=seed + 10)), gram_matrix_ref(_randn(1, 4, 2, 2, seed=seed + 11))]
    weights = [0.3, 2.0]
    return feats, layers, targets, weights


def gram_matrix_ref(f):
    return torch.from_numpy(_gram_loops(f.numpy()))


@pytest.mark.points(2)
def test_style_loss_matches_reference():
    feats, layers, targets, weights = _style_setup()
    expected = sum(
        w * ((gram_matrix_ref(feats[layer]) - t) ** 2).sum().item() for layer, t, w in zip(layers, targets, weights)
    )
    got = float(style_loss(feats, layers, targets, weights))
    assert rel_error(got, expected) < 1e-9, f"style loss {got}, expected {expected}"
    # a layer not listed does not count; an identical Gram matrix costs nothing
    assert abs(float(style_loss(feats, [1], [gram_matrix_ref(feats[1])], [5.0]))) < 1e-12


@pytest.mark.points(2)
def test_style_loss_gradient_check():
    # d/dF of w * ||G - A||^2, G = F F^T / (C H W), is 4 w (G - A) F / (C H W) for each layer (G, A symmetric)
    feats, layers, targets, weights = _style_setup(seed=20)
    for k, layer in enumerate(layers):

        def loss_of(a, k=k, layer=layer):
            fs = list(feats)
            fs[layer] = torch.from_numpy(a)
            return np.array(float(style_loss(fs, layers, targets, weights)))

        f = feats[layer]
        _, C, H, W = f.shape
        G = gram_matrix_ref(f)
        analytic = 4 * weights[k] * torch.bmm(G - targets[k], f.reshape(1, C, H * W)).reshape(f.shape) / (C * H * W)
        numeric = num_grad(loss_of, f.numpy().copy())
        assert rel_error(numeric, analytic.numpy()) < 1e-5, f"style loss gradient at layer {layer} is wrong"


@pytest.mark.points(1)
def test_tv_loss_hand_worked():
    img = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])  # (1, 1, 2, 2)
    # vertical (2 - 0)^2 + (4 - 1)^2 = 13, horizontal (1 - 0)^2 + (4 - 2)^2 = 5
    assert abs(float(tv_loss(img, 0.5)) - 9.0) < 1e-6


@pytest.mark.points(1)
def test_tv_loss_matches_loops():
    img = _randn(1, 3, 4, 5, seed=6)
    a = img.numpy()[0]
    expected = 0.0
    for c in range(3):
        for h in range(4):
            for w in range(5):
                if h + 1 < 4:
                    expected += (a[c, h + 1, w] - a[c, h, w]) ** 2
                if w + 1 < 5:
                    expected += (a[c, h, w + 1] - a[c, h, w]) ** 2
    assert rel_error(float(tv_loss(img, 2.5)), 2.5 * expected) < 1e-9
