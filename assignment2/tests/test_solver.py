"""Autograder tests for training FullyConnectedNet with the Solver: checkpoint-then-resume equals an uninterrupted run, for each update rule."""

import numpy as np
import pytest

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import Solver


def _data(seed=0, N=100, D=20, C=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N + 30, D))
    y = rng.integers(0, C, N + 30)
    return {"X_train": X[:N], "y_train": y[:N], "X_val": X[N:], "y_val": y[N:]}


def _run(data, rule, lr, **kw):
    model = FullyConnectedNet(
        [16, 12],
        input_dim=20,
        num_classes=4,
        weight_scale=0.1,
        dtype=np.float64,
        seed=kw.pop("model_seed", 0),
        **kw.pop("net", {}),
    )
    solver = Solver(
        model,
        data,
        update_rule=rule,
        optim_config={"learning_rate": lr},
        lr_decay=0.9,
        batch_size=10,
        num_epochs=5,
        verbose=False,
        seed=kw.pop("solver_seed", 3),
        **kw,
    )
    return model, solver


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "rule,lr,net",
    [
        ("sgd_momentum", 5e-2, {}),
        ("rmsprop", 1e-3, {}),
        ("adam", 1e-3, {}),
        ("adam", 1e-3, {"normalization": "layernorm", "dropout_keep_ratio": 0.7}),
        ("adam", 1e-3, {"normalization": "batchnorm"}),
    ],
)
def test_checkpoint_then_resume_equals_uninterrupted(tmp_path, rule, lr, net):
    data = _data()
    name = str(tmp_path / "ckpt")
    full_model, full = _run(data, rule, lr, net=net, checkpoint_name=name)
    full.train()

    # the same net built again (its weights then scrambled) and a solver with another seed,
    # resumed from the end of epoch 2: everything must come from the checkpoint
    model, solver = _run(data, rule, lr, net=net, solver_seed=42)
    for k in model.params:
        model.params[k] = 3.0 * model.params[k] + 1.0
    solver.load_checkpoint(name + "_epoch_2.npz")
    solver.train()
    for k in full_model.params:
        assert np.max(np.abs(model.params[k] - full_model.params[k])) <= 1e-12, f"parameter {k} differs after resume"
    for i, bn in enumerate(full_model.bn_params):
        for k, v in bn.items():
            if isinstance(v, np.ndarray):
                assert np.max(np.abs(model.bn_params[i][k] - v)) <= 1e-12, f"bn_params[{i}][{k!r}] differs after resume"
    assert solver.loss_history == full.loss_history
    assert solver.val_acc_history == full.val_acc_history
    assert full.loss_history[-1] < full.loss_history[0], "training should lower the loss"


@pytest.mark.points(1)
def test_best_model_keeps_its_batchnorm_statistics():
    """After train(), the model holds the best epoch's parameters AND that epoch's running averages."""
    data = _data()
    model, solver = _run(data, "adam", 1e-2, net={"normalization": "batchnorm"})
    solver.train()
    best_epoch = int(np.argmax(solver.val_acc_history))
    assert solver.best_state, "the Solver should record the batchnorm running averages of the best model"
    for key, v in solver.best_state.items():
        i, k = key.split("/", 1)
        assert np.array_equal(model.bn_params[int(i)][k], v)
    # the restored model reproduces the best validation accuracy it was chosen for
    acc = solver.check_accuracy(data["X_val"], data["y_val"])
    assert acc == solver.val_acc_history[best_epoch] == solver.best_val_acc
