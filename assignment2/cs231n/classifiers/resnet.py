"""A residual block and a small ResNet for CIFAR-10 in numpy, built from the fast conv layers and spatial batchnorm.

    block: out = relu( bn2(conv2( relu(bn1(conv1(x))) )) + shortcut(x) )
    shortcut: the identity when the shape is kept, else a 1x1 conv with the block's stride then batchnorm.

The convolutions have no bias (the batchnorm after each one has a shift), so the conv
layers are called with a zero bias whose gradient is dropped.
"""

import numpy as np

from ..fast_layers import conv_backward_fast, conv_forward_fast
from ..layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)


def _conv(x, w, stride, pad):
    """Bias-free convolution with the fast layer, rounding the output size down as PyTorch does.

    The fast layer wants (H + 2 pad - HH) divisible by the stride (a 3x3, stride-2 conv on a
    32x32 map does not fit); then the padded input is cut to the rows and columns the
    windows use (padding below/right trimmed), which gives the same result as PyTorch.
    Returns (out, cache).
    """
    N, C, H, W = x.shape
    k = w.shape[2]
    b = np.zeros(w.shape[0], dtype=x.dtype)
    if (H + 2 * pad - k) % stride == 0 and (W + 2 * pad - k) % stride == 0:
        out, cache = conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
        return out, (cache, None)
    need_h = (H + 2 * pad - k) // stride * stride + k  # padded extent the windows cover
    need_w = (W + 2 * pad - k) // stride * stride + k
    xp = np.pad(x, ((0, 0), (0, 0), (pad, max(0, need_h - H - pad)), (pad, max(0, need_w - W - pad))))
    out, cache = conv_forward_fast(np.ascontiguousarray(xp[:, :, :need_h, :need_w]), w, b, {"stride": stride, "pad": 0})
    return out, (cache, (x.shape, pad))


def _conv_backward(dout, cache, need_dx=True):
    """Gradients (dx, dw) of _conv (dx is None when need_dx is False)."""
    conv_cache, crop = cache
    dx, dw, _ = conv_backward_fast(dout, conv_cache, need_dx=need_dx)
    if crop is None or dx is None:
        return dx, dw
    shape, pad = crop
    H, W = shape[2:]
    full = np.zeros(shape, dtype=dx.dtype)
    hh, ww = min(H, dx.shape[2] - pad), min(W, dx.shape[3] - pad)
    full[:, :, :hh, :ww] = dx[:, :, pad : pad + hh, pad : pad + ww]
    return full, dw


def random_flip(X, rng):
    """Mirror each image left-right with probability 1/2: training-time augmentation for the
    Solver (Solver(..., augment=random_flip)). A mirrored CIFAR-10 image shows the same class.

    Inputs:
    - X: images, (N, C, H, W)
    - rng: a numpy Generator (the Solver passes its own, so runs stay reproducible)
    Returns: a new array (N, C, H, W); X itself is not changed.
    """
    flip = rng.random(X.shape[0]) < 0.5
    out = X.copy()
    out[flip] = X[flip][:, :, :, ::-1]
    return out


def global_avg_pool_forward(x):
    """Average over all positions.

    Inputs:
    - x: (N, C, H, W)
    Returns a tuple of:
    - out: (N, C)
    - cache: the input shape
    """
    return x.mean(axis=(2, 3)), x.shape


def global_avg_pool_backward(dout, cache):
    """Inputs: dout (N, C), cache from the forward. Returns dx (N, C, H, W): dout / (H * W) at every position."""
    N, C, H, W = cache
    return np.broadcast_to((dout / (H * W))[:, :, None, None], cache).astype(dout.dtype)


