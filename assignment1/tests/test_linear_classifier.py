"""Autograder tests for LinearClassifier.train (minibatch SGD with replacement) and predict."""

import numpy as np
import pytest

from cs231n.classifiers.linear_classifier import LinearSVM, Softmax
from worker_helpers import constant_gradient_classifier


@pytest.mark.points(2)
def test_sgd_update_and_minibatches():
    rng = np.random.RandomState(0)
    N, D, C = 10, 4, 3
    X = rng.randn(N, D)
    y = np.arange(N) % C
    G = rng.randn(D, C)
    W0 = rng.randn(D, C)
    clf = constant_gradient_classifier(G, W0)  # a LinearClassifier whose loss has gradient G
    history = clf.train(X, y, learning_rate=0.1, reg=0.0, num_iters=7, batch_size=25)
    assert len(history) == 7 and list(history) == [float(i) for i in range(1, 8)]
    assert np.allclose(clf.W, W0 - 7 * 0.1 * G)
    # batch_size 25 > N = 10 only works when sampling with replacement
    for Xb, yb in clf.batches:
        assert Xb.shape == (25, D) and yb.shape == (25,)
        # every sampled row is a training row with its own label
        match = np.all(np.isclose(Xb[:, None, :], X[None, :, :]), axis=2)  # (25, N)
        assert np.all(match.sum(axis=1) == 1)
        assert np.array_equal(yb, y[np.argmax(match, axis=1)])


@pytest.mark.points(1)
def test_predict_is_argmax_of_scores():
    rng = np.random.RandomState(1)
    clf = LinearSVM()
    clf.W = rng.randn(6, 4)
    X = rng.randn(20, 6)
    assert np.array_equal(np.asarray(clf.predict(X)), np.argmax(X.dot(clf.W), axis=1))


@pytest.mark.points(2)
@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_training_separates_easy_data(cls):
    rng = np.random.RandomState(2)
    C, D, N = 3, 10, 300
    centers = rng.randn(C, D) * 3
    y = rng.randint(0, C, N)
    X = centers[y] + rng.randn(N, D)
    np.random.seed(0)
    clf = cls()
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=300, batch_size=50)
    assert np.mean(history[-20:]) < np.mean(history[:5]), "the loss should go down"
    assert np.mean(clf.predict(X) == y) > 0.9
