"""Autograder tests for the k-nearest-neighbour classifier: distances against scipy's cdist, vote tie-breaking."""

import tracemalloc

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from cs231n.classifiers import KNearestNeighbor

from helpers import rel_error


def _data(seed=0, num_train=40, num_test=15, D=30):
    rng = np.random.RandomState(seed)
    X_train = rng.randn(num_train, D) * 50 + 100
    y_train = rng.randint(0, 5, num_train)
    X_test = rng.randn(num_test, D) * 50 + 100
    return X_train, y_train, X_test


def _classifier(X_train, y_train):
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    return knn


@pytest.mark.points(2)
def test_two_loops_matches_cdist():
    X_train, y_train, X_test = _data(1)
    dists = _classifier(X_train, y_train).compute_distances_two_loops(X_test)
    assert dists.shape == (X_test.shape[0], X_train.shape[0])
    assert rel_error(dists, cdist(X_test, X_train)) < 1e-10


@pytest.mark.points(2)
def test_one_loop_matches_cdist():
    X_train, y_train, X_test = _data(2)
    dists = _classifier(X_train, y_train).compute_distances_one_loop(X_test)
    assert dists.shape == (X_test.shape[0], X_train.shape[0])
    assert rel_error(dists, cdist(X_test, X_train)) < 1e-10


@pytest.mark.points(3)
def test_no_loops_matches_cdist():
    X_train, y_train, X_test = _data(3)
    dists = _classifier(X_train, y_train).compute_distances_no_loops(X_test)
    assert dists.shape == (X_test.shape[0], X_train.shape[0])
    assert np.allclose(dists, cdist(X_test, X_train), rtol=1e-7, atol=1e-6)


@pytest.mark.points(1)
def test_three_distance_functions_agree():
    X_train, y_train, X_test = _data(4)
    knn = _classifier(X_train, y_train)
    d2 = knn.compute_distances_two_loops(X_test)
    d1 = knn.compute_distances_one_loop(X_test)
    d0 = knn.compute_distances_no_loops(X_test)
    assert np.allclose(d2, d1, rtol=1e-10, atol=1e-8)
    assert np.allclose(d2, d0, rtol=1e-7, atol=1e-6)


@pytest.mark.points(1)
def test_no_loops_is_clamped_and_finite_for_identical_points():
    # Test points equal to training points with large values: the expansion can round
    # slightly below zero, and the square root must not give NaN.
    rng = np.random.RandomState(5)
    X_train = rng.rand(20, 3072) * 255 + 1e4
    knn = _classifier(X_train, np.arange(20) % 3)
    dists = knn.compute_distances_no_loops(X_train.copy())
    assert np.all(np.isfinite(dists)), "NaN/inf distances: clamp the squared distances at 0 before sqrt"
    assert np.all(dists >= 0)
    assert np.allclose(dists, cdist(X_train, X_train), atol=1e-2 * np.sqrt(3072))


@pytest.mark.points(1)
def test_no_loops_never_builds_a_three_dimensional_array():
    rng = np.random.RandomState(6)
    num_train, num_test, D = 60, 50, 1000  # an (N, M, D) float64 array would take 24 MB
    knn = _classifier(rng.randn(num_train, D), rng.randint(0, 3, num_train))
    X_test = rng.randn(num_test, D)
    tracemalloc.start()
    try:
        dists = knn.compute_distances_no_loops(X_test)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dists.shape == (num_test, num_train)
    assert peak < 8e6, f"peak memory {peak / 1e6:.1f} MB: use ||x||^2 - 2 x.y + ||y||^2, not broadcasting over D"


@pytest.mark.points(2)
def test_predict_labels_majority_vote_and_ties_toward_smaller_label():
    knn = KNearestNeighbor()
    knn.train(np.zeros((6, 2)), np.array([3, 1, 1, 3, 2, 0]))
    # each row: distances of one test point to the 6 training points
    dists = np.array(
        [
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],  # labels by distance: 3, 1, 1, 3, 2, 0
            [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],  # labels by distance: 0, 2, 3, 1, 1, 3
        ]
    )
    assert list(knn.predict_labels(dists, k=1)) == [3, 0]
    assert list(knn.predict_labels(dists, k=2)) == [1, 0]  # {3, 1}: tie -> the smaller label, 1
    assert list(knn.predict_labels(dists, k=3)) == [1, 0]  # {3, 1, 1} -> 1; {0, 2, 3} three-way tie -> 0
    assert list(knn.predict_labels(dists, k=4)) == [1, 0]  # {3, 1, 1, 3} tie -> 1
    assert list(knn.predict_labels(dists, k=5)) == [1, 1]  # {0, 2, 3, 1, 1} -> 1


@pytest.mark.points(1)
def test_predict_uses_the_chosen_distance_function():
    X_train, y_train, X_test = _data(7)
    knn = _classifier(X_train, y_train)
    ref = np.argsort(cdist(X_test, X_train), axis=1)[:, 0]
    for num_loops in (0, 1, 2):
        assert np.array_equal(knn.predict(X_test, k=1, num_loops=num_loops), y_train[ref])
    # k=1 on the training set itself returns the training labels
    assert np.array_equal(knn.predict(X_train, k=1), y_train)
