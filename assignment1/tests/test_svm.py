"""Autograder tests for the multiclass SVM loss: loops written here, central differences, naive == vectorised."""

import numpy as np
import pytest

from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized

from helpers import num_grad, rel_error


def _reference_loss(W, X, y, reg):
    """Hinge loss with delta 1, written independently: sum over wrong classes of max(0, s_j - s_y + 1)."""
    total = 0.0
    for i in range(X.shape[0]):
        s = [float(np.dot(X[i], W[:, j])) for j in range(W.shape[1])]
        total += sum(max(0.0, s[j] - s[y[i]] + 1.0) for j in range(W.shape[1]) if j != y[i])
    return total / X.shape[0] + reg * float(np.sum(W**2))


def _data(seed, N=12, D=8, C=5):
    rng = np.random.RandomState(seed)
    W = rng.randn(D, C) * 0.5
    X = rng.randn(N, D)
    y = rng.randint(0, C, N)
    return W, X, y


def test_hand_worked_example():
    # two examples, three classes, X = identity rows so scores are rows of W.T
    W = np.array([[2.0, 1.5, -1.0], [0.0, 3.0, 0.5]])
    X = np.eye(2)
    y = np.array([0, 2])
    # example 0: scores (2, 1.5, -1), correct 2 -> margins 0.5, 0 ; example 1: (0, 3, .5), correct .5 -> 0.5, 3.5
    loss, dW = svm_loss_naive(W, X, y, 0.0)
    assert abs(loss - (0.5 + 4.0) / 2) < 1e-12
    expected = np.array([[-0.5, 0.5, 0.0], [0.5, 0.5, -1.0]])
    assert rel_error(dW, expected) < 1e-12


@pytest.mark.points(2)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_naive_loss_and_gradient(reg):
    W, X, y = _data(1)
    loss, dW = svm_loss_naive(W, X, y, reg)
    assert abs(loss - _reference_loss(W, X, y, reg)) < 1e-10
    numeric = num_grad(lambda w: _reference_loss(w, X, y, reg), W.copy())
    assert rel_error(dW, numeric) < 1e-7


@pytest.mark.points(2)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_vectorized_loss_and_gradient(reg):
    W, X, y = _data(2)
    loss, dW = svm_loss_vectorized(W, X, y, reg)
    assert abs(loss - _reference_loss(W, X, y, reg)) < 1e-10
    numeric = num_grad(lambda w: _reference_loss(w, X, y, reg), W.copy())
    assert rel_error(dW, numeric) < 1e-7


@pytest.mark.points(1)
def test_vectorized_equals_naive_on_a_larger_batch():
    rng = np.random.RandomState(3)
    W = rng.randn(3073, 10) * 1e-4
    X = rng.randn(200, 3073) * 50
    y = rng.randint(0, 10, 200)
    loss_n, dW_n = svm_loss_naive(W, X, y, 5e-6)
    loss_v, dW_v = svm_loss_vectorized(W, X, y, 5e-6)
    assert abs(loss_n - loss_v) < 1e-9 * max(1.0, abs(loss_n))
    assert np.max(np.abs(dW_n - dW_v)) < 1e-9 * max(1.0, np.max(np.abs(dW_n)))
