"""Network visualisation (PyTorch): saliency maps, fooling images and class visualisation, plus image helpers.

Every function takes images already preprocessed (normalised with the CIFAR-10 mean and std,
shape (N, 3, H, W)) and a model mapping them to class scores (N, C). The model is in eval
mode; its parameters may or may not require gradients, and you must not change them.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from .pretrained import CIFAR_MEAN, CIFAR_STD

# --------------------------------------------------------------------------- given helpers


def preprocess(img, size=None):
    """An image as the network wants it.

    Inputs:
    - img: numpy array (H, W, 3), uint8 in 0..255 or float in [0, 1]; or a batch of them:
      an array (N, H, W, 3) or a list of arrays of one size
    - size: None keeps the size; an int resizes so that the shorter side has that many pixels
    Returns: float32 tensor (N, 3, H', W'), normalised with the CIFAR-10 mean and std
    """
    if isinstance(img, (list, tuple)):
        arr = np.stack([np.asarray(a) for a in img])  # (N, H, W, 3)
    else:
        arr = np.asarray(img)
        arr = arr[None] if arr.ndim == 3 else arr  # (H, W, 3) -> (1, H, W, 3)
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"expected images of shape (H, W, 3), got {arr.shape[1:]}")
    x = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()  # (N, 3, H, W)
    if arr.dtype == np.uint8:
        x = x / 255.0
    if size is not None:
        h, w = x.shape[2:]
        scale = size / min(h, w)
        new = (max(1, round(h * scale)), max(1, round(w * scale)))
        x = F.interpolate(x, size=new, mode="bilinear", align_corners=False, antialias=scale < 1)
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def rescale(x):
    """Stretch x linearly to [0, 1]."""
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo + 1e-12)


def deprocess(x, should_rescale=False):
    """Undo preprocess for display.

    Inputs:
    - x: tensor (3, H, W) or (1, 3, H, W)
    - should_rescale: stretch the result to [0, 1] instead of clipping it
    Returns: numpy float array (H, W, 3) in [0, 1]
    """
    x = x.detach().cpu().float()
    if x.ndim == 4:
        x = x[0]
    mean = torch.tensor(CIFAR_MEAN).view(3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(3, 1, 1)
    x = x * std + mean  # (3, H, W) in pixel units / 255
    x = rescale(x) if should_rescale else x.clamp(0, 1)
    return x.permute(1, 2, 0).numpy()


def jitter(X, ox, oy):
    """Shift X (N, C, H, W) circularly by ox pixels along the width and oy along the height."""
    return torch.roll(X, shifts=(oy, ox), dims=(2, 3))


def blur_image(X, sigma=1.0):
    """Gaussian blur of each channel of X (N, C, H, W) with standard deviation sigma pixels (reflect borders)."""
    if sigma <= 0:
        return X
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=X.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = X.shape[1]
    kx = k.view(1, 1, 1, -1).repeat(c, 1, 1, 1)  # (C, 1, 1, K): one filter per channel
    ky = k.view(1, 1, -1, 1).repeat(c, 1, 1, 1)  # (C, 1, K, 1)
    pad = min(radius, X.shape[2] - 1, X.shape[3] - 1)
    kx = kx[..., radius - pad : radius + pad + 1]
    ky = ky[..., radius - pad : radius + pad + 1, :]
    kx, ky = kx / kx.sum(-1, keepdim=True), ky / ky.sum(-2, keepdim=True)
    X = F.conv2d(F.pad(X, (pad, pad, 0, 0), mode="reflect"), kx, groups=c)
    return F.conv2d(F.pad(X, (0, 0, pad, pad), mode="reflect"), ky, groups=c)


# --------------------------------------------------------------------------- saliency maps


def compute_saliency_maps(X, y, model):
    """Saliency maps of images X for their classes y.

    The saliency of a pixel is the largest, over the three colour channels, absolute value
    of the derivative of the (unnormalised) score of the correct class with respect to that
    pixel's value.

    Inputs:
    - X: input images, tensor (N, 3, H, W)
    - y: labels, int64 tensor (N,)
    - model: a network mapping (N, 3, H, W) to scores (N, C)
    Returns:
    - saliency: tensor (N, H, W), detached, the saliency maps of the images
    """
    saliency = None
    ##########################################################################
    # TODO: Compute the saliency maps with one backward pass. Make X a leaf    #
    # that requires gradients (on a copy: do not change the caller's tensor), #
    # pick out each image's correct-class score (gather), backpropagate their #
    # sum, and reduce the input gradient as described above.                  #
    ##########################################################################
    ### BEGIN SOLUTION
    X = X.detach().clone().requires_grad_(True)
    scores = model(X)  # (N, C)
    correct = scores.gather(1, y.view(-1, 1)).squeeze(1)  # (N,)
    correct.sum().backward()
    saliency = X.grad.abs().amax(dim=1)  # (N, 3, H, W) -> (N, H, W)
    ### END SOLUTION
    return saliency.detach()


# --------------------------------------------------------------------------- fooling images


def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iter=100):
    """An image close to X that the model classifies as target_y.

    Gradient ascent on the target class's score, one normalised step at a time:
    X <- X + learning_rate * g / ||g||_2, where g is the gradient of the target score with
    respect to the image; stop as soon as the model predicts target_y (or after max_iter steps).

    Inputs:
    - X: input image, tensor (1, 3, H, W)
    - target_y: an int in [0, C)
    - model: a network mapping (N, 3, H, W) to scores (N, C)
    - learning_rate: the L2 length of each step
    - max_iter: the most steps to take
    Returns:
    - X_fooling: tensor (1, 3, H, W), detached
    """
    X_fooling = X.detach().clone()
    ##########################################################################
    # TODO: Repeat: compute the scores of X_fooling; if the predicted class   #
    # is target_y, stop; otherwise backpropagate the target score to the     #
    # image and take a normalised step. Update the image under               #
    # torch.no_grad() and reset its gradient between steps.                  #
    ##########################################################################
    ### BEGIN SOLUTION
    X_fooling.requires_grad_(True)
    for _ in range(max_iter):
        scores = model(X_fooling)  # (1, C)
        if scores.argmax(dim=1).item() == target_y:
            break
        scores[0, target_y].backward()
        with torch.no_grad():
            g = X_fooling.grad
            X_fooling += learning_rate * g / (g.norm() + 1e-12)
        X_fooling.grad = None
    ### END SOLUTION
    return X_fooling.detach()


# --------------------------------------------------------------------------- class visualisation


def class_visualization_update(img, model, target_y, l2_reg, learning_rate):
    """One gradient-ascent step of class visualisation, in place.

    Maximises S_y(I) - l2_reg * ||I||_2^2, where S_y is the unnormalised score of class
    target_y, with a normalised step: I <- I + learning_rate * g / ||g||_2.

    Inputs:
    - img: tensor (1, 3, H, W), the image being generated (updated in place)
    - model: a network mapping (N, 3, H, W) to scores (N, C)
    - target_y: an int in [0, C)
    - l2_reg: strength of the L2 penalty on the image
    - learning_rate: the L2 length of the step
    Returns: img, the same tensor, updated
    """
    ##########################################################################
    # TODO: Compute the regularised objective for img, its gradient with     #
    # respect to img (e.g. with torch.autograd.grad on a copy that requires  #
    # gradients), and update img in place under torch.no_grad().             #
    ##########################################################################
    ### BEGIN SOLUTION
    x = img.detach().clone().requires_grad_(True)
    objective = model(x)[0, target_y] - l2_reg * (x * x).sum()
    (g,) = torch.autograd.grad(objective, x)
    with torch.no_grad():
        img += learning_rate * g / (g.norm() + 1e-12)
    ### END SOLUTION
    return img


def create_class_visualization(
    target_y,
    model,
    size=32,
    l2_reg=1e-4,
    learning_rate=30.0,
    num_iterations=200,
    blur_every=10,
    blur_sigma=0.5,
    max_jitter=2,
    show_every=None,
    seed=0,
    callback=None,
):
    """An image that the model scores highly as class target_y, by regularised gradient ascent.

    Starts from small random noise; each iteration jitters the image by a random shift,
    takes one class_visualization_update step, undoes the shift, clamps every pixel to the
    range of real (preprocessed) images, and every blur_every iterations blurs it.

    Inputs:
    - target_y: an int in [0, C)
    - model: a network mapping (N, 3, H, W) to scores (N, C)
    - size: the image is (1, 3, size, size)
    - l2_reg, learning_rate: as in class_visualization_update
    - num_iterations: the number of steps
    - blur_every, blur_sigma: blur regularisation (blur_every=0: never)
    - max_jitter: largest random shift, pixels
    - show_every: call callback(t, img) every this many iterations and at the end (None: only at the end)
    - seed: seeds the initial noise and the jitter
    - callback: a function (t, img) -> None, e.g. to plot progress
    Returns: img, tensor (1, 3, size, size), detached
    """
    gen = torch.Generator().manual_seed(seed)
    img = 0.1 * torch.randn(1, 3, size, size, generator=gen)
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    lo, hi = (0 - mean) / std, (1 - mean) / std  # preprocessed values of pixel values 0 and 1
    for t in range(num_iterations):
        ox, oy = (int(v) for v in torch.randint(-max_jitter, max_jitter + 1, (2,), generator=gen))
        ##########################################################################
        # TODO: Jitter img by (ox, oy), take one class_visualization_update step, #
        # and undo the jitter.                                                    #
        ##########################################################################
        ### BEGIN SOLUTION
        img = jitter(img, ox, oy)
        img = class_visualization_update(img, model, target_y, l2_reg, learning_rate)
        img = jitter(img, -ox, -oy)
        ### END SOLUTION
        img = torch.maximum(torch.minimum(img, hi), lo)
        if blur_every and t % blur_every == 0:
            img = blur_image(img, sigma=blur_sigma)
        if callback is not None and show_every and (t % show_every == 0):
            callback(t, img)
    if callback is not None:
        callback(num_iterations, img)
    return img.detach()