def residual_block_forward(x, p, bn_params, stride=1):
    """Forward pass of a residual block.

    Inputs:
    - x: input, (N, C, H, W)
    - p: dict of parameters:
      'w1' (F, C, 3, 3), 'gamma1' (F,), 'beta1' (F,)  first conv (stride `stride`, pad 1) and its batchnorm
      'w2' (F, F, 3, 3), 'gamma2' (F,), 'beta2' (F,)  second conv (stride 1, pad 1) and its batchnorm
      optionally 'ws' (F, C, 1, 1), 'gammas' (F,), 'betas' (F,): projection shortcut (1x1 conv with
      stride `stride`, then batchnorm); needed whenever stride > 1 or F != C
    - bn_params: list of batchnorm parameter dicts (mode 'train'/'test', running stats), one per
      batchnorm: two, or three with the projection
    - stride: stride of the first conv (and of the projection)
    Returns a tuple of:
    - out: (N, F, H', W') with H' = (H - 1) // stride + 1
    - cache: what the backward pass needs
    """
    project = "ws" in p
    N, C, H, W = x.shape
    if not project and (stride != 1 or p["w1"].shape[0] != C):
        raise ValueError(
            f"the block changes the shape ({C} -> {p['w1'].shape[0]} channels, stride {stride}), "
            "so it needs a projection shortcut: give p['ws'], p['gammas'], p['betas']"
        )
    ### BEGIN SOLUTION
    h, c_conv1 = _conv(x, p["w1"], stride, 1)  # (N, F, H', W')
    h, c_bn1 = spatial_batchnorm_forward(h, p["gamma1"], p["beta1"], bn_params[0])
    h, c_relu1 = relu_forward(h)
    h, c_conv2 = _conv(h, p["w2"], 1, 1)
    h, c_bn2 = spatial_batchnorm_forward(h, p["gamma2"], p["beta2"], bn_params[1])
    if project:
        s, c_convs = _conv(x, p["ws"], stride, 0)
        s, c_bns = spatial_batchnorm_forward(s, p["gammas"], p["betas"], bn_params[2])
        c_short = (c_convs, c_bns)
    else:
        s, c_short = x, None
    out, c_out = relu_forward(h + s)
    cache = (c_conv1, c_bn1, c_relu1, c_conv2, c_bn2, c_short, c_out)
    ### END SOLUTION
    return out, cache


def residual_block_backward(dout, cache):
    """Backward pass of a residual block.

    Inputs:
    - dout: upstream gradient, (N, F, H', W')
    - cache: from residual_block_forward
    Returns a tuple of:
    - dx: gradient with respect to x, (N, C, H, W)
    - grads: dict with the gradient of every entry of p (same keys and shapes)
    """
    ### BEGIN SOLUTION
    c_conv1, c_bn1, c_relu1, c_conv2, c_bn2, c_short, c_out = cache
    grads = {}
    dsum = relu_backward(dout, c_out)  # flows into both the body and the shortcut
    if c_short is not None:
        c_convs, c_bns = c_short
        ds, grads["gammas"], grads["betas"] = spatial_batchnorm_backward(dsum, c_bns)
        dx_short, grads["ws"] = _conv_backward(ds, c_convs)
    else:
        dx_short = dsum
    dh, grads["gamma2"], grads["beta2"] = spatial_batchnorm_backward(dsum, c_bn2)
    dh, grads["w2"] = _conv_backward(dh, c_conv2)
    dh = relu_backward(dh, c_relu1)
    dh, grads["gamma1"], grads["beta1"] = spatial_batchnorm_backward(dh, c_bn1)
    dx, grads["w1"] = _conv_backward(dh, c_conv1)
    dx = dx + dx_short
    ### END SOLUTION
    return dx, grads


