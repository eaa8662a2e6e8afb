"""Autograder tests for the softmax loss: scipy's logsumexp reference, central differences, stability for huge scores."""

import numpy as np
import pytest
from scipy.special import logsumexp

from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

from helpers import num_grad, rel_error

LOSSES = [softmax_loss_naive, softmax_loss_vectorized]


def _reference_loss(W, X, y, reg):
    scores = X.dot(W)
    nll = logsumexp(scores, axis=1) - scores[np.arange(len(y)), y]
    return float(np.mean(nll)) + reg * float(np.sum(W * W))


def _data(seed, N=10, D=7, C=4):
    rng = np.random.RandomState(seed)
    return rng.randn(D, C), rng.randn(N, D), rng.randint(0, C, N)


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", LOSSES, ids=["naive", "vectorized"])
@pytest.mark.parametrize("reg", [0.0, 0.2])
def test_loss_and_gradient(fn, reg):
    W, X, y = _data(1)
    loss, dW = fn(W, X, y, reg)
    assert abs(loss - _reference_loss(W, X, y, reg)) < 1e-10
    numeric = num_grad(lambda w: _reference_loss(w, X, y, reg), W.copy())
    assert dW.shape == W.shape
    assert rel_error(dW, numeric) < 1e-7


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", LOSSES, ids=["naive", "vectorized"])
def test_initial_loss_is_about_log_num_classes(fn):
    rng = np.random.RandomState(2)
    W = rng.randn(3073, 10) * 1e-4
    X = rng.randn(100, 3073)
    y = rng.randint(0, 10, 100)
    loss, _ = fn(W, X, y, 0.0)
    assert abs(loss - np.log(10)) < 0.05


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", LOSSES, ids=["naive", "vectorized"])
def test_stable_for_huge_scores(fn):
    # X = identity, so the scores are the rows of W.T: +-1e4 would overflow exp() unshifted
    W = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    X = np.eye(2)
    y = np.array([1, 0])
    loss, dW = fn(W, X, y, 0.0)
    # example 0: correct score -1e4, max 1e4 -> loss 2e4; example 1: correct -1e4, two at 1e4 -> 2e4 + ln 2
    assert np.isfinite(loss) and np.all(np.isfinite(dW))
    assert abs(loss - (2e4 + 2e4 + np.log(2)) / 2) < 1e-6
    expected = (
        np.array(
            [
                [1.0, -1.0, 0.0],  # example 0: p = (1, 0, 0), minus one-hot(1)
                [-1.0, 0.5, 0.5],
            ]
        )
        / 2
    )  # example 1: p = (0, .5, .5), minus one-hot(0)
    assert rel_error(dW, expected) < 1e-10


@pytest.mark.points(1)
def test_vectorized_equals_naive():
    rng = np.random.RandomState(3)
    W = rng.randn(500, 10) * 1e-2
    X = rng.randn(100, 500)
    y = rng.randint(0, 10, 100)
    loss_n, dW_n = softmax_loss_naive(W, X, y, 1e-3)
    loss_v, dW_v = softmax_loss_vectorized(W, X, y, 1e-3)
    assert abs(loss_n - loss_v) < 1e-10
    assert rel_error(dW_n, dW_v) < 1e-8
