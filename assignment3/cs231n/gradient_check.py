"""Numerical gradients by central differences, to check the analytic gradients you write.

    from cs231n.gradient_check import eval_numerical_gradient, grad_check_sparse, rel_error

    f = lambda W: svm_loss_naive(W, X, y, 0.0)[0]
    grad_numerical = eval_numerical_gradient(f, W, verbose=False)
    print(rel_error(grad_numerical, grad_analytic))     # ~1e-8 when they agree

The derivative of f at x along coordinate i is estimated as
(f(x + h e_i) - f(x - h e_i)) / (2h), whose error shrinks like h**2. The functions
change x in place while they probe it and always restore it.
"""

from random import randrange

import numpy as np


def rel_error(x, y):
    """Largest relative error between arrays x and y (guarded against division by zero).

    Inputs:
    - x, y: arrays (or numbers) of the same shape
    Returns a float: max over entries of |x - y| / max(1e-8, |x| + |y|).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    assert x.shape == y.shape, f"rel_error: shapes differ, {x.shape} vs {y.shape}"
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: function taking the array x and returning a scalar
    - x: float array of any shape; changed in place during the probe, then restored
    - verbose: print each coordinate and its estimate
    - h: step of the central difference
    Returns grad: float64 array of the same shape as x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix].copy()
        x[ix] = old + h
        fxph = f(x)  # f(x + h)
        x[ix] = old - h
        fxmh = f(x)  # f(x - h)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df) at x, for array-valued f (e.g. a layer's forward pass).

    df is the upstream gradient dL/d(f(x)); the result approximates dL/dx, which is what
    a layer's backward pass returns.

    Inputs:
    - f: function taking the array x and returning an array of the same shape as df
    - x: float array; changed in place during the probe, then restored
    - df: array of the shape of f(x)
    - h: step of the central difference
    Returns grad: array of the same shape as x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix].copy()
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)  # copy: f may return a view of x
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_blobs(f, inputs, output, h=1e-5):
    """Numerical gradients for functions working on blobs (objects with .vals and .diffs arrays).

    f(*inputs) reads inputs[k].vals and writes output.vals; output.diffs holds the upstream
    gradient. Returns a list with one array per input, the numerical gradient of
    sum(output.vals * output.diffs) with respect to inputs[k].vals.
    """
    args = list(inputs) + [output]
    grads = []
    for blob in inputs:
        diff = np.zeros_like(blob.diffs, dtype=np.float64)
        it = np.nditer(blob.vals, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            ix = it.multi_index
            old = blob.vals[ix].copy()
            blob.vals[ix] = old + h
            f(*args)
            pos = np.array(output.vals, dtype=np.float64, copy=True)
            blob.vals[ix] = old - h
            f(*args)
            neg = np.array(output.vals, dtype=np.float64, copy=True)
            blob.vals[ix] = old
            diff[ix] = np.sum((pos - neg) * output.diffs) / (2.0 * h)
            it.iternext()
        grads.append(diff)
    return grads


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare the analytic gradient with central differences at a few random coordinates.

    Prints, for each sampled coordinate, the numerical and analytic values and their
    relative error.

    Inputs:
    - f: function taking the array x and returning a scalar
    - x: float array; changed in place during the probe, then restored
    - analytic_grad: array of the shape of x, the gradient to check
    - num_checks: how many random coordinates to try
    - h: step of the central difference
    - seed: optional seed of the coordinate choice (None: Python's global random state)
    Returns the list of relative errors, one per check.
    """
    assert analytic_grad.shape == x.shape, f"analytic_grad has shape {analytic_grad.shape}, but x has shape {x.shape}"
    if seed is not None:
        import random

        pick = random.Random(seed).randrange
    else:
        pick = randrange
    errors = []
    for _ in range(num_checks):
        ix = tuple(pick(m) for m in x.shape)
        old = x[ix].copy() if hasattr(x[ix], "copy") else x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        err = abs(grad_numerical - grad_analytic) / max(1e-12, abs(grad_numerical) + abs(grad_analytic))
        errors.append(float(err))
        print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {err:e}")
    return errors
