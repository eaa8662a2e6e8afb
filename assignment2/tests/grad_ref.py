"""Fourth-order central differences for the gradient tests that demand relative errors below 1e-8.

The plain central difference in helpers.num_grad is accurate to about 1e-7 relative on
normalisation layers (its truncation and round-off errors meet there); the five-point
stencil (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h, with h = 1e-3, has truncation
error O(h^4) ~ 1e-12 and round-off ~ 1e-13, leaving room for the 1e-8 threshold. Inputs
must stay 2h away from kinks (ReLU at 0, max ties).
"""

import numpy as np


def num_grad4(f, x, df=None, h=1e-3):
    """Gradient of sum(f(x) * df) (or of scalar f(x)) with respect to array x, perturbing x in place."""
    x = np.asarray(x)
    assert x.dtype == np.float64, f"num_grad4 needs float64 inputs, got {x.dtype}"
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i].copy()
        vals = []
        for step in (2, 1, -1, -2):
            x[i] = old + step * h
            vals.append(np.array(f(x), dtype=np.float64, copy=True))
        x[i] = old
        diff = (8.0 * (vals[1] - vals[2]) - (vals[0] - vals[3])) / (12.0 * h)
        grad[i] = np.sum(diff if df is None else diff * df)
        it.iternext()
    return grad


def scaled_error(a, b):
    """max |a - b| relative to the largest entry: for whole-network checks, where single tiny
    gradient entries (ReLU kinks, cancelling paths) make the elementwise relative error meaningless."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b))))
