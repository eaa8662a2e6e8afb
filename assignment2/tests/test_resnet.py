"""Autograder: the numpy residual block and SmallResNet (cs231n/classifiers/resnet.py) against central differences."""

import numpy as np
import pytest

from cs231n.classifiers.resnet import SmallResNet, residual_block_backward, residual_block_forward
from helpers import num_grad, rel_error


def _block_params(rng, C, F, project):
    p = {
        "w1": rng.standard_normal((F, C, 3, 3)) * 0.5,
        "gamma1": 1 + 0.1 * rng.standard_normal(F),
        "beta1": 0.1 * rng.standard_normal(F),
        "w2": rng.standard_normal((F, F, 3, 3)) * 0.5,
        "gamma2": 1 + 0.1 * rng.standard_normal(F),
        "beta2": 0.1 * rng.standard_normal(F),
    }
    if project:
        p.update(
            ws=rng.standard_normal((F, C, 1, 1)),
            gammas=1 + 0.1 * rng.standard_normal(F),
            betas=0.1 * rng.standard_normal(F),
        )
    return p


def _check_block(C, F, stride, project, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, C, 6, 5))  # even height: stride 2 rounds down
    p = _block_params(rng, C, F, project)
    n_bn = 3 if project else 2

    def f(*_):
        return residual_block_forward(x, p, [{"mode": "train"} for _ in range(n_bn)], stride)[0]

    out, cache = residual_block_forward(x, p, [{"mode": "train"} for _ in range(n_bn)], stride)
    assert out.shape == (3, F, (6 - 1) // stride + 1, (5 - 1) // stride + 1)
    assert np.all(out >= 0), "the block ends with a ReLU"
    dout = rng.standard_normal(out.shape)
    dx, grads = residual_block_backward(dout, cache)
    assert set(grads) == set(p)
    assert rel_error(dx, num_grad(f, x, dout)) < 1e-6
    for k in p:
        assert grads[k].shape == p[k].shape, k
        assert rel_error(grads[k], num_grad(f, p[k], dout)) < 1e-6, k


@pytest.mark.points(3)
def test_identity_block_gradients():
    _check_block(C=4, F=4, stride=1, project=False, seed=0)


@pytest.mark.points(3)
def test_projection_block_gradients():
    _check_block(C=3, F=4, stride=2, project=True, seed=1)


def test_identity_block_forward_by_hand():
    """With w2 = 0 and beta2 = 0 the body adds nothing: out = relu(x)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 4))
    p = _block_params(rng, 3, 3, False)
    p["w2"][:] = 0
    p["beta2"][:] = 0
    out, _ = residual_block_forward(x, p, [{"mode": "train"}, {"mode": "train"}])
    assert rel_error(out, np.maximum(x, 0)) < 1e-6
    # a block that changes the shape needs a projection shortcut
    with pytest.raises(ValueError, match="projection"):
        residual_block_forward(
            rng.standard_normal((2, 3, 4, 4)), _block_params(rng, 3, 5, False), [{"mode": "train"}, {"mode": "train"}]
        )


@pytest.mark.points(2)
def test_small_resnet_loss_and_gradients():
    rng = np.random.default_rng(4)
    model = SmallResNet(
        input_dim=(3, 8, 8), filters=(4, 6), blocks_per_stage=1, num_classes=5, reg=0.1, dtype=np.float64, seed=0
    )
    X = rng.standard_normal((4, 3, 8, 8))
    y = rng.integers(0, 5, 4)
    assert model.loss(X).shape == (4, 5)
    model.reg = 0.0
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(5)) < 1.0, f"initial loss {loss} should be near ln 5 = {np.log(5):.3f}"
    model.reg = 0.1
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in ["W0", "b0_gamma1", "b1_ws", "b1_gamma2", "b_fc"]:
        ng = num_grad(lambda _: model.loss(X, y)[0], model.params[name])
        assert rel_error(grads[name], ng) < 1e-5, name


def test_block_matches_torch_on_even_input_with_stride_2():
    """Output size and values against the same block in PyTorch (train-mode batchnorm) on a 32x32-style even map."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 8, 8))
    p = _block_params(rng, 3, 4, True)
    out, _ = residual_block_forward(x, p, [{"mode": "train"} for _ in range(3)], stride=2)
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    bn = lambda h, g, b: F.batch_norm(h, None, None, g, b, training=True, eps=1e-5)
    tx = torch.from_numpy(x)
    h = F.relu(bn(F.conv2d(tx, t["w1"], stride=2, padding=1), t["gamma1"], t["beta1"]))
    h = bn(F.conv2d(h, t["w2"], padding=1), t["gamma2"], t["beta2"])
    s = bn(F.conv2d(tx, t["ws"], stride=2), t["gammas"], t["betas"])
    ref = F.relu(h + s).numpy()
    assert out.shape == ref.shape == (2, 4, 4, 4)
    assert rel_error(out, ref) < 1e-6
