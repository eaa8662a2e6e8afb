"""Tests of the given gradient-check helpers (cs231n/gradient_check.py) on functions with known derivatives.

Given code, not graded: GRADED = False tells the release validator to skip this module,
and every test is worth 0 points.
"""

import numpy as np
import pytest

from cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    eval_numerical_gradient_blobs,
    grad_check_sparse,
    rel_error,
)

GRADED = False
pytestmark = pytest.mark.points(0)


def test_rel_error_values():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert abs(rel_error(1.0, 1.1) - 0.1 / 2.1) < 1e-12
    assert abs(rel_error([1.0, 3.0], [1.0, -3.0]) - 1.0) < 1e-12  # largest entry wins
    with pytest.raises(AssertionError):
        rel_error(np.zeros(2), np.zeros(3))


def test_eval_numerical_gradient_cubic(capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x0 = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z**3) + 2.0 * np.sum(z), x, verbose=False)
    assert grad.shape == x.shape
    assert rel_error(grad, 3 * x0**2 + 2.0) < 1e-8
    np.testing.assert_array_equal(x, x0)  # restored
    eval_numerical_gradient(lambda z: np.sum(z), np.zeros(2), verbose=True)
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_eval_numerical_gradient_array_matches_chain_rule():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4))
    df = rng.standard_normal((2, 3, 4))
    grad = eval_numerical_gradient_array(lambda z: 2.0 * np.sin(z), x, df)
    assert rel_error(grad, 2.0 * np.cos(x) * df) < 1e-7
    # f returning x itself (a view): the gradient is df
    grad_id = eval_numerical_gradient_array(lambda z: z, x, df)
    assert rel_error(grad_id, df) < 1e-8
    # matrix product: d/dW sum((X W) * dout) = X^T dout
    X = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 2))
    dout = rng.standard_normal((5, 2))
    assert rel_error(eval_numerical_gradient_array(lambda w: X.dot(w), W, dout), X.T.dot(dout)) < 1e-8


def test_grad_check_sparse_right_and_wrong(capsys):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 5))
    f = lambda z: np.sum(np.exp(z))
    errs = grad_check_sparse(f, x, np.exp(x), num_checks=7, seed=0)
    assert len(errs) == 7 and max(errs) < 1e-7
    assert len(capsys.readouterr().out.strip().splitlines()) == 7
    bad = grad_check_sparse(f, x, 2 * np.exp(x), num_checks=5, seed=0)
    assert min(bad) > 0.3  # |1 - 2| / 3
    with pytest.raises(AssertionError):
        grad_check_sparse(f, x, np.zeros((5, 6)))


class _Blob:
    def __init__(self, vals):
        self.vals = vals
        self.diffs = np.zeros_like(vals)


def test_eval_numerical_gradient_blobs_product():
    rng = np.random.default_rng(3)
    a, b = _Blob(rng.standard_normal(4)), _Blob(rng.standard_normal(4))
    out = _Blob(np.zeros(4))
    out.diffs = rng.standard_normal(4)

    def f(a, b, out):
        out.vals = a.vals * b.vals

    da, db = eval_numerical_gradient_blobs(f, (a, b), out)
    assert rel_error(da, b.vals * out.diffs) < 1e-8
    assert rel_error(db, a.vals * out.diffs) < 1e-8
