"""Tests of the given Solver code (no student code involved): lr decay, best parameters, checkpoints, resume, silence.

These pass on the stub release too, so they carry no points (GRADED = False).
"""

import glob
import os

import numpy as np
import pytest

from cs231n import solver as solver_module
from cs231n.solver import Solver

GRADED = False
pytestmark = pytest.mark.points(0)


class _LinearSoftmax(object):
    """A tiny softmax regression written here, so these tests do not depend on the student's layers."""

    def __init__(self, D, C, seed=0):
        rng = np.random.RandomState(seed)
        self.params = {"W": rng.randn(D, C) * 0.1, "b": np.zeros(C)}

    def loss(self, X, y=None):
        s = X.dot(self.params["W"]) + self.params["b"]
        if y is None:
            return s
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.mean(np.log(p[np.arange(N), y]))
        p[np.arange(N), y] -= 1
        p /= N
        return loss, {"W": X.T.dot(p), "b": p.sum(axis=0)}


def _data(seed=0, N=120, D=8, C=3):
    rng = np.random.RandomState(seed)
    X = rng.randn(N + 40, D)
    y = rng.randint(0, C, N + 40)
    return {"X_train": X[:N], "y_train": y[:N], "X_val": X[N:], "y_val": y[N:]}


def _solver(model, data, **kw):
    opts = dict(
        update_rule="sgd",
        optim_config={"learning_rate": 0.5},
        lr_decay=0.8,
        batch_size=10,
        num_epochs=6,
        num_train_samples=50,
        verbose=False,
        seed=7,
    )
    opts.update(kw)
    return Solver(model, data, **opts)


def test_lr_decay_per_epoch_and_histories():
    data = _data()
    s = _solver(_LinearSoftmax(8, 3), data, num_epochs=3)
    s.train()
    assert len(s.loss_history) == 3 * 12
    assert len(s.train_acc_history) == len(s.val_acc_history) == 4  # first iteration + 3 epochs
    for config in s.optim_configs.values():
        assert abs(config["learning_rate"] - 0.5 * 0.8**3) < 1e-12


def test_best_params_are_swapped_in():
    data = _data()
    model = _LinearSoftmax(8, 3)
    s = _solver(model, data)
    s.train()
    assert s.best_val_acc == max(s.val_acc_history)
    acc = np.mean(np.argmax(model.loss(data["X_val"]), axis=1) == data["y_val"])
    assert abs(acc - s.best_val_acc) < 1e-12


def test_same_seed_same_run():
    data = _data()
    a, b = _LinearSoftmax(8, 3), _LinearSoftmax(8, 3)
    _solver(a, data).train()
    _solver(b, data).train()
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_checkpoint_then_resume_equals_uninterrupted_run(tmp_path):
    data = _data()
    name = str(tmp_path / "run")
    full_model = _LinearSoftmax(8, 3)
    full = _solver(full_model, data, checkpoint_name=name)
    full.train()
    files = sorted(os.path.basename(f) for f in glob.glob(name + "_epoch_*.npz"))
    assert files == [f"run_epoch_{e}.npz" for e in range(1, 7)]
    for leftover in tmp_path.iterdir():
        assert not leftover.name.endswith(".tmp"), "temporary files must be renamed or removed"

    # a fresh model (different init) and solver (different seed) resumed from epoch 3
    resumed_model = _LinearSoftmax(8, 3, seed=123)
    resumed = _solver(resumed_model, data, seed=999)
    resumed.load_checkpoint(name + "_epoch_3.npz")
    assert resumed.epoch == 3
    resumed.train()
    for k in full_model.params:
        assert np.max(np.abs(full_model.params[k] - resumed_model.params[k])) <= 1e-12
    assert resumed.loss_history == full.loss_history
    assert resumed.val_acc_history == full.val_acc_history


def test_resume_keeps_optimizer_state(tmp_path):
    # an update rule with state (a velocity array and a step counter) must come back exactly
    def momentum(w, dw, config=None):
        config = {} if config is None else config
        v = config.get("velocity", np.zeros_like(w))
        v = 0.9 * v - config["learning_rate"] * dw
        config["velocity"] = v
        config["steps"] = config.get("steps", 0) + 1
        return w + v, config

    data = _data(1)
    name = str(tmp_path / "mom")
    a = _LinearSoftmax(8, 3)
    _solver(a, data, update_rule=momentum, optim_config={"learning_rate": 0.05}, checkpoint_name=name).train()
    b = _LinearSoftmax(8, 3, seed=5)
    s = _solver(b, data, update_rule=momentum, optim_config={"learning_rate": 0.05})
    s.load_checkpoint(name + "_epoch_2.npz")
    assert s.optim_configs["W"]["steps"] == 24 and isinstance(s.optim_configs["W"]["steps"], int)
    s.train()
    for k in a.params:
        assert np.max(np.abs(a.params[k] - b.params[k])) <= 1e-12


