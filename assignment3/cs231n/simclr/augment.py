"""SimCLR's data augmentation as batched tensor operations (no torchvision): random resized crop, flip, colour jitter, grayscale."""

import math

import torch
import torch.nn.functional as F

# ITU-R 601 luma weights: the grayscale of an RGB image
_LUMA = (0.299, 0.587, 0.114)


def _uniform(n, low, high, generator):
    """n numbers drawn uniformly from [low, high) with the given generator."""
    return low + (high - low) * torch.rand(n, generator=generator)


def _gray(x):
    """(N, 3, H, W) -> (N, 1, H, W): the luma of each pixel."""
    w = torch.tensor(_LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def _check_batch(x):
    if not (isinstance(x, torch.Tensor) and x.dim() == 4 and x.shape[1] == 3 and x.is_floating_point()):
        raise ValueError(
            f"expected a float tensor of images shaped (N, 3, H, W) with values in [0, 1], got "
            f"{type(x).__name__} {tuple(getattr(x, 'shape', ()))}; convert uint8 (N, H, W, 3) images with "
            "torch.from_numpy(X).permute(0, 3, 1, 2).float() / 255"
        )


def random_crop_flip(x, generator, scale=(0.2, 1.0), ratio=(3 / 4, 4 / 3), flip=True):
    """Random resized crop (area fraction in `scale`, aspect ratio in `ratio`) and horizontal flip, per image.

    Inputs:
    - x: (N, 3, H, W) float images
    - generator: torch.Generator; the same seed gives the same crops
    Returns: (N, 3, H, W), each image a crop of its input resized back to H x W (bilinear).
    """
    _check_batch(x)
    n = x.shape[0]
    area = _uniform(n, scale[0], scale[1], generator)
    log_r = _uniform(n, math.log(ratio[0]), math.log(ratio[1]), generator)
    r = torch.exp(log_r)
    # crop width and height as fractions of the image (affine_grid works in [-1, 1], so a fraction is a scale)
    w = torch.sqrt(area * r).clamp(max=1.0)
    h = torch.sqrt(area / r).clamp(max=1.0)
    cx = (2 * torch.rand(n, generator=generator) - 1) * (1 - w)
    cy = (2 * torch.rand(n, generator=generator) - 1) * (1 - h)
    sign = torch.ones(n)
    if flip:
        sign = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * sign
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    theta = theta.to(dtype=x.dtype, device=x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def color_jitter(x, generator, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, p=0.8):
    """With probability p per image: scale brightness, contrast and saturation, and rotate the hue.

    Hue is rotated in YIQ space (a rotation of the chroma plane by up to hue * 360 degrees).
    Returns: (N, 3, H, W) clamped to [0, 1].
    """
    n = x.shape[0]
    apply = (torch.rand(n, generator=generator) < p).to(x.dtype).view(n, 1, 1, 1)

    def factors(strength):
        f = _uniform(n, 1 - strength, 1 + strength, generator).to(x.dtype).view(n, 1, 1, 1)
        return apply * f + (1 - apply)  # 1 where the jitter is not applied

    b, c, s = factors(brightness), factors(contrast), factors(saturation)
    angle = (apply.view(n) * _uniform(n, -hue, hue, generator).to(x.dtype)) * 2 * math.pi
    out = (x * b).clamp(0, 1)
    mean = _gray(out).mean(dim=(2, 3), keepdim=True)  # (N, 1, 1, 1)
    out = ((out - mean) * c + mean).clamp(0, 1)
    g = _gray(out)
    out = ((out - g) * s + g).clamp(0, 1)
    # hue: RGB -> YIQ, rotate (I, Q), -> RGB
    to_yiq = torch.tensor(
        [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=x.dtype, device=x.device
    )
    yiq = torch.einsum("ij,njhw->nihw", to_yiq, out)
    cos, sin = torch.cos(angle).view(n, 1, 1), torch.sin(angle).view(n, 1, 1)
    i2 = cos * yiq[:, 1] - sin * yiq[:, 2]
    q2 = sin * yiq[:, 1] + cos * yiq[:, 2]
    yiq = torch.stack([yiq[:, 0], i2, q2], dim=1)
    out = torch.einsum("ij,njhw->nihw", torch.linalg.inv(to_yiq), yiq)
    return out.clamp(0, 1)


def random_grayscale(x, generator, p=0.2):
    """Each image turned to grayscale (all three channels equal) with probability p."""
    n = x.shape[0]
    pick = (torch.rand(n, generator=generator) < p).to(x.dtype).view(n, 1, 1, 1)
    return pick * _gray(x).expand_as(x) + (1 - pick) * x


def compute_train_transform(x, generator, scale=(0.2, 1.0), jitter=0.4, hue=0.1, p_jitter=0.8, p_gray=0.2):
    """SimCLR's augmentation of a batch: random resized crop + flip, colour jitter, random grayscale.

    Inputs:
    - x: (N, 3, H, W) float images with values in [0, 1]
    - generator: torch.Generator (seeded: the same seed and input give the same output)
    Returns: (N, 3, H, W) augmented images with values in [0, 1]. Call it twice on a batch for the two views.
    """
    out = random_crop_flip(x, generator, scale=scale)
    out = color_jitter(out, generator, jitter, jitter, jitter, hue, p=p_jitter)
    out = random_grayscale(out, generator, p=p_gray)
    return out.clamp(0, 1)
