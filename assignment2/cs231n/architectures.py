"""CNN architecture calculator: describe a net as a list of layer specs, get shapes, parameters, memory and multiply-adds.

    from cs231n.architectures import Conv, Pool, FC, ReLU, Flatten, analyze, vgg16
    report = analyze(vgg16(), input_shape=(3, 224, 224))
    print(report.table())            # one row per layer, then the totals
    report.total_params              # 138,357,544

Specs (all shapes are per image, channels first: (C, H, W), or (D,) after Flatten):
- Conv(out_channels, kernel, stride=1, pad=0, bias=True, groups=1)
- Pool(kernel, stride=None, pad=0, kind='max' | 'avg', ceil=False); GlobalAvgPool()
- FC(out_features, bias=True); Flatten()
- ReLU(), Dropout(): in place, so they store nothing new
- Norm(kind='bn' | 'lrn'): batchnorm has 2 * C parameters (scale and shift), LRN none
- Branches([branch, branch, ...]): parallel branches on the same input, outputs
  concatenated along channels (Inception(...) builds GoogLeNet's module)
- Residual(body, shortcut=None): out = body(x) + shortcut(x) (None: identity), then ReLU

Accounting conventions (the lecture's): "activations" counts the numbers a layer's
output holds, per image; ReLU and Dropout work in place and the concatenation of
branches is where the branches write, so they add nothing. The input image counts.
Memory in bytes assumes float32 (4 bytes). The backward pass needs a gradient of the
same size for every stored activation, so forward+backward memory is twice the forward's
(the optimizer's copies of the parameters come on top). Multiply-adds count the
convolutions and fully connected layers (one per weight use); pooling, normalisation,
ReLU and the residual additions are ignored, as is customary.
"""

import math

BYTES_PER_FLOAT = 4


class Layer:
    """Base of every spec. apply(shape) -> (output shape, params, activations stored, multiply-adds)."""

    kind = "layer"

    def __init__(self, name=None):
        self.name = name

    def apply(self, shape):
        raise NotImplementedError

    def rows(self, shape, prefix=""):
        """Report rows (dicts) for this layer given its input shape; composite layers give several."""
        out, params, acts, macs = self.apply(shape)
        return out, [
            dict(
                name=prefix + (self.name or self.kind),
                kind=self.kind,
                shape=tuple(out),
                params=int(params),
                activations=int(acts),
                macs=int(macs),
            )
        ]

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "name" and v is not None)
        return f"{type(self).__name__}({args})"


