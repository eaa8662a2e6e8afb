"""Tests for the given captioning code: BLEU on hand-worked cases, the stable sigmoid, CaptioningSolver mechanics.

Given code, not graded: GRADED = False tells the release validator to skip this module.
"""

import math
import warnings

import numpy as np
import pytest

from cs231n.bleu import caption_bleu, corpus_bleu, sentence_bleu
from cs231n.captioning_solver import CaptioningSolver
from cs231n.rnn_layers import sigmoid

GRADED = False


def test_bleu_papineni_clipping_example():
    # Papineni et al. 2002: "the the the the the the the" vs "the cat is on the mat" -> unigram precision 2/7
    refs = [["the cat is on the mat", "there is a cat on the mat"]]
    assert math.isclose(corpus_bleu(refs, ["the the the the the the the"], max_n=1), 2 / 7)


def test_bleu4_hand_worked():
    ref = "<START> a red circle left of a green square <END>"
    hyp = "a red circle left of a blue square"
    # precisions 7/8, 5/7, 4/6, 3/5 -> product 1/4, BLEU-4 = (1/4) ** (1/4); equal lengths, BP = 1
    assert math.isclose(corpus_bleu([[ref]], [hyp]), 0.25**0.25)
    assert corpus_bleu([[ref]], ["a red circle left of a green square"]) == 1.0
    # brevity penalty: 3 words against 8, all matching; BLEU-2 = exp(1 - 8/3)
    assert math.isclose(corpus_bleu([[ref]], ["a red circle"], max_n=2), math.exp(1 - 8 / 3))
    # no 4-gram at all: 0 at corpus level, > 0 with the smoothed sentence score
    assert corpus_bleu([[ref]], ["a red circle"]) == 0.0
    assert 0 < sentence_bleu([ref], "a red circle") < 1


def test_bleu_corpus_pools_counts_and_picks_closest_reference():
    refs = [["a b c d"], ["e f g h"]]
    score = corpus_bleu(refs, ["a b c d", "e f x h"], max_n=2)
    # unigrams 7/8, bigrams 4/6 pooled over both sentences
    assert math.isclose(score, math.sqrt(7 / 8 * 4 / 6))
    # closest reference length (5 words, not 2) -> no brevity penalty for a 5-word candidate
    assert math.isclose(corpus_bleu([["x y", "a b c d e"]], ["a b c d e"], max_n=2), 1.0)


def test_caption_bleu_with_a_perfect_model():
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "dog"]
    caps = np.array([[1, 4, 5, 2, 0], [1, 4, 6, 2, 0], [1, 6, 2, 0, 0]], dtype=np.int32)
    data = {
        "idx_to_word": idx_to_word,
        "val_captions": caps,
        "val_image_idxs": np.array([0, 1, 1]),
        "val_features": np.eye(2),
    }

    class Oracle:
        def sample(self, features, max_length=30):
            out = np.zeros((len(features), max_length), dtype=np.int32)
            for n, f in enumerate(features):
                out[n, :3] = [4, 5, 2] if f[0] == 1 else [4, 6, 2]
            return out

    score, images, samples = caption_bleu(Oracle(), data, "val", max_n=2, return_samples=True)
    assert images == [0, 1] and samples == ["a cat", "a dog"] and score == 1.0


def test_sigmoid_is_stable():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings
        s = sigmoid(x)
    assert np.allclose(s, 1 / (1 + np.exp(-np.clip(x, -700, 700))))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5


class _Quadratic:
    """A 'model' whose loss is sum(w**2): enough to drive the solver."""

    def __init__(self):
        self.params = {"w": np.array([1.0, -2.0])}

    def loss(self, features, captions):
        return float(np.sum(self.params["w"] ** 2)), {"w": 2 * self.params["w"]}


def test_captioning_solver_mechanics():
    data = {
        "train_captions": np.zeros((50, 5), dtype=np.int32),
        "train_image_idxs": np.zeros(50, dtype=np.int32),
        "train_features": np.zeros((1, 3)),
        "train_urls": np.array(["u"]),
    }
    model = _Quadratic()
    solver = CaptioningSolver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        lr_decay=0.5,
        batch_size=10,
        num_epochs=3,
        verbose=False,
    )
    solver.train()
    assert len(solver.loss_history) == 15  # 3 epochs x 50 // 10
    assert solver.loss_history[-1] < solver.loss_history[0]
    assert math.isclose(solver.optim_configs["w"]["learning_rate"], 0.1 * 0.5**3)
    with pytest.raises(ValueError, match="Unrecognized"):
        CaptioningSolver(model, data, bogus=1)
    with pytest.raises(ValueError, match="update_rule"):
        CaptioningSolver(model, data, update_rule="nope")


def test_vocabulary_without_start_end_works_for_the_loss_and_sample_says_why_not():
    """The public course's checks use {'<NULL>': 0, 'cat': 2, 'dog': 3}: the model accepts it
    (the constructor is given code); sample(), which needs <START> and <END>, refuses it clearly."""
    from cs231n.classifiers.rnn import CaptioningRNN

    model = CaptioningRNN({"<NULL>": 0, "cat": 2, "dog": 3}, input_dim=4, wordvec_dim=5, hidden_dim=6)
    with pytest.raises(ValueError, match="<START> and <END>"):
        model.sample(np.zeros((2, 4)), max_length=3)
    with pytest.raises(ValueError, match="<NULL>"):
        CaptioningRNN({"cat": 0, "<START>": 1, "<END>": 2}, input_dim=4)
