"""Tests of the given save/load code of the classifiers (np.savez / np.load(allow_pickle=False) round trips).

Given code, so these pass on the stub release too and carry no points (GRADED = False).
"""
import numpy as np
import pytest

from cs231n.classifiers import KNearestNeighbor, LinearSVM, Softmax
from cs231n.classifiers.fc_net import TwoLayerNet

GRADED = False
pytestmark = pytest.mark.points(0)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_linear_classifier_round_trip(cls, tmp_path):
    a = cls()
    a.W = np.random.RandomState(0).randn(7, 3)
    a.save(str(tmp_path / "w.npz"))
    b = cls().load(str(tmp_path / "w.npz"))
    assert np.array_equal(a.W, b.W)


def test_two_layer_net_round_trip(tmp_path):
    rng = np.random.RandomState(1)
    a = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, reg=0.25)
    a.params = {"W1": rng.randn(6, 5), "b1": rng.randn(5), "W2": rng.randn(5, 3), "b2": rng.randn(3)}
    a.save(str(tmp_path / "net.npz"))
    b = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3).load(str(tmp_path / "net.npz"))
    assert b.reg == 0.25 and set(b.params) == set(a.params)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_knn_round_trip(tmp_path):
    rng = np.random.RandomState(2)
    a = KNearestNeighbor()
    a.train(rng.randn(10, 4), rng.randint(0, 3, 10))
    a.save(str(tmp_path / "knn.npz"))
    b = KNearestNeighbor().load(str(tmp_path / "knn.npz"))
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_train, b.y_train)
