"""Autograder tests for the Vision Transformer: patch embedding (shapes, token count, patch order), class token and positions, one training step lowers the loss."""

import numpy as np
import pytest
import torch

from cs231n.budget_training import make_optimizer, train_step
from cs231n.classifiers.transformer import VisionTransformer
from cs231n.transformer_layers import PatchEmbedding


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t, dtype=np.float64)


@pytest.mark.points(1)
def test_patch_embedding_shapes_and_order():
    N, C, S, P = 2, 3, 8, 4
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, C, S, S, generator=gen)
    embed = PatchEmbedding(S, P, in_channels=C, embed_dim=C * P * P)
    # identity projection: each token is its flattened patch
    embed.load_state_dict({"proj.weight": torch.eye(C * P * P), "proj.bias": torch.zeros(C * P * P)})
    out = _np(embed(x))
    assert out.shape == (N, (S // P) ** 2, C * P * P), f"shape {out.shape}, want (N, num_patches, embed_dim)"
    xs = x.numpy()
    for r in range(S // P):
        for c in range(S // P):
            patch = xs[:, :, r * P : (r + 1) * P, c * P : (c + 1) * P].reshape(N, -1)
            np.testing.assert_allclose(out[:, r * (S // P) + c], patch, atol=1e-6, err_msg=f"patch row {r}, col {c}")
    wide = PatchEmbedding(32, 8, in_channels=3, embed_dim=20)
    assert tuple(wide(torch.randn(5, 3, 32, 32, generator=gen)).shape) == (5, 16, 20)


@pytest.mark.points(1)
def test_vit_tokens_and_scores():
    torch.manual_seed(0)
    vit = VisionTransformer(img_size=16, patch_size=4, embed_dim=32, num_layers=2, num_heads=4, dim_feedforward=64)
    vit.eval()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 3, 16, 16, generator=gen)
    tokens = _np(vit.tokens(x))
    assert tokens.shape == (3, 17, 32), f"tokens shape {tokens.shape}, want (N, 1 + 16 patches, 32)"
    state = vit.state_dict()
    cls_pos = _np(state["cls_token"])[0, 0] + _np(state["pos_embed"])[0, 0]
    np.testing.assert_allclose(tokens[:, 0], np.broadcast_to(cls_pos, (3, 32)), atol=1e-6, err_msg="token 0")
    assert not np.allclose(tokens[0, 1:], tokens[1, 1:]), "patch tokens do not depend on the image"
    scores = _np(vit(x))
    assert scores.shape == (3, 10), f"scores shape {scores.shape}, want (N, num_classes)"


@pytest.mark.points(1)
def test_vit_one_step_lowers_the_loss():
    torch.manual_seed(0)
    vit = VisionTransformer(
        img_size=16, patch_size=4, embed_dim=32, num_layers=2, num_heads=2, dim_feedforward=64, dropout=0.0
    )
    gen = torch.Generator().manual_seed(2)
    x, y = torch.randn(16, 3, 16, 16, generator=gen), torch.randint(0, 10, (16,), generator=gen)
    opt = make_optimizer(vit, lr=1e-3, weight_decay=0.0)
    before, _ = train_step(vit, opt, x, y)
    after, _ = train_step(vit, opt, x, y)
    assert after < before - 1e-3, f"loss {before:.4f} -> {after:.4f} after one Adam step on a fixed batch"
