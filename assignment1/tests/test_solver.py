"""Autograder test for the Solver with the student's TwoLayerNet: it must overfit 50 training examples."""

import numpy as np
import pytest

from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.solver import Solver


@pytest.mark.points(3)
def test_solver_overfits_50_examples():
    rng = np.random.RandomState(0)
    N, D, C = 50, 60, 10
    X = rng.randn(N, D)
    y = rng.randint(0, C, N)
    data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    np.random.seed(0)
    model = TwoLayerNet(input_dim=D, hidden_dim=100, num_classes=C, weight_scale=1e-1, reg=0.0)
    solver = Solver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 0.2},
        batch_size=25,
        num_epochs=100,
        verbose=False,
        seed=0,
    )
    solver.train()
    assert np.mean(solver.loss_history[-10:]) < 0.05, "training loss on 50 examples should go to ~0"
    assert solver.train_acc_history[-1] == 1.0
