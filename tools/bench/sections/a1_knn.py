"""Bench a1.knn: kNN on CIFAR-10 (5,000 train / 500 test, k by 5-fold CV), agreement with scikit-learn, distance timings."""

import time

import numpy as np

from tools.bench import median_seconds

from cs231n.classifiers import KNearestNeighbor
from cs231n.data_utils import get_CIFAR10_raw

K_CHOICES = [1, 3, 5, 8, 10, 12, 15, 20, 50, 100]
NUM_FOLDS = 5


def run():
    t_start = time.time()
    # the course's subsample: the first 5,000 training and 500 test images, as rows
    raw = get_CIFAR10_raw(num_training=5000, num_validation=0, num_test=500)
    X_train = raw["X_train"].reshape(5000, -1)
    y_train = raw["y_train"]
    X_test = raw["X_test"].reshape(500, -1)
    y_test = raw["y_test"]

    # 5-fold cross-validation: one distance matrix per fold, reused for every k
    X_folds = np.array_split(X_train, NUM_FOLDS)
    y_folds = np.array_split(y_train, NUM_FOLDS)
    acc = {k: [] for k in K_CHOICES}
    knn = KNearestNeighbor()
    for i in range(NUM_FOLDS):
        knn.train(np.concatenate(X_folds[:i] + X_folds[i + 1 :]), np.concatenate(y_folds[:i] + y_folds[i + 1 :]))
        dists = knn.compute_distances_no_loops(X_folds[i])
        for k in K_CHOICES:
            acc[k].append(float(np.mean(knn.predict_labels(dists, k=k) == y_folds[i])))
    mean_acc = {k: np.mean(v) for k, v in acc.items()}
    best_k = max(K_CHOICES, key=lambda k: (mean_acc[k], -k))  # ties -> smaller k

    knn.train(X_train, y_train)
    y_pred = knn.predict(X_test, k=best_k)
    test_acc = float(np.mean(y_pred == y_test))

    from sklearn.metrics import pairwise_distances
    from sklearn.neighbors import KNeighborsClassifier

    sk = KNeighborsClassifier(n_neighbors=best_k, algorithm="brute").fit(X_train, y_train)
    agreement = float(np.mean(sk.predict(X_test) == y_pred))

    no_loops = median_seconds(lambda: knn.compute_distances_no_loops(X_test))
    sk_pairwise = median_seconds(lambda: pairwise_distances(X_test, X_train))
    one_loop = median_seconds(lambda: knn.compute_distances_one_loop(X_test), repeats=1)
    two_loops = median_seconds(lambda: knn.compute_distances_two_loops(X_test), repeats=1)

    return {
        "a1.knn.best_k": int(best_k),
        "a1.knn.cv_acc_best_k": round(float(mean_acc[best_k]), 4),
        "a1.knn.test_acc": round(test_acc, 4),
        "a1.knn.sklearn_agreement": round(agreement, 4),
        "a1.knn.no_loops_seconds": round(no_loops, 4),
        "a1.knn.sklearn_pairwise_seconds": round(sk_pairwise, 4),
        "a1.knn.no_loops_vs_sklearn_ratio": round(no_loops / sk_pairwise, 3),
        "a1.knn.one_loop_seconds": round(one_loop, 3),
        "a1.knn.two_loops_seconds": round(two_loops, 3),
        "a1.knn.speedup_no_loops_vs_two_loops": round(two_loops / no_loops, 1),
        "a1.knn.wall_seconds": round(time.time() - t_start, 1),
    }
