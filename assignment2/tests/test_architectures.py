"""Autograder: the CNN architecture calculator (cs231n/architectures.py) on hand-worked layers and published totals."""

import pytest
import torch
import torch.nn as nn

from cs231n.architectures import (
    FC,
    Conv,
    Flatten,
    Norm,
    Pool,
    ReLU,
    Residual,
    alexnet,
    analyze,
    googlenet,
    resnet,
    vgg16,
    vgg19,
)


def _row(layers, shape):
    """The report row of the last layer of `layers` on input `shape`."""
    return analyze(layers, shape).rows[-1]


@pytest.mark.points(2)
def test_conv_shapes_params_macs_by_hand():
    r = _row([Conv(10, 5, stride=1, pad=2)], (3, 32, 32))
    assert r["shape"] == (10, 32, 32)
    assert r["params"] == 10 * 3 * 5 * 5 + 10  # 760
    assert r["activations"] == 10 * 32 * 32
    assert r["macs"] == 10 * 32 * 32 * 3 * 5 * 5
    # stride 2, no padding, non-square input: H' = (7 - 3) // 2 + 1 = 3, W' = (9 - 3) // 2 + 1 = 4
    r = _row([Conv(4, 3, stride=2, bias=False)], (2, 7, 9))
    assert r["shape"] == (4, 3, 4)
    assert r["params"] == 4 * 2 * 9
    assert r["macs"] == 4 * 3 * 4 * 2 * 9
    # AlexNet's conv1 from the lecture: 227 -> 55, 96 * 11 * 11 * 3 + 96 = 34,944 parameters
    r = _row([Conv(96, 11, stride=4)], (3, 227, 227))
    assert r["shape"] == (96, 55, 55) and r["params"] == 34944


def test_grouped_conv_params():
    r = _row([Conv(256, 5, pad=2, groups=2)], (96, 27, 27))
    assert r["shape"] == (256, 27, 27)
    assert r["params"] == 256 * 48 * 25 + 256


def test_pool_and_fc_by_hand():
    r = _row([Pool(2, 2)], (64, 224, 224))
    assert r["shape"] == (64, 112, 112) and r["params"] == 0 and r["activations"] == 802816 and r["macs"] == 0
    assert _row([Pool(3, 2)], (96, 55, 55))["shape"] == (96, 27, 27)  # AlexNet pool1
    assert _row([Pool(3, 2, ceil=True)], (64, 112, 112))["shape"] == (64, 56, 56)
    r = _row([Flatten(), FC(10)], (3, 32, 32))
    assert r["shape"] == (10,) and r["params"] == 3072 * 10 + 10 and r["macs"] == 30720 and r["activations"] == 10


def test_small_net_totals_by_hand():
    net = [Conv(8, 3, pad=1), ReLU(), Pool(2), Flatten(), FC(10)]
    rep = analyze(net, (3, 8, 8))
    assert rep.output_shape == (10,)
    assert rep.total_params == (8 * 27 + 8) + (8 * 4 * 4 * 10 + 10)
    # input 192 + conv 512 + pool 128 + fc 10 (ReLU in place, Flatten a view)
    assert rep.total_activations == 192 + 512 + 128 + 10
    assert rep.forward_bytes == 4 * rep.total_activations
    assert rep.forward_backward_bytes == 2 * rep.forward_bytes
    assert rep.total_macs == 512 * 27 + 128 * 10
    with pytest.raises(AssertionError, match="Flatten"):  # FC on an image needs Flatten first
        analyze([FC(10)], (3, 4, 4))


def test_residual_block_accounting():
    body = [Conv(4, 3, pad=1, bias=False), Norm("bn"), ReLU(), Conv(4, 3, pad=1, bias=False), Norm("bn")]
    rep = analyze([Residual(body)], (4, 5, 5))
    assert rep.output_shape == (4, 5, 5)
    assert rep.total_params == 2 * (4 * 4 * 9) + 2 * 8
    assert rep.rows[-1]["kind"] == "add" and rep.rows[-1]["activations"] == 100
    # stride 2 needs a projection shortcut; without one the shapes differ
    body2 = [Conv(8, 3, 2, 1, bias=False), Norm("bn"), ReLU(), Conv(8, 3, 1, 1, bias=False), Norm("bn")]
    with pytest.raises(ValueError):
        analyze([Residual(body2)], (4, 6, 6))
    rep = analyze([Residual(body2, [Conv(8, 1, 2, bias=False), Norm("bn")])], (4, 6, 6))
    assert rep.output_shape == (8, 3, 3)
    assert rep.total_params == 8 * 4 * 9 + 8 * 8 * 9 + 8 * 4 + 3 * 16


@pytest.mark.points(2)
def test_published_totals():
    assert analyze(vgg16()).total_params == 138357544
    assert analyze(vgg19()).total_params == 143667240
    assert analyze(alexnet(two_tower=True), (3, 227, 227)).total_params == 60965224
    assert analyze(resnet(18)).total_params == 11689512
    assert analyze(resnet(34)).total_params == 21797672
    assert analyze(resnet(50)).total_params == 25557032
    assert analyze(resnet(152)).total_params == 60192808
    assert abs(analyze(googlenet()).total_params - 6.8e6) / 6.8e6 < 0.05
    # multiply-adds: VGG16 about 15.5 G, ResNet-50 about 4.1 G, ResNet-18 about 1.8 G
    assert abs(analyze(vgg16()).total_macs / 15.47e9 - 1) < 0.01
    assert abs(analyze(resnet(50)).total_macs / 4.1e9 - 1) < 0.02
    assert abs(analyze(resnet(18)).total_macs / 1.82e9 - 1) < 0.02


