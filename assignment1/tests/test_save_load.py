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


@pytest.mark.parametrize("name", ["best_two_layer_net.npy", "weights", "model.bin"])
def test_save_writes_exactly_the_path_given(name, tmp_path):
    """save(path) must not append '.npz' (the public course saves to 'best_two_layer_net.npy'); load reads it."""
    rng = np.random.RandomState(3)
    path = tmp_path / name
    net = TwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2)
    net.params = {"W1": rng.randn(4, 3), "b1": rng.randn(3), "W2": rng.randn(3, 2), "b2": rng.randn(2)}
    svm = LinearSVM()
    svm.W = rng.randn(4, 2)
    knn = KNearestNeighbor()
    knn.train(rng.randn(5, 4), rng.randint(0, 2, 5))
    for model, fresh, key in [
        (net, TwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2), "params"),
        (svm, LinearSVM(), "W"),
        (knn, KNearestNeighbor(), "X_train"),
    ]:
        model.save(str(path))
        assert sorted(p.name for p in tmp_path.iterdir()) == [name], (
            f"{type(model).__name__}.save({name!r}) wrote {sorted(p.name for p in tmp_path.iterdir())}"
        )
        back = fresh.load(str(path))
        a, b = getattr(model, key), getattr(back, key)
        assert all(np.array_equal(a[k], b[k]) for k in a) if key == "params" else np.array_equal(a, b)
        path.unlink()
