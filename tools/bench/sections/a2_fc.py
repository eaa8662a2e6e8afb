"""Bench a2.fc / a2.bn: the best fully-connected net on CIFAR-10, batchnorm backward speed, training throughput, epochs to 50% val."""

import time

import numpy as np

from tools.bench import median_seconds

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.data_utils import cifar10_dir, get_CIFAR10_data
from cs231n.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
from cs231n.optim import adam
from cs231n.solver import Solver

# The setting FullyConnectedNets.ipynb trains on the full training set at the end of its search.
BEST = dict(
    hidden_dims=[512, 256],
    normalization="batchnorm",
    dropout_keep_ratio=1,
    reg=1e-3,
    weight_scale=5e-2,
    learning_rate=1e-3,
    lr_decay=0.9,
    num_epochs=12,
    batch_size=200,
)
MAX_EPOCHS_TO_50 = 10


def bn_speedup():
    """Median time of batchnorm_backward over that of batchnorm_backward_alt, (N, D) = (500, 500) float64."""
    rng = np.random.default_rng(0)
    N, D = 500, 500
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    t_graph = median_seconds(lambda: batchnorm_backward(dout, cache), repeats=15)
    t_alt = median_seconds(lambda: batchnorm_backward_alt(dout, cache), repeats=15)
    return t_graph / t_alt


def train_images_per_s(data, batch_size=200, steps=40):
    """Forward + backward + Adam update of a 5-layer, 100-unit net with batchnorm (float32), images/s."""
    np.random.seed(0)
    model = FullyConnectedNet([100] * 4, normalization="batchnorm", weight_scale=5e-2)
    configs = {k: {"learning_rate": 1e-3} for k in model.params}
    X, y = data["X_train"], data["y_train"]

    def run():
        for i in range(steps):
            lo = (i * batch_size) % (X.shape[0] - batch_size)
            _, grads = model.loss(X[lo : lo + batch_size], y[lo : lo + batch_size])
            for k in model.params:
                model.params[k], configs[k] = adam(model.params[k], grads[k], configs[k])

    run()  # warm-up
    return steps * batch_size / median_seconds(run, repeats=5)


def refresh_batchnorm_statistics(model, X, y, num_batches=50, batch_size=200):
    """As in the notebook: re-estimate the batchnorm running averages for the final weights with
    training-mode passes (the Solver restores the best epoch's averages, which were accumulated
    while the weights were still moving)."""
    for bn_param in model.bn_params:
        bn_param.pop("running_mean", None)
        bn_param.pop("running_var", None)
    rng = np.random.default_rng(0)
    for _ in range(num_batches):
        idx = rng.choice(X.shape[0], batch_size)
        model.loss(X[idx], y[idx])


def epochs_to_50(data, normalization):
    """Epochs a 5-layer 100-unit net (Adam 1e-3, batch 200) needs to reach 50% val accuracy, or None."""
    np.random.seed(0)
    model = FullyConnectedNet([100] * 4, normalization=normalization, weight_scale=5e-2)
    solver = Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        lr_decay=0.9,
        batch_size=200,
        num_epochs=MAX_EPOCHS_TO_50,
        verbose=False,
        seed=0,
    )
    solver.train()
    # val_acc_history[0] is measured after the first step, val_acc_history[e] after epoch e
    reached = [e for e, acc in enumerate(solver.val_acc_history) if e > 0 and acc >= 0.5]
    return (reached[0] if reached else None), solver.val_acc_history


def run():
    out = {}
    t0 = time.time()
    data = get_CIFAR10_data(cifar10_dir=cifar10_dir())
    out["a2.bn.speedup_alt_vs_graph"] = bn_speedup()
    out["a2.fc.train_images_per_s"] = train_images_per_s(data)

    t = time.time()
    np.random.seed(0)
    b = BEST
    model = FullyConnectedNet(
        b["hidden_dims"],
        normalization=b["normalization"],
        dropout_keep_ratio=b["dropout_keep_ratio"],
        reg=b["reg"],
        weight_scale=b["weight_scale"],
    )
    solver = Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": b["learning_rate"]},
        lr_decay=b["lr_decay"],
        num_epochs=b["num_epochs"],
        batch_size=b["batch_size"],
        verbose=False,
        seed=0,
    )
    solver.train()
    refresh_batchnorm_statistics(model, data["X_train"], data["y_train"])
    out["a2.fc.best_val_acc"] = float(solver.best_val_acc)
    out["a2.fc.best_val_acc_after_refresh"] = float(np.mean(model.predict(data["X_val"]) == data["y_val"]))
    out["a2.fc.test_acc"] = float(np.mean(model.predict(data["X_test"]) == data["y_test"]))
    out["a2.fc.best_model_seconds"] = time.time() - t

    for name, norm in (("bn", "batchnorm"), ("fc", None)):
        t = time.time()
        epochs, _ = epochs_to_50(data, norm)
        out[f"a2.{name}.epochs_to_50_val"] = epochs if epochs is not None else f"> {MAX_EPOCHS_TO_50}"
        out[f"a2.{name}.epochs_to_50_val_seconds"] = time.time() - t
    out["a2.fc.seconds"] = time.time() - t0
    return out
