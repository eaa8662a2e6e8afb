"""Autograder tests for CaptioningTransformer: loss at initialisation, causal decoding, overfitting 50 captions, greedy sampling that stops at <END>."""

import math

import numpy as np
import pytest
import torch

from cs231n.captioning_solver_transformer import CaptioningSolverTransformer
from cs231n.classifiers.transformer import CaptioningTransformer

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"w{i}" for i in range(16)]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}
V, D, T = len(WORDS), 24, 12


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t, dtype=np.float64)


def _toy_data(num_captions=50, seed=0):
    """One caption per image: <START> 4..10 random words <END> <NULL>..., and random image features."""
    rng = np.random.default_rng(seed)
    captions = np.zeros((num_captions, T), dtype=np.int32)
    for n in range(num_captions):
        L = rng.integers(4, 11)
        captions[n, 0] = WORD_TO_IDX["<START>"]
        captions[n, 1 : L + 1] = rng.integers(4, V, size=L)
        captions[n, L + 1] = WORD_TO_IDX["<END>"]
    features = rng.standard_normal((num_captions, D)).astype(np.float32)
    idx = np.arange(num_captions, dtype=np.int32)
    return {
        "train_captions": captions,
        "train_image_idxs": idx,
        "train_features": features,
        "val_captions": captions,
        "val_image_idxs": idx,
        "val_features": features,
        "word_to_idx": dict(WORD_TO_IDX),
        "idx_to_word": list(WORDS),
    }


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)  # the model's own initialisation draws from torch's global generator
    opts = dict(input_dim=D, wordvec_dim=32, num_heads=2, num_layers=2, max_length=20, dropout=0.0)
    opts.update(kwargs)
    return CaptioningTransformer(dict(WORD_TO_IDX), **opts)


@pytest.fixture(scope="module")
def overfit():
    data = _toy_data()
    model = _model(seed=1, wordvec_dim=64, dim_feedforward=128)
    solver = CaptioningSolverTransformer(
        model, data, learning_rate=2e-3, num_epochs=200, batch_size=25, verbose=False, seed=0
    )
    solver.train()
    return data, model, solver


@pytest.mark.points(1)
def test_loss_at_initialisation_is_near_log_vocabulary():
    data = _toy_data(seed=3)
    model = _model(seed=2)
    model.eval()
    features = torch.from_numpy(data["train_features"])
    captions = torch.from_numpy(data["train_captions"]).long()
    scores = model(features, captions[:, :-1])
    assert tuple(scores.shape) == (50, T - 1, V), f"scores have shape {tuple(scores.shape)}, want (N, T, V)"
    loss = float(_np(model.loss(features, captions)))
    assert abs(loss - math.log(V)) < 0.15, (
        f"loss at initialisation {loss:.3f}, expected about log(V) = {math.log(V):.3f}"
    )


@pytest.mark.points(1)
def test_later_words_do_not_change_earlier_scores():
    data = _toy_data(num_captions=4, seed=4)
    model = _model(seed=3)
    model.eval()
    features = torch.from_numpy(data["train_features"])
    captions = torch.from_numpy(data["train_captions"]).long()
    scores = _np(model(features, captions))
    for j in (2, 5, 9):
        changed = captions.clone()
        changed[:, j] = (changed[:, j] + 3) % V
        scores2 = _np(model(features, changed))
        np.testing.assert_allclose(
            scores2[:, :j], scores[:, :j], atol=1e-5, err_msg=f"changing word {j} changed the scores before it"
        )
        assert not np.allclose(scores2[:, j:], scores[:, j:]), f"changing word {j} changed nothing after it"
    # the image matters: other features, other scores
    scores3 = _np(model(features.flip(0), captions))
    assert not np.allclose(scores3, scores), "the scores ignore the image features (cross-attention)"


@pytest.mark.points(2)
def test_overfits_50_captions(overfit):
    _, _, solver = overfit
    losses = solver.loss_history
    assert losses[0] > 2.0, f"first loss {losses[0]:.3f}: expected about log(V) = {math.log(V):.2f}"
    assert losses[-1] < 0.1, f"final training loss {losses[-1]:.4f} after overfitting 50 captions; want < 0.1"


@pytest.mark.points(1)
def test_sample_reproduces_captions_and_stops_at_end(overfit):
    data, model, _ = overfit
    out = np.asarray(model.sample(data["train_features"][:10], max_length=15))
    assert out.shape == (10, 15), f"sample returned shape {out.shape}, want (N, max_length) = (10, 15)"
    end, null = WORD_TO_IDX["<END>"], WORD_TO_IDX["<NULL>"]
    for n in range(10):
        ref = data["train_captions"][n, 1:]
        L = int(np.argmax(ref == end))  # words before <END>
        np.testing.assert_array_equal(out[n, : L + 1], ref[: L + 1], err_msg=f"caption {n} (then <END>)")
        assert np.all(out[n, L + 1 :] == null), f"caption {n} continues after <END>: {out[n].tolist()}"
