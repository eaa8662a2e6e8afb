"""Bench a1.two_layer: TwoLayerNet + Solver (sgd) on mean-subtracted CIFAR-10 pixels, course splits."""

import time

import numpy as np

from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.data_utils import get_CIFAR10_data
from cs231n.solver import Solver

# Tuned on the stand-in, chosen by validation accuracy (issue 19; 2 threads, one run each):
# hidden 500, lr 2e-3, decay 0.9, reg 0.25, 15 epochs (two_layer_net.ipynb's stage-2 settings):
# val 0.559, test 0.539; the earlier hidden 300, lr 1e-3, decay 0.95, reg 0.1, 12 epochs gave test
# 0.515 here; hidden 500 with those for 15 epochs val 0.545 / test 0.527, hidden 300 with lr 2e-3,
# decay 0.9 for 15 epochs 0.536 / 0.531, hidden 500 at batch 100 0.529 / 0.510.
HPARAMS = dict(
    hidden_dim=500, weight_scale=1e-3, reg=0.25, learning_rate=2e-3, lr_decay=0.9, batch_size=200, num_epochs=15
)


def run():
    t0 = time.time()
    data = get_CIFAR10_data()  # float32, (N, 3, 32, 32), mean subtracted
    hp = HPARAMS
    np.random.seed(0)
    model = TwoLayerNet(hidden_dim=hp["hidden_dim"], weight_scale=hp["weight_scale"], reg=hp["reg"])
    # float32 parameters match the float32 data, so no matmul upcasts (about 2x faster on CPU)
    model.params = {k: v.astype(np.float32) for k, v in model.params.items()}
    solver = Solver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": hp["learning_rate"]},
        lr_decay=hp["lr_decay"],
        batch_size=hp["batch_size"],
        num_epochs=hp["num_epochs"],
        verbose=False,
        seed=0,
    )
    t_train = time.time()
    solver.train()
    train_seconds = time.time() - t_train
    test_acc = float(np.mean(model.predict(data["X_test"]) == data["y_test"]))
    return {
        "a1.two_layer.val_acc": round(float(solver.best_val_acc), 4),
        "a1.two_layer.test_acc": round(test_acc, 4),
        "a1.two_layer.train_seconds": round(train_seconds, 1),
        "a1.two_layer.wall_seconds": round(time.time() - t0, 1),
    }
