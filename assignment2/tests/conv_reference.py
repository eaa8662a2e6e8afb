"""Independent references for the convolution tests: scipy cross-correlation and explicit pooling."""

import numpy as np
from scipy.signal import correlate


def reference_conv(x, w, b, stride, pad):
    """Convolution layer output via scipy's 2-D cross-correlation per (example, filter, channel)."""
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            full = sum(correlate(xp[n, c], w[f, c], mode="valid") for c in range(C))
            out[n, f] = full[::stride, ::stride][:Ho, :Wo] + b[f]
    return out


def reference_pool(x, ph, pw, s):
    """Max pooling output, a max over each window written with explicit index lists."""
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            rows = [i * s + a for a in range(ph)]
            cols = [j * s + c for c in range(pw)]
            out[:, :, i, j] = x[:, :, rows][:, :, :, cols].reshape(N, C, -1).max(axis=2)
    return out
