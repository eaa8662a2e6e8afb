"""The CIFAR-10 classifier that ships with the kit: its architecture, and loading its checksummed weights.

    from cs231n.pretrained import load_pretrained, CLASS_NAMES
    model = load_pretrained()          # eval mode, float32, parameters frozen
    scores = model(preprocess(imgs))   # (N, 10)

The network is a plain stack of layers (no branches), so every intermediate activation is
the output of one entry of `model.features` (used by style transfer). It is fully
convolutional up to the global pooling, so it accepts images of any size of at least 8x8.
The weights were trained by `tools/train_a3_classifier.py`; the command, wall time and test
accuracy are in `cs231n/weights/README.md`.
"""

import os

from torch import nn

from cs231n.weights_io import load_verified

CLASS_NAMES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# per-channel mean and std of the CIFAR-10 training images (pixel values in [0, 1])
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
WEIGHTS_FILE = os.path.join(WEIGHTS_DIR, "cifar10_net.pt")
# sha256 of the committed weights file; tools/train_a3_classifier.py prints the new value
WEIGHTS_SHA256 = "19b53ab93a3e8fe9881825439ce91606d3492274660cafd080b9a080a2689380"

WIDTHS = (64, 128, 256)


class _Scale(nn.Module):
    """Multiply by a constant (keeps the logits' scale sensible for a bias-free head)."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return x * self.scale


def _block(c_in, c_out):
    """conv3x3 -> maxpool 2 -> BN -> GELU -> conv3x3 -> BN -> GELU: halves H and W."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.GELU(),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.GELU(),
    )


class CifarNet(nn.Module):
    """A small VGG-like CIFAR-10 classifier.

    features: a Sequential of 4 stages; their outputs for a (N, 3, 32, 32) input are
      stem (N, w0/2, 32, 32), block1 (N, w0, 16, 16), block2 (N, w1, 8, 8), block3 (N, w2, 4, 4)
    classifier: global max pool -> flatten -> linear (no bias) -> scale: (N, 10)
    """

    def __init__(self, widths=WIDTHS, num_classes=10):
        super().__init__()
        w0, w1, w2 = widths
        stem = nn.Sequential(nn.Conv2d(3, w0 // 2, 3, padding=1, bias=False), nn.BatchNorm2d(w0 // 2), nn.GELU())
        self.features = nn.Sequential(stem, _block(w0 // 2, w0), _block(w0, w1), _block(w1, w2))
        self.classifier = nn.Sequential(
            nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(w2, num_classes, bias=False), _Scale(1 / 8)
        )

    def forward(self, x):
        return self.classifier(self.features(x))  # (N, 3, H, W) -> (N, 10)


def load_pretrained(path=None, expected_sha256=None):
    """The shipped CIFAR-10 classifier, float32, in eval mode, with requires_grad off.

    Inputs:
    - path: weights file (default: cs231n/weights/cifar10_net.pt)
    - expected_sha256: its checksum (default: WEIGHTS_SHA256); the file must match it
    Raises cs231n.weights_io.WeightsError if the file is missing or its checksum differs (altered or truncated).
    """
    path = WEIGHTS_FILE if path is None else path
    expected = WEIGHTS_SHA256 if expected_sha256 is None else expected_sha256
    state = load_verified(
        path,
        expected,
        "It ships with the assignment: restore the file from your copy of the assignment (or the course "
        "repository), or retrain it with the command in cs231n/weights/README.md.",
    )
    model = CifarNet()
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
