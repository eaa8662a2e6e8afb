"""Bench a2.numpy_resnet: the numpy SmallResNet (ResNet-8, widths 16-32-64) trained with our Solver for a fixed time budget.

Trains epoch by epoch (Adam, lr decay per epoch, random left-right flips) until the next epoch
would overrun the budget (A2_RESNET_BUDGET seconds, default 1800 = the 30-minute target), keeps
the parameters with the best validation accuracy (the Solver does), then evaluates the 10,000
test images once: test_acc averages the scores of each image and its mirror image,
test_acc_no_mirror uses the image alone.
Quick trials: A2_RESNET_NTRAIN (training images), A2_RESNET_NTEST, A2_RESNET_BUDGET.
"""

import os
import sys
import time

import numpy as np

from cs231n.classifiers.resnet import SmallResNet, random_flip
from cs231n.data_utils import get_CIFAR10_data
from cs231n.solver import Solver


def run():
    t_start = time.time()
    budget = float(os.environ.get("A2_RESNET_BUDGET", 1800))
    n_train = int(os.environ.get("A2_RESNET_NTRAIN", 49000))
    n_test = int(os.environ.get("A2_RESNET_NTEST", 10000))
    data = get_CIFAR10_data(num_training=n_train, num_validation=1000, num_test=n_test)
    for k in ("X_train", "X_val", "X_test"):
        data[k] /= 64.0  # about unit variance
    model = SmallResNet(filters=(16, 32, 64), reg=1e-4, seed=0)
    train = {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    solver = Solver(
        model,
        train,
        update_rule="adam",
        optim_config={"learning_rate": 2e-3},
        lr_decay=0.8,
        batch_size=100,
        num_epochs=1,
        print_every=0,
        verbose=False,
        seed=0,
        augment=random_flip,
    )
    epoch_seconds, spent = [], 0.0
    while True:
        t0 = time.time()
        solver.num_epochs = len(epoch_seconds) + 1
        solver.train()
        epoch_seconds.append(time.time() - t0)
        spent += epoch_seconds[-1]
        print(
            f"a2_resnet: epoch {len(epoch_seconds)}: {epoch_seconds[-1]:.0f} s, "
            f"train acc {solver.train_acc_history[-1]:.3f}, val acc {solver.val_acc_history[-1]:.3f}",
            file=sys.stderr,
            flush=True,
        )
        if spent + np.median(epoch_seconds) > budget:
            break

    def test_scores(X):  # in batches of 500, test mode
        return np.concatenate([model.loss(X[i : i + 500]) for i in range(0, len(X), 500)])

    scores, mirror = test_scores(data["X_test"]), test_scores(data["X_test"][:, :, :, ::-1])
    test_acc_single = float(np.mean(scores.argmax(1) == data["y_test"]))
    test_acc = float(np.mean((scores + mirror).argmax(1) == data["y_test"]))
    return {
        "a2.numpy_resnet.test_acc": round(test_acc, 4),
        "a2.numpy_resnet.test_acc_no_mirror": round(test_acc_single, 4),
        "a2.numpy_resnet.best_val_acc": round(float(solver.best_val_acc), 4),
        "a2.numpy_resnet.epochs": len(epoch_seconds),
        "a2.numpy_resnet.n_train": n_train,
        "a2.numpy_resnet.epoch_seconds": round(float(np.median(epoch_seconds)), 1),
        "a2.numpy_resnet.train_seconds": round(spent, 1),
        "a2.numpy_resnet.wall_seconds": round(time.time() - t_start, 1),
    }


if __name__ == "__main__":
    print(run())
