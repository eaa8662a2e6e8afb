"""Independent reference tools for the tests: central differences and relative error.

Deliberately separate from cs231n.gradient_check, so a bug there cannot hide a bug
in the code under test.
"""

import numpy as np


def rel_error(x, y):
    """Max relative error, guarded against division by zero."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def num_grad(f, x, df=None, h=1e-6):
    """Central-difference gradient of sum(f(x) * df) (or of scalar f(x)) w.r.t. array x, in place."""
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old
        diff = (pos - neg) if df is None else (pos - neg) * df
        grad[i] = np.sum(diff) / (2 * h)
        it.iternext()
    return grad
