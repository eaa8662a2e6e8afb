"""PyTorch.ipynb's fill-ins: barebones functions, nn.Module and nn.Sequential nets, augmentation, the challenge model.

The notebook walks three levels of abstraction on the same small nets:
1. barebones: tensors with requires_grad and functions of (x, params);
2. nn.Module subclasses with their own layers, trained with torch.optim;
3. nn.Sequential containers.
Then the open-ended challenge: make_challenge_model / challenge_training_setup, trained
with random_crop_flip as data augmentation.

Shapes follow PyTorch: images (N, C, H, W), linear weights of the barebones nets
(D_in, D_out) so that a layer is x.mm(w), conv weights (F, C, HH, WW).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------- level 1: barebones


def flatten(x):
    """Flatten every image of a batch into a row.

    Inputs:
    - x: tensor of shape (N, d1, ..., dk)
    Returns: a view of x of shape (N, d1 * ... * dk)
    """
    return x.reshape(x.shape[0], -1)


def random_weight(shape, device=None, dtype=torch.float32, generator=None):
    """A weight tensor drawn with Kaiming (He) normal initialisation, ready for autograd.

    Entries are N(0, 2 / fan_in): fan_in is shape[0] for a linear weight (D_in, D_out)
    (used as x.mm(w)) and C * HH * WW for a conv weight (F, C, HH, WW). This keeps the
    variance of ReLU activations steady from layer to layer.

    Inputs:
    - shape: tuple, of length 2 (linear) or 4 (conv)
    - device, dtype: where and how to store it
    - generator: optional torch.Generator (on the CPU) for reproducible draws
    Returns: tensor of `shape` with requires_grad=True
    """
    assert len(shape) in (2, 4), f"random_weight needs a 2-d (linear) or 4-d (conv) shape, got {tuple(shape)}"
    fan_in = shape[0] if len(shape) == 2 else math.prod(shape[1:])
    w = torch.randn(shape, generator=generator, dtype=dtype) * math.sqrt(2.0 / fan_in)
    w = w.to(device) if device is not None else w
    return w.requires_grad_()


def zero_weight(shape, device=None, dtype=torch.float32):
    """A tensor of zeros with requires_grad=True (for biases)."""
    return torch.zeros(shape, device=device, dtype=dtype, requires_grad=True)


def two_layer_fc(x, params):
    """Barebones two-layer fully connected net: scores = relu(flatten(x) w1) w2 (no biases).

    Inputs:
    - x: (N, d1, ..., dk) tensor; D = d1 * ... * dk
    - params: [w1, w2] with w1 (D, H) and w2 (H, C)
    Returns: scores, (N, C)
    """
    w1, w2 = params
    h = F.relu(flatten(x).mm(w1))  # (N, H)
    return h.mm(w2)  # (N, C)


def three_layer_convnet(x, params):
    """Barebones three-layer convnet: conv(5x5, pad 2) - relu - conv(3x3, pad 1) - relu - fully connected.

    Inputs:
    - x: (N, 3, H, W) images
    - params: [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b] with
      conv_w1 (channel_1, 3, 5, 5), conv_b1 (channel_1,),
      conv_w2 (channel_2, channel_1, 3, 3), conv_b2 (channel_2,),
      fc_w (channel_2 * H * W, C), fc_b (C,)
    Returns: scores, (N, C)

    Hint: torch.nn.functional.conv2d(x, w, b, padding=...), F.relu, flatten.
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    h1 = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=2))  # (N, channel_1, H, W)
    h2 = F.relu(F.conv2d(h1, conv_w2, conv_b2, padding=1))  # (N, channel_2, H, W)
    return flatten(h2).mm(fc_w) + fc_b  # (N, C)


# ---------------------------------------------------------------------------- level 2: nn.Module


class TwoLayerFC(nn.Module):
    """Two-layer fully connected net as a Module: fc(input_size -> hidden_size) - relu - fc(-> num_classes).

    Both layers are nn.Linear with biases, weights Kaiming-normal initialised
    (nn.init.kaiming_normal_) and biases zero.
    """

    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        for layer in (self.fc1, self.fc2):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        """x: (N, d1, ..., dk) -> scores (N, num_classes)."""
        return self.fc2(F.relu(self.fc1(flatten(x))))


class ThreeLayerConvNet(nn.Module):
    """The barebones three-layer convnet as a Module, for 32x32 images.

    conv(in_channel -> channel_1, 5x5, pad 2) - relu - conv(channel_1 -> channel_2, 3x3, pad 1)
    - relu - fc(channel_2 * 32 * 32 -> num_classes); every layer has a bias. Weights are
    Kaiming-normal initialised, biases zero.
    """

    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * 32 * 32, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        """x: (N, in_channel, 32, 32) -> scores (N, num_classes)."""
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.fc(flatten(x))


# ---------------------------------------------------------------------------- level 3: nn.Sequential


