"""The SimCLR model: a small convolutional encoder f (32x32 images -> features) and a projection head g."""

import os

import torch
from torch import nn

from cs231n.weights_io import load_verified

# the encoder shipped with the kit (pretrained by tools/pretrain/pretrain_simclr.py; command and wall time in its README)
SHIPPED_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights", "simclr_encoder.pt")
SHIPPED_SHA256_FILE = SHIPPED_WEIGHTS + ".sha256"


def _conv_bn(c_in, c_out, stride=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    """x + two 3x3 conv-BN layers, then ReLU."""

    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(inplace=True),
            nn.Conv2d(c, c, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c),
        )

    def forward(self, x):
        return torch.relu(x + self.body(x))


class Encoder(nn.Module):
    """A small ResNet for 32x32 images: (N, 3, 32, 32) in [0, 1] -> (N, feature_dim) features.

    Stages at 32, 16, 8 and 4 pixels with width, 2 width, 4 width, 8 width channels;
    global average pooling at the end. feature_dim = 8 * width.
    """

    def __init__(self, width=32):
        super().__init__()
        w = width
        self.width = width
        self.feature_dim = 8 * w
        self.register_buffer("mean", torch.tensor([0.49, 0.48, 0.45]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.24, 0.26]).view(1, 3, 1, 1))
        self.stages = nn.Sequential(
            _conv_bn(3, w),  # (N, w, 32, 32)
            _conv_bn(w, 2 * w, stride=2),  # (N, 2w, 16, 16)
            _Residual(2 * w),
            _conv_bn(2 * w, 4 * w, stride=2),  # (N, 4w, 8, 8)
            _Residual(4 * w),
            _conv_bn(4 * w, 8 * w, stride=2),  # (N, 8w, 4, 4)
        )

    def feature_map(self, x):
        """(N, 3, 32, 32) -> (N, 8w, 4, 4), the last stage before pooling."""
        return self.stages((x - self.mean) / self.std)

    def forward(self, x):
        return self.feature_map(x).mean(dim=(2, 3))  # (N, 8w)


class SimCLRModel(nn.Module):
    """Encoder f and projection head g (Linear-BN-ReLU-Linear). forward returns (h, z): features and projections."""

    def __init__(self, width=32, projection_dim=128, bf16=False):
        super().__init__()
        self.bf16 = bf16  # run the convolutions in bfloat16 (autocast; about 2x faster on CPUs with AVX512-BF16)
        self.f = Encoder(width)
        d = self.f.feature_dim
        self.g = nn.Sequential(
            nn.Linear(d, d, bias=False), nn.BatchNorm1d(d), nn.ReLU(inplace=True), nn.Linear(d, projection_dim)
        )

    def forward(self, x):
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16 and x.device.type == "cpu"):
            h = self.f(x)  # (N, feature_dim)
            z = self.g(h)  # (N, projection_dim)
        return h.float(), z.float()


def load_shipped_encoder(path=SHIPPED_WEIGHTS, sha256_file=None):
    """The pretrained encoder that ships with the kit, checksum-verified, loaded without executing code.

    The file holds {'width': int, 'state_dict': fp16 tensors}; torch.load(weights_only=True) refuses anything
    but tensors and plain containers. Returns an Encoder in eval mode (float32).
    """
    sha256_file = sha256_file or path + ".sha256"
    with open(sha256_file) as f:
        expected = f.read().split()[0]
    blob = load_verified(
        path,
        expected,
        "It ships under cs231n/simclr/weights/: restore it from git, or retrain it with "
        "tools/pretrain/pretrain_simclr.py and record the new sum.",
    )
    enc = Encoder(int(blob["width"]))
    enc.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    return enc.eval()
