"""Bench a1.features: HOG + HSV hue histogram features, then a linear SVM and a TwoLayerNet on them (course splits)."""

import time

import numpy as np

from cs231n.classifiers import LinearSVM
from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.data_utils import get_CIFAR10_raw
from cs231n.features import color_histogram_hsv, extract_features, hog_feature
from cs231n.solver import Solver

SVM = dict(learning_rate=1e-2, reg=1e-2, num_iters=1500, batch_size=200)
NET = dict(hidden_dim=500, weight_scale=1e-2, reg=1e-3, learning_rate=0.3, lr_decay=0.95, batch_size=200, num_epochs=15)


def run():
    t0 = time.time()
    raw = get_CIFAR10_raw(num_training=49000, num_validation=1000, num_test=1000)
    feature_fns = [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)]
    feats = {s: extract_features(raw["X_" + s], feature_fns) for s in ("train", "val", "test")}
    extract_seconds = time.time() - t0
    # normalise each feature with the training mean and std
    mean = feats["train"].mean(axis=0, keepdims=True)
    std = feats["train"].std(axis=0, keepdims=True) + 1e-8
    feats = {s: (f - mean) / std for s, f in feats.items()}
    y = {s: raw["y_" + s] for s in ("train", "val", "test")}

    t1 = time.time()
    with_bias = {s: np.hstack([f, np.ones((f.shape[0], 1))]) for s, f in feats.items()}
    np.random.seed(0)
    svm = LinearSVM()
    svm.train(with_bias["train"], y["train"], **SVM)
    svm_val = float(np.mean(svm.predict(with_bias["val"]) == y["val"]))
    svm_test = float(np.mean(svm.predict(with_bias["test"]) == y["test"]))
    svm_seconds = time.time() - t1

    t2 = time.time()
    np.random.seed(0)
    net = TwoLayerNet(
        input_dim=feats["train"].shape[1],
        hidden_dim=NET["hidden_dim"],
        weight_scale=NET["weight_scale"],
        reg=NET["reg"],
    )
    data = {"X_train": feats["train"], "y_train": y["train"], "X_val": feats["val"], "y_val": y["val"]}
    solver = Solver(
        net,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": NET["learning_rate"]},
        lr_decay=NET["lr_decay"],
        batch_size=NET["batch_size"],
        num_epochs=NET["num_epochs"],
        verbose=False,
        seed=0,
    )
    solver.train()
    net_test = float(np.mean(net.predict(feats["test"]) == y["test"]))
    net_seconds = time.time() - t2

    return {
        "a1.features.extract_seconds": round(extract_seconds, 1),
        "a1.features.svm_val_acc": round(svm_val, 4),
        "a1.features.svm_test_acc": round(svm_test, 4),
        "a1.features.svm_seconds": round(svm_seconds, 1),
        "a1.features.net_val_acc": round(float(solver.best_val_acc), 4),
        "a1.features.net_test_acc": round(net_test, 4),
        "a1.features.net_seconds": round(net_seconds, 1),
        "a1.features.wall_seconds": round(time.time() - t0, 1),
    }