def _out_size(size, kernel, stride, pad, ceil=False, what="layer"):
    """Spatial output size of a sliding window: floor (or ceil) of (size + 2 pad - kernel) / stride, plus 1."""
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(
            f"{what}: a {kernel}-wide window does not fit an input of size {size} with "
            f"padding {pad}; use a smaller kernel or more padding"
        )
    n = -(-span // stride) if ceil else span // stride
    if ceil and n * stride >= size + pad:  # PyTorch rule: the last window must start inside the input
        n -= 1
    return n + 1


class Conv(Layer):
    """2-d convolution: out_channels filters of size kernel x kernel over in_channels / groups channels."""

    kind = "conv"

    def __init__(self, out_channels, kernel, stride=1, pad=0, bias=True, groups=1, name=None):
        super().__init__(name)
        self.out_channels, self.kernel, self.stride, self.pad = out_channels, kernel, stride, pad
        self.bias, self.groups = bias, groups

    def apply(self, shape):
        """Inputs: shape (C, H, W). Returns (out_shape (F, H', W'), params, activations, multiply-adds)."""
        assert len(shape) == 3, f"Conv needs a (C, H, W) input, got {shape}; put Conv before Flatten"
        C, H, W = shape
        assert C % self.groups == 0 and self.out_channels % self.groups == 0, (
            f"groups={self.groups} must divide the {C} input and {self.out_channels} output channels"
        )
        ### BEGIN SOLUTION
        Ho = _out_size(H, self.kernel, self.stride, self.pad, what=repr(self))
        Wo = _out_size(W, self.kernel, self.stride, self.pad, what=repr(self))
        weights_per_filter = (C // self.groups) * self.kernel * self.kernel
        params = self.out_channels * weights_per_filter + (self.out_channels if self.bias else 0)
        acts = self.out_channels * Ho * Wo
        macs = acts * weights_per_filter  # one multiply-add per weight per output
        return (self.out_channels, Ho, Wo), params, acts, macs
        ### END SOLUTION


class Pool(Layer):
    """Max or average pooling over kernel x kernel windows (stride defaults to the kernel)."""

    kind = "pool"

    def __init__(self, kernel, stride=None, pad=0, kind="max", ceil=False, name=None):
        super().__init__(name)
        assert kind in ("max", "avg"), f"Pool kind must be 'max' or 'avg', got {kind!r}"
        self.kernel, self.stride, self.pad, self.ceil = kernel, stride or kernel, pad, ceil
        self.kind = kind + "pool"

    def apply(self, shape):
        """Inputs: shape (C, H, W). Returns (out_shape (C, H', W'), 0 params, activations, 0 multiply-adds)."""
        assert len(shape) == 3, f"Pool needs a (C, H, W) input, got {shape}"
        C, H, W = shape
        ### BEGIN SOLUTION
        Ho = _out_size(H, self.kernel, self.stride, self.pad, self.ceil, what=repr(self))
        Wo = _out_size(W, self.kernel, self.stride, self.pad, self.ceil, what=repr(self))
        return (C, Ho, Wo), 0, C * Ho * Wo, 0
        ### END SOLUTION


class GlobalAvgPool(Layer):
    """Average over all positions: (C, H, W) -> (C, 1, 1)."""

    kind = "gap"

    def apply(self, shape):
        assert len(shape) == 3, f"GlobalAvgPool needs a (C, H, W) input, got {shape}"
        return (shape[0], 1, 1), 0, shape[0], 0


class Flatten(Layer):
    """(C, H, W) -> (C * H * W,): a view, so nothing new is stored."""

    kind = "flatten"

    def apply(self, shape):
        return (math.prod(shape),), 0, 0, 0


class FC(Layer):
    """Fully connected layer on a flat input (D,) -> (out_features,)."""

    kind = "fc"

    def __init__(self, out_features, bias=True, name=None):
        super().__init__(name)
        self.out_features, self.bias = out_features, bias

    def apply(self, shape):
        """Inputs: shape (D,). Returns ((out_features,), params, activations, multiply-adds)."""
        assert len(shape) == 1, f"FC needs a flat (D,) input, got {shape}; add Flatten() first"
        ### BEGIN SOLUTION
        D = shape[0]
        params = D * self.out_features + (self.out_features if self.bias else 0)
        return (self.out_features,), params, self.out_features, D * self.out_features
        ### END SOLUTION


class ReLU(Layer):
    """Elementwise max(0, x), in place: no parameters, no new activations."""

    kind = "relu"

    def apply(self, shape):
        return tuple(shape), 0, 0, 0


class Dropout(ReLU):
    """Dropout, in place (its mask is not counted)."""

    kind = "dropout"


class Norm(Layer):
    """Normalisation: 'bn' (batchnorm, 2 * C parameters, stores its output) or 'lrn' (no parameters)."""

    def __init__(self, kind="bn", name=None):
        super().__init__(name)
        assert kind in ("bn", "lrn"), f"Norm kind must be 'bn' or 'lrn', got {kind!r}"
        self.kind = kind

    def apply(self, shape):
        params = 2 * shape[0] if self.kind == "bn" else 0
        return tuple(shape), params, math.prod(shape), 0


def _run(layers, shape, prefix=""):
    """Push `shape` through a list of specs; returns (output shape, rows)."""
    rows = []
    for i, layer in enumerate(layers):
        shape, r = layer.rows(shape, prefix)
        rows.extend(r)
    return shape, rows


class Branches(Layer):
    """Parallel branches (lists of specs) on one input, outputs concatenated along channels."""

    kind = "branches"

    def __init__(self, branches, name=None):
        super().__init__(name)
        self.branches = [list(b) for b in branches]

    def rows(self, shape, prefix=""):
        name = prefix + (self.name or self.kind)
        outs, rows = [], []
        for j, branch in enumerate(self.branches):
            out, r = _run(branch, shape, f"{name}/b{j + 1}/") if branch else (tuple(shape), [])
            outs.append(out)
            rows.extend(r)
        assert all(o[1:] == outs[0][1:] for o in outs), (
            f"{name}: branch outputs {outs} differ in height/width, so they cannot be concatenated"
        )
        out = (sum(o[0] for o in outs),) + tuple(outs[0][1:])
        rows.append(dict(name=name + "/concat", kind="concat", shape=out, params=0, activations=0, macs=0))
        return out, rows


def Inception(c1, c3r, c3, c5r, c5, pool_proj, name=None):
    """GoogLeNet's Inception module: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 maxpool -> 1x1, each conv followed by ReLU."""
    return Branches(
        [
            [Conv(c1, 1), ReLU()],
            [Conv(c3r, 1), ReLU(), Conv(c3, 3, pad=1), ReLU()],
            [Conv(c5r, 1), ReLU(), Conv(c5, 5, pad=2), ReLU()],
            [Pool(3, 1, pad=1), Conv(pool_proj, 1), ReLU()],
        ],
        name=name or "inception",
    )


class Residual(Layer):
    """Residual block: relu(body(x) + shortcut(x)); shortcut None is the identity.

    The sum is a new tensor the size of the output (counted); its ReLU is in place.
    """

    kind = "residual"

    def __init__(self, body, shortcut=None, name=None):
        super().__init__(name)
        self.body, self.shortcut = list(body), (list(shortcut) if shortcut else None)

    def rows(self, shape, prefix=""):
        name = prefix + (self.name or self.kind)
        out, rows = _run(self.body, shape, name + "/")
        if self.shortcut:
            short, r = _run(self.shortcut, shape, name + "/short/")
            rows.extend(r)
        else:
            short = tuple(shape)
        ### BEGIN SOLUTION
        if tuple(short) != tuple(out):
            raise ValueError(
                f"{name}: body gives {out} but the shortcut gives {short}; give the block a "
                "projection shortcut (1x1 conv with the body's stride, then norm)"
            )
        rows.append(
            dict(name=name + "/add", kind="add", shape=tuple(out), params=0, activations=math.prod(out), macs=0)
        )
        ### END SOLUTION
        return tuple(out), rows


# ---------------------------------------------------------------------------- analysis


class Report:
    """Per-layer rows and totals of one architecture for one input shape."""

    def __init__(self, name, input_shape, rows):
        self.name, self.input_shape = name, tuple(input_shape)
        self.rows = [
            dict(
                name="input",
                kind="input",
                shape=self.input_shape,
                params=0,
                activations=math.prod(self.input_shape),
                macs=0,
            )
        ] + rows
        self.total_params = sum(r["params"] for r in self.rows)
        self.total_activations = sum(r["activations"] for r in self.rows)  # per image, forward
        self.total_macs = sum(r["macs"] for r in self.rows)
        self.output_shape = self.rows[-1]["shape"]

    @property
    def forward_bytes(self):
        """Activation memory per image for the forward pass (float32)."""
        return self.total_activations * BYTES_PER_FLOAT

    @property
    def forward_backward_bytes(self):
        """Activations plus their gradients per image (float32): twice the forward's."""
        return 2 * self.forward_bytes

    def table(self, skip=("relu", "dropout", "flatten")):
        """The per-layer table as text (layers of the kinds in `skip` left out), then the totals."""
        lines = [
            f"{self.name}: input {self.input_shape}",
            f"{'layer':<28}{'output':>18}{'activations':>14}{'params':>14}{'mult-adds':>16}",
        ]
        for r in self.rows:
            if r["kind"] in skip:
                continue
            lines.append(
                f"{r['name'][:27]:<28}{str(r['shape']):>18}{r['activations']:>14,}{r['params']:>14,}{r['macs']:>16,}"
            )
        lines.append(
            f"{'TOTAL':<28}{'':>18}{self.total_activations:>14,}{self.total_params:>14,}{self.total_macs:>16,}"
        )
        lines.append(
            f"activation memory per image: {self.forward_bytes / 2**20:.1f} MiB forward, "
            f"{self.forward_backward_bytes / 2**20:.1f} MiB forward+backward (float32); "
            f"parameters {self.total_params * BYTES_PER_FLOAT / 2**20:.1f} MiB"
        )
        return "\n".join(lines)

    def summary(self):
        return dict(
            name=self.name,
            params=self.total_params,
            activations=self.total_activations,
            forward_MiB=self.forward_bytes / 2**20,
            forward_backward_MiB=self.forward_backward_bytes / 2**20,
            GMACs=self.total_macs / 1e9,
        )


def analyze(layers, input_shape=(3, 224, 224), name="net"):
    """Shapes, parameters, activations and multiply-adds of a list of specs.

    Inputs:
    - layers: list of Layer specs (see the module docstring)
    - input_shape: (C, H, W) of one image
    - name: label of the report
    Returns: Report with .rows (dicts: name, kind, shape, params, activations, macs),
    .total_params, .total_activations, .total_macs, .forward_bytes, .forward_backward_bytes
    """
    _, rows = _run(list(layers), tuple(input_shape))
    return Report(name, input_shape, rows)


# ---------------------------------------------------------------------------- the classic nets


def _fc_head(num_classes):
    """The classifier of AlexNet, ZFNet and VGG: flatten, two 4096-unit layers with dropout, the scores."""
    return [
        Flatten(),
        FC(4096, name="fc6"),
        ReLU(),
        Dropout(),
        FC(4096, name="fc7"),
        ReLU(),
        Dropout(),
        FC(num_classes, name="fc8"),
    ]


def alexnet(two_tower=False, num_classes=1000):
    """AlexNet (Krizhevsky et al., 2012) on 227x227 inputs; two_tower=True keeps the paper's split over two GPUs
    (groups=2 in conv2, conv4, conv5: 60,965,224 parameters), else one tower (62,378,344)."""
    g = 2 if two_tower else 1
    return [
        Conv(96, 11, 4, name="conv1"),
        ReLU(),
        Pool(3, 2, name="pool1"),
        Norm("lrn", name="norm1"),
        Conv(256, 5, 1, 2, groups=g, name="conv2"),
        ReLU(),
        Pool(3, 2, name="pool2"),
        Norm("lrn", name="norm2"),
        Conv(384, 3, 1, 1, name="conv3"),
        ReLU(),
        Conv(384, 3, 1, 1, groups=g, name="conv4"),
        ReLU(),
        Conv(256, 3, 1, 1, groups=g, name="conv5"),
        ReLU(),
        Pool(3, 2, name="pool3"),
        *_fc_head(num_classes),
    ]


def zfnet(num_classes=1000):
    """ZFNet (Zeiler & Fergus, 2013) on 224x224 inputs: AlexNet with a 7x7 stride-2 first layer, one tower."""
    return [
        Conv(96, 7, 2, 1, name="conv1"),
        ReLU(),
        Pool(3, 2, 1, name="pool1"),
        Norm("lrn", name="norm1"),
        Conv(256, 5, 2, name="conv2"),
        ReLU(),
        Pool(3, 2, 1, name="pool2"),
        Norm("lrn", name="norm2"),
        Conv(384, 3, 1, 1, name="conv3"),
        ReLU(),
        Conv(384, 3, 1, 1, name="conv4"),
        ReLU(),
        Conv(256, 3, 1, 1, name="conv5"),
        ReLU(),
        Pool(3, 2, name="pool3"),
        *_fc_head(num_classes),
    ]


def _vgg(blocks, num_classes):
    layers = []
    for b, (channels, repeats) in enumerate(blocks, start=1):
        for i in range(1, repeats + 1):
            layers += [Conv(channels, 3, 1, 1, name=f"conv{b}_{i}"), ReLU()]
        layers.append(Pool(2, 2, name=f"pool{b}"))
    return layers + _fc_head(num_classes)


def vgg16(num_classes=1000):
    """VGG16 (Simonyan & Zisserman, 2014, configuration D) on 224x224 inputs: 138,357,544 parameters."""
    return _vgg([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], num_classes)


def vgg19(num_classes=1000):
    """VGG19 (configuration E): 143,667,240 parameters."""
    return _vgg([(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)], num_classes)


GOOGLENET_INCEPTIONS = {  # name: (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), Table 1 of Szegedy et al. 2014
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def googlenet(num_classes=1000):
    """GoogLeNet / Inception v1 (Szegedy et al., 2014) on 224x224 inputs, without the auxiliary classifiers."""
    inc = lambda k: Inception(*GOOGLENET_INCEPTIONS[k], name="inception" + k)
    return [
        Conv(64, 7, 2, 3, name="conv1"),
        ReLU(),
        Pool(3, 2, ceil=True, name="pool1"),
        Norm("lrn", name="norm1"),
        Conv(64, 1, name="conv2_reduce"),
        ReLU(),
        Conv(192, 3, 1, 1, name="conv2"),
        ReLU(),
        Norm("lrn", name="norm2"),
        Pool(3, 2, ceil=True, name="pool2"),
        inc("3a"),
        inc("3b"),
        Pool(3, 2, ceil=True, name="pool3"),
        inc("4a"),
        inc("4b"),
        inc("4c"),
        inc("4d"),
        inc("4e"),
        Pool(3, 2, ceil=True, name="pool4"),
        inc("5a"),
        inc("5b"),
        GlobalAvgPool(name="avgpool"),
        Flatten(),
        Dropout(),
        FC(num_classes, name="fc"),
    ]


def basic_block(channels, stride=1, in_channels=None, name=None):
    """ResNet basic block: conv3x3-BN-ReLU-conv3x3-BN plus shortcut (1x1 conv + BN projection when the shape changes)."""
    body = [
        Conv(channels, 3, stride, 1, bias=False),
        Norm("bn"),
        ReLU(),
        Conv(channels, 3, 1, 1, bias=False),
        Norm("bn"),
    ]
    project = stride != 1 or (in_channels is not None and in_channels != channels)
    return Residual(body, [Conv(channels, 1, stride, bias=False), Norm("bn")] if project else None, name=name)


def bottleneck_block(channels, stride=1, in_channels=None, expansion=4, name=None):
    """ResNet bottleneck: 1x1 (channels) - 3x3 (channels, stride) - 1x1 (4 * channels), each with BN, plus shortcut."""
    out = channels * expansion
    body = [
        Conv(channels, 1, bias=False),
        Norm("bn"),
        ReLU(),
        Conv(channels, 3, stride, 1, bias=False),
        Norm("bn"),
        ReLU(),
        Conv(out, 1, bias=False),
        Norm("bn"),
    ]
    project = stride != 1 or in_channels != out
    return Residual(body, [Conv(out, 1, stride, bias=False), Norm("bn")] if project else None, name=name)


RESNET_STAGES = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}


def resnet(depth=50, num_classes=1000):
    """ResNet-18/34/50/101/152 (He et al., 2015) for 224x224 ImageNet inputs (stride in the 3x3 conv)."""
    assert depth in RESNET_STAGES, f"depth must be one of {sorted(RESNET_STAGES)}, got {depth}"
    kind, repeats = RESNET_STAGES[depth]
    layers = [Conv(64, 7, 2, 3, bias=False, name="conv1"), Norm("bn", name="bn1"), ReLU(), Pool(3, 2, 1, name="pool1")]
    in_ch = 64
    for s, (channels, n) in enumerate(zip((64, 128, 256, 512), repeats), start=2):
        for i in range(n):
            stride = 2 if (i == 0 and s > 2) else 1
            name = f"conv{s}_{i + 1}"
            if kind == "basic":
                layers.append(basic_block(channels, stride, in_ch, name=name))
                in_ch = channels
            else:
                layers.append(bottleneck_block(channels, stride, in_ch, name=name))
                in_ch = channels * 4
    return layers + [GlobalAvgPool(name="avgpool"), Flatten(), FC(num_classes, name="fc")]


ARCHITECTURES = {
    "AlexNet": (lambda: alexnet(), (3, 227, 227)),
    "ZFNet": (zfnet, (3, 224, 224)),
    "VGG16": (vgg16, (3, 224, 224)),
    "VGG19": (vgg19, (3, 224, 224)),
    "GoogLeNet": (googlenet, (3, 224, 224)),
    "ResNet-18": (lambda: resnet(18), (3, 224, 224)),
    "ResNet-34": (lambda: resnet(34), (3, 224, 224)),
    "ResNet-50": (lambda: resnet(50), (3, 224, 224)),
    "ResNet-152": (lambda: resnet(152), (3, 224, 224)),
}


def analyze_all():
    """Report of every net in ARCHITECTURES, keyed by name."""
    return {name: analyze(build(), shape, name) for name, (build, shape) in ARCHITECTURES.items()}


# ---------------------------------------------------------------------------- the same spec as a torch.nn model


def to_torch(layers, input_shape=(3, 224, 224)):
    """Build a torch.nn.Module from a list of specs (for checking parameter counts against PyTorch).

    Build it under `with torch.device('meta'):` to count parameters of a large net without
    allocating memory. LRN becomes nn.LocalResponseNorm(5), batchnorm nn.BatchNorm2d.
    Returns: (module, output shape)
    """
    import torch
    import torch.nn as nn

    class _Concat(nn.Module):
        def __init__(self, branches):
            super().__init__()
            self.branches = nn.ModuleList(branches)

        def forward(self, x):
            return torch.cat([b(x) for b in self.branches], dim=1)

    class _Residual(nn.Module):
        def __init__(self, body, short):
            super().__init__()
            self.body, self.short = body, short

        def forward(self, x):
            return torch.relu(self.body(x) + self.short(x))

    def build(specs, shape):
        mods = []
        for s in specs:
            if isinstance(s, Conv):
                mods.append(
                    nn.Conv2d(shape[0], s.out_channels, s.kernel, s.stride, s.pad, bias=s.bias, groups=s.groups)
                )
            elif isinstance(s, Pool):
                cls = nn.MaxPool2d if s.kind == "maxpool" else nn.AvgPool2d
                mods.append(cls(s.kernel, s.stride, s.pad, ceil_mode=s.ceil))
            elif isinstance(s, GlobalAvgPool):
                mods.append(nn.AdaptiveAvgPool2d(1))
            elif isinstance(s, Flatten):
                mods.append(nn.Flatten())
            elif isinstance(s, FC):
                mods.append(nn.Linear(shape[0], s.out_features, bias=s.bias))
            elif isinstance(s, Dropout):
                mods.append(nn.Dropout())
            elif isinstance(s, ReLU):
                mods.append(nn.ReLU())
            elif isinstance(s, Norm):
                mods.append(nn.BatchNorm2d(shape[0]) if s.kind == "bn" else nn.LocalResponseNorm(5))
            elif isinstance(s, Branches):
                mods.append(_Concat([build(b, shape)[0] for b in s.branches]))
            elif isinstance(s, Residual):
                short = build(s.shortcut, shape)[0] if s.shortcut else nn.Identity()
                mods.append(_Residual(build(s.body, shape)[0], short))
            else:
                raise TypeError(f"to_torch does not know the spec {s!r}")
            shape, _ = s.rows(shape)
        return nn.Sequential(*mods), shape

    return build(list(layers), tuple(input_shape))
