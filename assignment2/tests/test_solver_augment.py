"""Tests of the Solver's training-batch augmentation (augment=) and of random_flip, the augmentation of SmallResNet.

Given code: these pass on the stub release too, so they carry no points (GRADED = False).
The small model and data come from test_solver_mechanics.py (shared with assignment 1).
"""

import numpy as np
import pytest

from test_solver_mechanics import _data, _LinearSoftmax, _solver

GRADED = False
pytestmark = pytest.mark.points(0)


def test_augment_sees_every_training_batch_and_is_reproducible():
    """augment(X_batch, rng) is applied to each training minibatch, with the solver's generator."""
    seen = []

    def negate_some(X, rng):
        seen.append(X.shape)
        flip = rng.random(X.shape[0]) < 0.5
        return np.where(flip[:, None], -X, X)

    data = _data()
    a, b, c = _LinearSoftmax(8, 3), _LinearSoftmax(8, 3), _LinearSoftmax(8, 3)
    _solver(a, data, augment=negate_some).train()
    assert len(seen) == 6 * 12 and all(shape == (10, 8) for shape in seen)
    _solver(b, data, augment=negate_some).train()
    _solver(c, data).train()
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params), "same seed, same augmented run"
    assert not np.allclose(a.params["W"], c.params["W"]), "the augmentation must change the training batches"


def test_random_flip_mirrors_about_half_and_keeps_x():
    from cs231n.classifiers.resnet import random_flip

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3, 4, 5))
    keep = X.copy()
    out = random_flip(X, np.random.default_rng(1))
    assert out.shape == X.shape and np.array_equal(X, keep), "X itself must not change"
    mirrored = np.array([np.array_equal(out[i], X[i, :, :, ::-1]) for i in range(len(X))])
    same = np.array([np.array_equal(out[i], X[i]) for i in range(len(X))])
    assert np.all(mirrored ^ same) and 150 < mirrored.sum() < 250
    assert np.array_equal(out, random_flip(X, np.random.default_rng(1))), "seedable"