def test_vgg16_memory_walk():
    rep = analyze(vgg16())
    rows = {r["name"]: r for r in rep.rows}
    assert rows["conv1_1"]["activations"] == 224 * 224 * 64
    assert rows["fc6"]["params"] == 7 * 7 * 512 * 4096 + 4096
    # the sum of the lecture's per-layer rows (its slide's total says 24M)
    assert abs(rep.total_activations - 15.24e6) < 0.01e6
    most_params = max(rep.rows, key=lambda r: r["params"])
    most_memory = max(rep.rows, key=lambda r: r["activations"])
    assert most_params["name"] == "fc6" and most_memory["name"].startswith("conv1")


# ---------------------------------------------------------------------------- the same nets in torch.nn


def _torch_params(build):
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        model = build()
    return sum(p.numel() for p in model.parameters())


def _torch_vgg16():
    layers, c_in = [], 3
    for c, n in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(n):
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU()]
            c_in = c
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Linear(512 * 49, 4096),
        nn.ReLU(),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Linear(4096, 1000),
    )


def _torch_alexnet(groups):
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=groups),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=groups),
        nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=groups),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Linear(9216, 4096),
        nn.ReLU(),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Linear(4096, 1000),
    )


class _Block(nn.Module):
    def __init__(self, c_in, c, stride, bottleneck):
        super().__init__()
        out = 4 * c if bottleneck else c
        if bottleneck:
            self.body = nn.Sequential(
                nn.Conv2d(c_in, c, 1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, c, 3, stride, 1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, out, 1, bias=False),
                nn.BatchNorm2d(out),
            )
        else:
            self.body = nn.Sequential(
                nn.Conv2d(c_in, c, 3, stride, 1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, c, 3, 1, 1, bias=False),
                nn.BatchNorm2d(c),
            )
        self.short = (
            nn.Sequential(nn.Conv2d(c_in, out, 1, stride, bias=False), nn.BatchNorm2d(out))
            if stride != 1 or c_in != out
            else nn.Identity()
        )

    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))


def _torch_resnet(repeats, bottleneck):
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    c_in = 64
    for s, (c, n) in enumerate(zip((64, 128, 256, 512), repeats)):
        for i in range(n):
            layers.append(_Block(c_in, c, 2 if (i == 0 and s > 0) else 1, bottleneck))
            c_in = 4 * c if bottleneck else c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, 1000))


class _Inception(nn.Module):
    def __init__(self, c_in, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.b = nn.ModuleList(
            [
                nn.Conv2d(c_in, c1, 1),
                nn.Sequential(nn.Conv2d(c_in, c3r, 1), nn.ReLU(), nn.Conv2d(c3r, c3, 3, padding=1)),
                nn.Sequential(nn.Conv2d(c_in, c5r, 1), nn.ReLU(), nn.Conv2d(c5r, c5, 5, padding=2)),
                nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(c_in, pp, 1)),
            ]
        )

    def forward(self, x):
        return torch.cat([torch.relu(b(x)) for b in self.b], 1)


def _torch_googlenet():
    cfg = [
        (64, 96, 128, 16, 32, 32),
        (128, 128, 192, 32, 96, 64),
        (192, 96, 208, 16, 48, 64),
        (160, 112, 224, 24, 64, 64),
        (128, 128, 256, 24, 64, 64),
        (112, 144, 288, 32, 64, 64),
        (256, 160, 320, 32, 128, 128),
        (256, 160, 320, 32, 128, 128),
        (384, 192, 384, 48, 128, 128),
    ]
    mods, c_in = [nn.Conv2d(3, 64, 7, 2, 3), nn.Conv2d(64, 64, 1), nn.Conv2d(64, 192, 3, padding=1)], 192
    for c in cfg:
        mods.append(_Inception(c_in, *c))
        c_in = c[0] + c[2] + c[4] + c[5]
    return nn.Sequential(*mods, nn.Linear(c_in, 1000))


@pytest.mark.points(2)
@pytest.mark.parametrize("name", ["vgg16", "alexnet1", "alexnet2", "resnet18", "resnet50", "googlenet"])
def test_params_match_torch(name):
    ours, theirs = {
        "vgg16": (lambda: analyze(vgg16()), _torch_vgg16),
        "alexnet1": (lambda: analyze(alexnet(), (3, 227, 227)), lambda: _torch_alexnet(1)),
        "alexnet2": (lambda: analyze(alexnet(two_tower=True), (3, 227, 227)), lambda: _torch_alexnet(2)),
        "resnet18": (lambda: analyze(resnet(18)), lambda: _torch_resnet((2, 2, 2, 2), False)),
        "resnet50": (lambda: analyze(resnet(50)), lambda: _torch_resnet((3, 4, 6, 3), True)),
        "googlenet": (lambda: analyze(googlenet()), _torch_googlenet),
    }[name]
    assert ours().total_params == _torch_params(theirs)


def test_output_shape_matches_torch_small_input():
    """A small net's per-layer shapes against torch's on a real forward pass."""
    spec = [Conv(6, 5, 2, 2), ReLU(), Pool(3, 2, ceil=True), Conv(4, 3, 1, 0), Pool(2)]
    net = nn.Sequential(
        nn.Conv2d(3, 6, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True), nn.Conv2d(6, 4, 3), nn.MaxPool2d(2)
    )
    out = net(torch.zeros(1, 3, 29, 23))
    assert analyze(spec, (3, 29, 23)).output_shape == tuple(out.shape[1:])
    assert analyze(spec, (3, 29, 23)).total_params == sum(p.numel() for p in net.parameters())
