"""Tests for the given SimCLR code: augmentations keep shapes and ranges and are seeded; the model and evaluations.

Given code, not graded: GRADED = False tells the release validator to skip this module.
"""

import os

import numpy as np
import pytest
import torch

from cs231n.simclr import (
    SimCLRModel,
    compute_train_transform,
    knn_accuracy,
    linear_probe,
    random_crop_flip,
    to_tensor,
)
from cs231n.simclr.model import load_shipped_encoder

GRADED = False


def _images(n=8, seed=0):
    return torch.rand(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def test_augment_keeps_shape_range_and_is_seeded():
    x = _images()
    a = compute_train_transform(x, torch.Generator().manual_seed(5))
    b = compute_train_transform(x, torch.Generator().manual_seed(5))
    c = compute_train_transform(x, torch.Generator().manual_seed(6))
    assert a.shape == x.shape and a.dtype == x.dtype
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.allclose(a, x)


def test_crop_of_full_scale_without_flip_is_identity():
    x = _images(3)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), scale=(1.0, 1.0), ratio=(1.0, 1.0), flip=False)
    assert torch.allclose(out, x, atol=1e-5)


def test_grayscale_always_gives_equal_channels():
    x = _images(4)
    out = compute_train_transform(x, torch.Generator().manual_seed(1), p_gray=1.0)
    assert torch.allclose(out[:, 0], out[:, 1], atol=1e-5) and torch.allclose(out[:, 1], out[:, 2], atol=1e-5)


def test_to_tensor_and_model_shapes():
    X = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    X[..., 0] = 255
    t = to_tensor(X)
    assert t.shape == (2, 3, 32, 32) and float(t[:, 0].min()) == 1.0
    h, z = SimCLRModel(width=4, projection_dim=8)(_images(3))
    assert h.shape == (3, 32) and z.shape == (3, 8)


def test_probes_separate_separable_features():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    feats = rng.standard_normal((120, 5)) + 4 * np.eye(3, 5)[y]
    acc, _ = linear_probe(feats[::2], y[::2], feats[1::2], y[1::2])
    assert acc > 0.95
    assert knn_accuracy(feats[::2], y[::2], feats[1::2], y[1::2], k=5) > 0.95


def test_shipped_encoder_loads_and_is_verified():
    enc = load_shipped_encoder()
    assert enc(_images(2)).shape == (2, enc.feature_dim)


def test_train_resumes_from_checkpoint_exactly(tmp_path):
    """A run stopped mid-way and run again with its checkpoint ends with the same weights and losses as one run."""
    from cs231n.simclr import train

    X = (_images(48, seed=3) * 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (48, 32, 32, 3)
    kw = dict(epochs=2, batch_size=16, seed=1)  # 3 steps an epoch

    torch.manual_seed(0)
    straight = SimCLRModel(width=4, projection_dim=8)
    losses = train(straight, X, **kw)

    class Stop(Exception):
        pass

    def crash(step, total, loss):
        if step == 5:  # in the second epoch: the checkpoint holds the first one
            raise Stop

    ckpt = str(tmp_path / "run.ckpt")
    torch.manual_seed(0)
    try:
        train(SimCLRModel(width=4, projection_dim=8), X, log=crash, checkpoint=ckpt, **kw)
    except Stop:
        pass
    assert torch.load(ckpt, weights_only=True)["step"] == 3
    torch.manual_seed(123)  # other initial weights: the checkpoint must replace them
    resumed = SimCLRModel(width=4, projection_dim=8)
    resumed_losses = train(resumed, X, checkpoint=ckpt, **kw)
    assert len(resumed_losses) == len(losses) == 6
    np.testing.assert_allclose(resumed_losses, losses, rtol=1e-6)
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), name
    assert not os.path.exists(ckpt + ".tmp")


def test_train_refuses_a_checkpoint_of_other_settings(tmp_path):
    from cs231n.simclr import train

    X = (_images(32, seed=4) * 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    ckpt = str(tmp_path / "run.ckpt")
    train(SimCLRModel(width=4, projection_dim=8), X, epochs=1, batch_size=16, checkpoint=ckpt)
    with pytest.raises(ValueError, match="other settings.*tau: 0.3 there, 0.5 here"):
        train(SimCLRModel(width=4, projection_dim=8), X, epochs=1, batch_size=16, tau=0.5, checkpoint=ckpt)