def sequential_two_layer_fc(input_size, hidden_size, num_classes):
    """TwoLayerFC as an nn.Sequential: Flatten, Linear, ReLU, Linear (default PyTorch initialisation)."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(input_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, num_classes)
    )


def sequential_three_layer_convnet(channel_1, channel_2, num_classes, in_channel=3):
    """ThreeLayerConvNet as an nn.Sequential for 32x32 images (layers with biases, default initialisation):
    Conv2d(5x5, pad 2), ReLU, Conv2d(3x3, pad 1), ReLU, Flatten, Linear(channel_2 * 32 * 32 -> num_classes).
    """
    return nn.Sequential(
        nn.Conv2d(in_channel, channel_1, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(channel_1, channel_2, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channel_2 * 32 * 32, num_classes),
    )


# ---------------------------------------------------------------------------- data augmentation


def random_crop_flip(x, padding=4, flip=True, generator=None):
    """Random translation (pad by zeros, crop back to H x W) and random horizontal flip, per image.

    Written with tensor ops only (no torchvision, no Python loop over images): every
    image gets its own offsets (dy, dx) in [0, 2 * padding] and a coin flip for mirroring.
    Zero padding is the mean colour, since the images are mean-subtracted.

    Inputs:
    - x: (N, C, H, W) images, on any device
    - padding: the largest shift in pixels (0: no crop)
    - flip: mirror each image left-right with probability 1/2
    - generator: torch.Generator on the CPU, for reproducible draws (None: global RNG)
    Returns: a new tensor of shape (N, C, H, W), same dtype and device; x is unchanged
    """
    N, C, H, W = x.shape
    dy = torch.randint(0, 2 * padding + 1, (N,), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (N,), generator=generator)
    mirror = torch.rand(N, generator=generator) < 0.5 if flip else torch.zeros(N, dtype=torch.bool)
    rows = dy[:, None] + torch.arange(H)  # (N, H) rows of the padded image
    cols = dx[:, None] + torch.arange(W)  # (N, W)
    cols = torch.where(mirror[:, None], cols.flip(1), cols)  # mirrored images read columns backwards
    rows, cols = rows.to(x.device), cols.to(x.device)
    xp = F.pad(x, (padding,) * 4) if padding else x  # (N, C, H + 2p, W + 2p)
    n = torch.arange(N, device=x.device)[:, None, None, None]
    c = torch.arange(C, device=x.device)[None, :, None, None]
    return xp[n, c, rows[:, None, :, None], cols[:, None, None, :]]  # (N, C, H, W)


# ---------------------------------------------------------------------------- the challenge

CHALLENGE_BATCH_SIZE = 256  # batch size of the reference challenge run (change it if you like)


def make_challenge_model(num_classes=10, widths=(24, 48, 96, 192)):
    """Your CIFAR-10 model for the challenge (open-ended; the reference is described below).

    Reference: a stem conv-BN-ReLU, then three blocks of
    conv3x3 - maxpool2 - BN - ReLU - conv3x3 - BN - ReLU (32 -> 16 -> 8 -> 4 pixels),
    global max pooling and one linear layer. Convs carry no bias (BN has one).
    Returns: nn.Module taking (N, 3, 32, 32) and returning scores (N, num_classes)
    """

    def conv_bn(c_in, c_out, pool=False):
        layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)]
        if pool:
            layers.append(nn.MaxPool2d(2))
        return layers + [nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]

    w0, w1, w2, w3 = widths
    return nn.Sequential(
        *conv_bn(3, w0),
        *conv_bn(w0, w1, pool=True),
        *conv_bn(w1, w1),
        *conv_bn(w1, w2, pool=True),
        *conv_bn(w2, w2),
        *conv_bn(w2, w3, pool=True),
        *conv_bn(w3, w3),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(w3, num_classes),
    )


def challenge_training_setup(model, epochs, steps_per_epoch):
    """Optimiser, per-batch LR scheduler and training options for the challenge.

    Reference: SGD with Nesterov momentum and weight decay, a one-cycle schedule
    (linear warm-up to the peak over the first quarter, linear decay to near zero),
    label smoothing; batches of CHALLENGE_BATCH_SIZE.

    Inputs:
    - model: the nn.Module to train
    - epochs, steps_per_epoch: length of the run (the schedule spans it exactly)
    Returns a tuple (optimizer, scheduler, options) where options is a dict with
    'label_smoothing' (for F.cross_entropy) and 'flip_tta' (use mirror test-time augmentation)
    """
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.dim() > 1 else no_decay).append(p)  # no weight decay on BN and biases
    optimizer = torch.optim.SGD(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=0.01,
        momentum=0.9,
        nesterov=True,
    )
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=0.08,
        total_steps=epochs * steps_per_epoch,
        pct_start=0.25,
        anneal_strategy="linear",
        div_factor=8.0,
        final_div_factor=100.0,
        cycle_momentum=False,
    )
    return optimizer, scheduler, {"label_smoothing": 0.1, "flip_tta": True}
