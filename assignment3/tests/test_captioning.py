"""Autograder tests for CaptioningRNN: loss against a step-by-step recomputation, gradients, greedy sampling."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from cs231n.classifiers.rnn import CaptioningRNN

from helpers import num_grad

WORD_TO_IDX = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "cat": 4, "dog": 5, "red": 6}


def scaled_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a) + np.abs(b))))


def _model(cell_type, seed, D=5, W=4, H=6):
    np.random.seed(seed)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type, dtype=np.float64)
    rng = np.random.RandomState(seed + 100)
    for k in model.params:  # non-zero biases too, so every path is exercised
        model.params[k] = 0.5 * rng.randn(*model.params[k].shape)
    return model


def _step(p, cell_type, x, h, c):
    """One recurrent step written out, for the reference recomputation."""
    a = x @ p["Wx"] + h @ p["Wh"] + p["b"]
    if cell_type == "rnn":
        return np.tanh(a), c
    H = h.shape[1]
    i, f, o, g = expit(a[:, :H]), expit(a[:, H : 2 * H]), expit(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c = f * c + i * g
    return o * np.tanh(c), c


def _reference_loss(model, features, captions):
    p = model.params
    N, T1 = captions.shape
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    total = 0.0
    for t in range(T1 - 1):
        h, c = _step(p, model.cell_type, p["W_embed"][captions[:, t]], h, c)
        scores = h @ p["W_vocab"] + p["b_vocab"]
        for n in range(N):
            target = captions[n, t + 1]
            if target != WORD_TO_IDX["<NULL>"]:
                total += logsumexp(scores[n]) - scores[n, target]
    return total / N


def _captions(rng, N, T):
    """<START> words <END> <NULL>... rows of different lengths."""
    caps = np.zeros((N, T), dtype=np.int64)
    for n in range(N):
        L = rng.randint(1, T - 1)
        caps[n, 0] = 1
        caps[n, 1 : L + 1] = rng.randint(3, 7, size=L)
        caps[n, L + 1] = 2
    return caps


@pytest.mark.points(2)
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_loss_matches_step_by_step(cell_type):
    model = _model(cell_type, seed=0)
    rng = np.random.RandomState(1)
    features = rng.randn(4, 5)
    captions = _captions(rng, 4, 7)
    loss, grads = model.loss(features, captions)
    assert np.isclose(loss, _reference_loss(model, features, captions), rtol=1e-10), (
        "loss differs from a step-by-step recomputation (check the captions_in/out split and the mask)"
    )
    assert set(grads) == set(model.params), f"grads has keys {sorted(grads)}, expected {sorted(model.params)}"


@pytest.mark.points(2)
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_loss_gradients_numeric(cell_type):
    model = _model(cell_type, seed=2)
    rng = np.random.RandomState(3)
    features = rng.randn(3, 5)
    captions = _captions(rng, 3, 5)
    _, grads = model.loss(features, captions)
    for k, v in model.params.items():
        expected = num_grad(lambda _: model.loss(features, captions)[0], v)
        assert grads[k].shape == v.shape, f"grads[{k!r}] has shape {grads[k].shape}"
        assert scaled_error(grads[k], expected) < 1e-6, f"grads[{k!r}] differs from central differences"


def _reference_sample(model, features, max_length):
    p = model.params
    N = features.shape[0]
    out = np.zeros((N, max_length), dtype=np.int64)
    for n in range(N):
        h = features[n : n + 1] @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        word = WORD_TO_IDX["<START>"]
        for t in range(max_length):
            h, c = _step(p, model.cell_type, p["W_embed"][[word]], h, c)
            word = int(np.argmax(h @ p["W_vocab"] + p["b_vocab"]))
            out[n, t] = word
            if word == WORD_TO_IDX["<END>"]:
                break
    return out


@pytest.mark.points(2)
@pytest.mark.parametrize("cell_type,seed,end_bias", [("rnn", 26, 0.0), ("lstm", 21, 0.3)])
def test_sample_greedy_stops_at_end(cell_type, seed, end_bias):
    model = _model(cell_type, seed=seed)
    model.params["b_vocab"][WORD_TO_IDX["<END>"]] += end_bias  # rows end at different steps, some never
    rng = np.random.RandomState(5)
    features = 2 * rng.randn(12, 5)
    expected = _reference_sample(model, features, max_length=8)
    ended_late = ((expected[:, 1:] == 2).any(axis=1)).sum()
    never = (~(expected == 2).any(axis=1)).sum()
    assert ended_late >= 3 and never >= 2, "test set-up: want rows that end after step 0 and rows that never end"
    got = model.sample(features, max_length=8)
    assert got.shape == (12, 8)
    assert np.array_equal(np.asarray(got), expected), (
        f"sample differs from greedy decoding that stops each row at <END>:\n{got}\nexpected\n{expected}"
    )


@pytest.mark.points(1)
def test_sample_is_deterministic():
    model = _model("lstm", seed=6)
    features = np.random.RandomState(7).randn(5, 5)
    np.random.seed(0)
    a = model.sample(features, max_length=6)
    np.random.seed(1)
    b = model.sample(features, max_length=6)
    assert np.array_equal(a, b), "greedy sampling must not depend on the random state"
    assert np.array_equal(a[2:3], model.sample(features[2:3], max_length=6)), (
        "a row's caption must not depend on the other rows of the minibatch"
    )


# The public course's own checks build a vocabulary without <START>/<END> and fix every
# parameter with np.linspace; these are its published inputs and expected losses.
PUBLIC_VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "cell_type,feature_range,expected", [("rnn", (-1.5, 0.3), 9.83235591003), ("lstm", (-0.5, 1.7), 9.82445935443)]
)
def test_public_course_loss_check(cell_type, feature_range, expected):
    """The public course's loss check: a 3-word vocabulary without <START>/<END>, linspace parameters."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    model = CaptioningRNN(PUBLIC_VOCAB, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type, dtype=np.float64)
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)
    features = np.linspace(*feature_range, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % len(PUBLIC_VOCAB)).reshape(N, T)
    loss, _ = model.loss(features, captions)
    assert abs(loss - expected) < 1e-9, f"loss {loss!r}, the public course expects {expected}"


@pytest.mark.points(1)
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_public_course_gradient_check(cell_type):
    """The public course's gradient check (vocabulary without <START>/<END>) against central differences."""
    rng = np.random.RandomState(231)
    captions = rng.randint(len(PUBLIC_VOCAB), size=(2, 3))
    features = rng.randn(2, 4)
    np.random.seed(231)
    model = CaptioningRNN(PUBLIC_VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type=cell_type, dtype=np.float64)
    _, grads = model.loss(features, captions)
    for k, v in model.params.items():
        expected = num_grad(lambda _: model.loss(features, captions)[0], v)
        assert scaled_error(grads[k], expected) < 1e-6, f"grads[{k!r}] differs from central differences"