def test_checkpoint_is_plain_npz_without_pickles(tmp_path):
    name = str(tmp_path / "plain")
    _solver(_LinearSoftmax(8, 3), _data(), num_epochs=1, checkpoint_name=name).train()
    with np.load(name + "_epoch_1.npz", allow_pickle=False) as f:
        for k in f.files:
            assert f[k].dtype != object


def test_crash_mid_write_leaves_no_corrupt_checkpoint(tmp_path, monkeypatch):
    name = str(tmp_path / "crash")
    data = _data()
    s = _solver(_LinearSoftmax(8, 3), data, num_epochs=2, checkpoint_name=name)
    s.train()
    good = open(name + "_epoch_2.npz", "rb").read()

    real_savez = np.savez

    def dying_savez(f, **arrays):
        real_savez(f, **arrays)
        f.write(b"partial")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(solver_module.np, "savez", dying_savez)
    s2 = _solver(_LinearSoftmax(8, 3), data, num_epochs=2, checkpoint_name=name)
    with pytest.raises(OSError):
        s2.train()
    monkeypatch.undo()
    # the earlier checkpoint is intact, and no temporary file is left behind
    assert open(name + "_epoch_2.npz", "rb").read() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crash_epoch_1.npz", "crash_epoch_2.npz"]


def test_verbose_false_prints_nothing(capsys):
    _solver(_LinearSoftmax(8, 3), _data(), num_epochs=1).train()
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_bad_update_rule_names_the_choices():
    with pytest.raises(ValueError, match="sgd"):
        Solver(_LinearSoftmax(8, 3), _data(), update_rule="nope")


def test_stale_temporary_checkpoint_of_a_killed_run_is_removed(tmp_path):
    name = str(tmp_path / "killed")
    leftover = tmp_path / ".killed_epoch_1.npz.x8k2p.tmp"  # what a run killed mid-write leaves
    leftover.write_bytes(b"0" * 10_000)
    other = tmp_path / ".other_epoch_1.npz.abc.tmp"  # another run's: not ours to touch
    other.write_bytes(b"1")
    _solver(_LinearSoftmax(8, 3), _data(), num_epochs=1, checkpoint_name=name).train()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other_epoch_1.npz.abc.tmp", "killed_epoch_1.npz"]


def _rewrite_npz(src, dst, **changes):
    with np.load(src, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays.update(changes)
    np.savez(dst, **arrays)


@pytest.mark.parametrize("kind", ["extra member", "oversized member", "huge declared shape"])
def test_checkpoint_members_and_sizes_checked_before_reading(tmp_path, monkeypatch, kind):
    name = str(tmp_path / "ck")
    model = _LinearSoftmax(8, 3)
    _solver(model, _data(), num_epochs=1, checkpoint_name=name).train()
    bad = str(tmp_path / "bad.npz")
    p = sorted(model.params)[0]
    if kind == "extra member":
        _rewrite_npz(name + "_epoch_1.npz", bad, junk=np.zeros(10))
    elif kind == "oversized member":
        _rewrite_npz(name + "_epoch_1.npz", bad, **{f"params/{p}": np.zeros(1_000_000)})
    else:  # a small file whose .npy header declares a 1 GB array
        _rewrite_npz(name + "_epoch_1.npz", bad)
        import zipfile

        with zipfile.ZipFile(bad) as z:
            members = {i.filename: z.read(i) for i in z.infolist()}
        key = f"params/{p}.npy"
        header = members[key]
        shape = str(model.params[p].shape).encode()
        members[key] = header.replace(shape, b"(134217728,)".ljust(len(shape)), 1)
        with zipfile.ZipFile(bad, "w") as z:
            for k, v in members.items():
                z.writestr(k, v)
    read = []
    real_load = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: read.append(a) or real_load(*a, **k))
    s = _solver(_LinearSoftmax(8, 3), _data(), num_epochs=1)
    with pytest.raises(ValueError) as e:
        s.load_checkpoint(bad)
    assert "bad.npz" in str(e.value)
    assert read == [], "the file was read before it was refused"
