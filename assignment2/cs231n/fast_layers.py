"""Fast convolution and max pooling in plain numpy (stride tricks + BLAS), no compiled extension.

These layers are GIVEN code: students do not write them, they time them against their
naive versions in ConvolutionalNetworks.ipynb. They follow the same contract as the naive
layers in layers.py and give the same numbers (to rounding), for every stride, padding and
filter size the naive versions accept, in float32 and float64 (the input's dtype is kept).

How the convolution works (im2col without Python loops over images or positions):
  * the zero-padded input xp (N, C, Hp, Wp) is viewed, without copying, as an array of
    shape (N, C, HH, WW, H_out, W_out) with `numpy.lib.stride_tricks.as_strided`: element
    [n, c, i, j, y, x] is xp[n, c, y*stride + i, x*stride + j];
  * that view is copied once, transposed, into a contiguous column matrix
    cols (C*HH*WW, N*H_out*W_out), and the whole forward pass is ONE matrix product
    with the filters (F, C*HH*WW) (one large GEMM is faster than N small ones);
  * the backward pass reuses the columns: dw = dout (F, N*H_out*W_out) times cols^T
    (one GEMM), and dx = (filters^T times dout), whose HH*WW filter-offset slices are
    added back into dx, each clipped to the rows and columns that are not padding (a loop
    over the small filter window; no padded gradient is allocated, no np.add.at).
Memory: the column matrix is the one large allocation, about HH*WW/stride^2 times the
input; it stays in the cache until the backward pass. A 1x1 convolution with stride 1 and
no padding uses the input itself as its columns (no copy). No copy is made for pooling.
"""

import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "conv_forward_fast",
    "conv_backward_fast",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
    "conv_forward_strides",
    "conv_backward_strides",
    "clear_workspace",
]

# Workspace: large arrays are reused between calls instead of being freshly allocated,
# because the operating system hands a new large allocation back as untouched pages, and
# filling those (page faults) costs as much as the arithmetic here. An array is handed out
# again only when nothing else refers to it any more (no cache, no view, no caller), which
# its reference count tells. At most _POOL_PER_SHAPE arrays per (shape, dtype) and
# _POOL_MAX_BYTES in all are kept; clear_workspace() releases them.
_POOL = {}
_POOL_PER_SHAPE = 6
_POOL_MAX_BYTES = 1 << 30
_POOL_MIN_BYTES = 1 << 18