class SmallResNet:
    """A small ResNet for CIFAR-10 (He et al.'s CIFAR design, numpy):

    conv3x3 (filters[0]) - BN - ReLU - stages of residual blocks - global average pool - affine - softmax

    Stage s has blocks_per_stage blocks with filters[s] channels; the first block of every
    stage after the first halves the resolution (stride 2, projection shortcut). With
    filters=(16, 32, 64) and one block per stage it has 8 weight layers (ResNet-8).

    Parameters live in self.params (names like 'W0', 'b3_w1', 'b3_gamma1', 'W_fc');
    self.bn_params holds one dict per batchnorm. loss(X, y) follows the Solver's contract.
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        filters=(16, 32, 64),
        blocks_per_stage=1,
        num_classes=10,
        reg=0.0,
        dtype=np.float32,
        seed=None,
    ):
        C, H, W = input_dim
        rng = np.random.default_rng(seed)
        self.reg, self.dtype = reg, dtype
        self.params, self.blocks, self.bn_params = {}, [], []

        def kaiming(shape):  # N(0, 2 / fan_in) for conv (F, C, k, k)
            return (rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))).astype(dtype)

        def add_bn(prefix, F):
            self.params[prefix.replace("@", "gamma")] = np.ones(F, dtype=dtype)
            self.params[prefix.replace("@", "beta")] = np.zeros(F, dtype=dtype)
            self.bn_params.append({"mode": "train"})
            return len(self.bn_params) - 1

        self.params["W0"] = kaiming((filters[0], C, 3, 3))
        self.stem_bn = add_bn("@0", filters[0])
        c_in = filters[0]
        for s, F in enumerate(filters):
            for i in range(blocks_per_stage):
                k = len(self.blocks)
                stride = 2 if (s > 0 and i == 0) else 1
                names = {
                    "w1": f"b{k}_w1",
                    "gamma1": f"b{k}_gamma1",
                    "beta1": f"b{k}_beta1",
                    "w2": f"b{k}_w2",
                    "gamma2": f"b{k}_gamma2",
                    "beta2": f"b{k}_beta2",
                }
                self.params[names["w1"]] = kaiming((F, c_in, 3, 3))
                self.params[names["w2"]] = kaiming((F, F, 3, 3))
                bns = [add_bn(f"b{k}_@1", F), add_bn(f"b{k}_@2", F)]
                if stride != 1 or c_in != F:
                    names.update(ws=f"b{k}_ws", gammas=f"b{k}_gammas", betas=f"b{k}_betas")
                    self.params[names["ws"]] = kaiming((F, c_in, 1, 1))
                    bns.append(add_bn(f"b{k}_@s", F))
                self.blocks.append((names, bns, stride))
                c_in = F
        self.params["W_fc"] = (rng.standard_normal((c_in, num_classes)) * np.sqrt(1.0 / c_in)).astype(dtype)
        self.params["b_fc"] = np.zeros(num_classes, dtype=dtype)

    def loss(self, X, y=None):
        """Scores (N, num_classes) when y is None (test mode), else (loss, grads) for a training batch X (N, C, H, W)."""
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"
        for bp in self.bn_params:
            bp["mode"] = mode
        P = self.params
        h, c_conv0 = _conv(X, P["W0"], 1, 1)
        h, c_bn0 = spatial_batchnorm_forward(h, P["gamma0"], P["beta0"], self.bn_params[self.stem_bn])
        h, c_relu0 = relu_forward(h)
        caches = []
        for names, bns, stride in self.blocks:
            h, c = residual_block_forward(
                h, {k: P[v] for k, v in names.items()}, [self.bn_params[j] for j in bns], stride
            )
            caches.append(c)
        h, c_gap = global_avg_pool_forward(h)
        scores, c_fc = affine_forward(h, P["W_fc"], P["b_fc"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        weights = ["W0", "W_fc"] + [n[k] for n, _, _ in self.blocks for k in ("w1", "w2", "ws") if k in n]
        loss += 0.5 * self.reg * sum(float(np.sum(P[w] * P[w])) for w in weights)
        grads = {}
        dh, grads["W_fc"], grads["b_fc"] = affine_backward(dscores, c_fc)
        dh = global_avg_pool_backward(dh, c_gap)
        for (names, _, _), c in zip(reversed(self.blocks), reversed(caches)):
            dh, g = residual_block_backward(dh, c)
            for k, v in g.items():
                grads[names[k]] = v
        dh = relu_backward(dh, c_relu0)
        dh, grads["gamma0"], grads["beta0"] = spatial_batchnorm_backward(dh, c_bn0)
        _, grads["W0"] = _conv_backward(dh, c_conv0, need_dx=False)  # no gradient for the images
        for w in weights:
            grads[w] = grads[w] + self.reg * P[w]
        return loss, grads