def _empty(shape, dtype):
    """np.empty(shape, dtype), reusing a pooled array that nothing else refers to."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes < _POOL_MIN_BYTES:
        return np.empty(shape, dtype)
    key = (tuple(shape), dtype.str)
    arrays = _POOL.setdefault(key, [])
    for i in range(len(arrays)):
        if sys.getrefcount(arrays[i]) == 2:  # the pool's reference + this call's
            return arrays[i]
    a = np.empty(shape, dtype)
    total = sum(b.nbytes for lst in _POOL.values() for b in lst)
    if len(arrays) < _POOL_PER_SHAPE and total + nbytes <= _POOL_MAX_BYTES:
        arrays.append(a)
    return a


def clear_workspace():
    """Release the arrays the fast layers keep for reuse (they are re-created when needed)."""
    _POOL.clear()


def _conv_out_size(H, W, HH, WW, stride, pad):
    """Output height and width, with a clear error when the filter does not tile the padded input."""
    assert stride >= 1 and pad >= 0, f"need stride >= 1 and pad >= 0, got stride={stride}, pad={pad}"
    if (H + 2 * pad - HH) % stride != 0 or H + 2 * pad < HH:
        raise ValueError(
            f"conv: height does not fit: (H + 2*pad - HH) = ({H} + 2*{pad} - {HH}) must be >= 0 and "
            f"divisible by stride={stride}; change the padding or the stride"
        )
    if (W + 2 * pad - WW) % stride != 0 or W + 2 * pad < WW:
        raise ValueError(
            f"conv: width does not fit: (W + 2*pad - WW) = ({W} + 2*{pad} - {WW}) must be >= 0 and "
            f"divisible by stride={stride}; change the padding or the stride"
        )
    return 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride


def _window_view(xp, HH, WW, stride, Ho, Wo):
    """Read-only strided view (N, C, HH, WW, Ho, Wo) of padded input xp (N, C, Hp, Wp); no copy."""
    sN, sC, sH, sW = xp.strides
    return as_strided(
        xp,
        shape=(xp.shape[0], xp.shape[1], HH, WW, Ho, Wo),
        strides=(sN, sC, sH, sW, stride * sH, stride * sW),
        writeable=False,
    )


def _pad(x, pad):
    """x zero-padded by `pad` on each side of H and W: (N, C, H+2*pad, W+2*pad), in a reused buffer."""
    N, C, H, W = x.shape
    xp = _empty((N, C, H + 2 * pad, W + 2 * pad), x.dtype)
    xp[:, :, :pad] = 0
    xp[:, :, -pad:] = 0
    xp[:, :, pad:-pad, :pad] = 0
    xp[:, :, pad:-pad, -pad:] = 0
    xp[:, :, pad:-pad, pad:-pad] = x
    return xp


def _clip(n_out, size, k, stride, pad):
    """For filter offset k: the output indices [lo, hi) whose input index o*stride + k - pad
    lies inside [0, size), and the first such input index."""
    lo = max(0, -(-(pad - k) // stride))
    hi = min(n_out, (size - 1 + pad - k) // stride + 1)
    return lo, hi, lo * stride + k - pad


def conv_forward_fast(x, w, b, conv_param):
    """
    Fast forward pass of a convolutional layer (same result as conv_forward_naive).

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: dict with 'stride' and 'pad' (zero padding on each side of H and W)

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') with H' = 1 + (H + 2*pad - HH) // stride and
      W' = 1 + (W + 2*pad - WW) // stride, in x's dtype (float32 stays float32)
    - cache: (x, w, b, conv_param, cols) for conv_backward_fast

    Allocates: the padded input (N, C, H+2*pad, W+2*pad) when pad > 0 (freed on return);
    the column matrix cols (C*HH*WW, N*H'*W'), the one copy of the strided window view,
    kept in the cache for the backward pass; the GEMM result (F, N*H'*W') and the output
    (all from the workspace: arrays nothing refers to any more are reused).
    A 1x1 filter with stride 1 and no padding needs no columns: the input, reshaped (a
    view), is multiplied image by image.
    """
    x = np.asarray(x)
    assert x.ndim == 4 and w.ndim == 4, f"need x (N, C, H, W) and w (F, C, HH, WW), got {x.shape} and {w.shape}"
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    assert C == Cw, f"x has {C} channels but the filters expect {Cw}"
    assert b.shape == (F,), f"b must have shape ({F},), got {b.shape}"
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    Ho, Wo = _conv_out_size(H, W, HH, WW, stride, pad)
    dtype = np.result_type(x.dtype, np.float32)
    x = np.ascontiguousarray(x, dtype=dtype)
    K, P = C * HH * WW, Ho * Wo
    w2 = w.reshape(F, K).astype(dtype, copy=False)
    bias = b.astype(dtype, copy=False)

    if HH == 1 and WW == 1 and stride == 1 and pad == 0:
        # a 1x1 convolution is a matrix product per image: x itself (reshaped) is the column matrix
        out = np.matmul(w2, x.reshape(N, C, P))  # (N, F, P): N GEMMs (F,C)x(C,P)
        out += bias[:, None]
        return out.reshape(N, F, Ho, Wo), (x, w, b, conv_param, None)

    xp = _pad(x, pad) if pad else x
    # cols[c, i, j, n, y, x] = xp[n, c, y*stride + i, x*stride + j]: one GEMM does every image
    cols = _empty((C, HH, WW, N, Ho, Wo), dtype)
    cols[...] = _window_view(xp, HH, WW, stride, Ho, Wo).transpose(1, 2, 3, 0, 4, 5)
    cols = cols.reshape(K, N * P)

    out2 = np.matmul(w2, cols, out=_empty((F, N * P), dtype))  # one GEMM (F,K)x(K,N*P)
    out = _empty((N, F, P), dtype)
    np.add(out2.reshape(F, N, P).transpose(1, 0, 2), bias[:, None], out=out)
    return out.reshape(N, F, Ho, Wo), (x, w, b, conv_param, cols)


def conv_backward_fast(dout, cache, need_dx=True):
    """
    Fast backward pass of a convolutional layer (same result as conv_backward_naive).

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: the cache from conv_forward_fast
    - need_dx: False skips the input gradient (dx is then None): a network's first layer
      needs only dw and db, and dx is the expensive part (a GEMM and the col2im adds)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W) (None when need_dx is False)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)

    Allocates: dout transposed to (F, N*H'*W'); with dx, dcols (C*HH*WW, N*H'*W') (the size
    of the forward's columns) and dx.
    """
    x, w, b, conv_param, cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    Ho, Wo = _conv_out_size(H, W, HH, WW, stride, pad)
    assert dout.shape == (N, F, Ho, Wo), f"dout has shape {dout.shape}, expected {(N, F, Ho, Wo)}"
    dtype = x.dtype
    K, P = C * HH * WW, Ho * Wo
    w2 = w.reshape(F, K).astype(dtype, copy=False)
    dout = dout.astype(dtype, copy=False).reshape(N, F, P)
    if cols is None:  # the 1x1 path of the forward pass
        x3 = x.reshape(N, C, P)
        db = dout.sum(axis=(0, 2)).astype(b.dtype, copy=False)
        dw = np.matmul(dout, x3.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape).astype(w.dtype, copy=False)
        dx = np.matmul(w2.T, dout).reshape(N, C, H, W) if need_dx else None
        return dx, dw, db
    d2 = _empty((F, N, P), dtype)
    d2[...] = dout.transpose(1, 0, 2)
    d2 = d2.reshape(F, N * P)

    db = d2.sum(axis=1).astype(b.dtype, copy=False)
    dw = (d2 @ cols.T).reshape(w.shape).astype(w.dtype, copy=False)  # one GEMM (F,NP)x(NP,K)
    if not need_dx:
        return None, dw, db

    dcols = np.matmul(w2.T, d2, out=_empty((K, N * P), dtype))  # one GEMM (K,F)x(F,NP)
    dcols = dcols.reshape(C, HH, WW, N, Ho, Wo)
    # col2im: dx[n, c, y*s + i - pad, x*s + j - pad] += dcols[c, i, j, n, y, x], offset by
    # offset, each clipped to the outputs whose input position is not padding
    dx = _empty((N, C, H, W), dtype)
    dxt = dx.transpose(1, 0, 2, 3)  # (C, N, H, W) view, written in place
    dxt[...] = 0
    for i in range(HH):
        ylo, yhi, y0 = _clip(Ho, H, i, stride, pad)
        for j in range(WW):
            xlo, xhi, x0 = _clip(Wo, W, j, stride, pad)
            if yhi > ylo and xhi > xlo:  # else this offset only ever reads padding
                dxt[
                    :,
                    :,
                    y0 : y0 + (yhi - ylo - 1) * stride + 1 : stride,
                    x0 : x0 + (xhi - xlo - 1) * stride + 1 : stride,
                ] += dcols[:, i, j, :, ylo:yhi, xlo:xhi]
    return dx, dw, db


# Names used by older versions of the course's notebooks.
conv_forward_strides = conv_forward_fast
conv_backward_strides = conv_backward_fast


def max_pool_forward_fast(x, pool_param):
    """
    Fast forward pass of a max-pooling layer (same result as max_pool_forward_naive).

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width' and 'stride'

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') with H' = 1 + (H - pool_height) // stride
      and W' = 1 + (W - pool_width) // stride
    - cache: what max_pool_backward_fast needs

    When the windows tile the input exactly (pool_height == pool_width == stride, and H, W
    divisible by it) the output is the elementwise maximum of the ph*pw strided slices
    x[:, :, i::ph, j::pw] (views); this allocates only the output (the backward allocates
    dx and two boolean masks of the output's size).
    Otherwise (overlapping or gapped windows) it reduces a strided window view
    (N, C, H', W', ph, pw) (no copy) and keeps the argmax of each window (N, C, H', W').
    """
    N, C, H, W = x.shape
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    assert s >= 1 and ph >= 1 and pw >= 1, f"pool sizes and stride must be >= 1, got {pool_param}"
    if H < ph or (H - ph) % s != 0 or W < pw or (W - pw) % s != 0:
        raise ValueError(
            f"max pool: a {ph}x{pw} window with stride {s} does not tile a {H}x{W} input: "
            f"(H - pool_height) and (W - pool_width) must be >= 0 and divisible by the stride"
        )
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    if ph == pw == s:
        # the ph*pw strided slices x[:, :, i::ph, j::pw] are the windows' i,j-th elements;
        # an elementwise maximum over them is ~5x faster than a reduce over two axes
        out = x[:, :, 0::ph, 0::pw].copy()  # (N, C, H', W')
        for k in range(1, ph * pw):
            i, j = divmod(k, pw)
            np.maximum(out, x[:, :, i::ph, j::pw], out=out)
        return out, ("reshape", x, out, pool_param)
    sN, sC, sH, sW = x.strides
    win = as_strided(x, shape=(N, C, Ho, Wo, ph, pw), strides=(sN, sC, s * sH, s * sW, sH, sW), writeable=False)
    flat = win.reshape(N, C, Ho, Wo, ph * pw)  # copies only if the view cannot be flattened
    idx = flat.argmax(axis=4)  # first maximum, as the naive loop takes
    out = np.take_along_axis(flat, idx[..., None], axis=4)[..., 0]
    return out, ("window", x, idx, pool_param)


def max_pool_backward_fast(dout, cache):
    """
    Fast backward pass of a max-pooling layer (same result as max_pool_backward_naive).

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: the cache from max_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)

    Each window sends its gradient to its first maximum (as the naive version does). The
    tiling case allocates the mask and dx; the overlapping case adds each window-offset
    slice into dx in a loop over the ph*pw offsets.
    """
    kind, x, saved, pool_param = cache
    N, C, H, W = x.shape
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    Ho, Wo = dout.shape[2], dout.shape[3]
    if kind == "reshape":
        # offset by offset in row-major order: each window's first position equal to its max
        # takes the gradient, so ties (common after a ReLU: all-zero windows) go to one place
        out = saved
        dout = dout.astype(x.dtype, copy=False)
        dx = _empty(x.shape, x.dtype)
        free = np.ones(out.shape, dtype=bool)  # windows not yet served
        for k in range(ph * pw):
            i, j = divmod(k, pw)
            hit = x[:, :, i::ph, j::pw] == out
            hit &= free
            free &= ~hit
            np.multiply(hit, dout, out=dx[:, :, i::ph, j::pw])
        return dx
    idx = saved
    dx = np.zeros_like(x)
    hs, ws = s * (Ho - 1) + 1, s * (Wo - 1) + 1
    for k in range(ph * pw):
        i, j = divmod(k, pw)
        dx[:, :, i : i + hs : s, j : j + ws : s] += np.where(idx == k, dout, 0)
    return dx
