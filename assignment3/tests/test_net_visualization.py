"""Autograder tests for network visualisation: saliency against autograd and a hand-worked linear case, fooling images, class-visualisation steps.

Submitted code gets a tiny fixed network built by torch_helpers.torch_sequential (never the
shipped classifier), and images as plain tensors.
"""

import pytest
import torch

from cs231n.net_visualization_pytorch import (
    class_visualization_update,
    compute_saliency_maps,
    create_class_visualization,
    make_fooling_image,
)

from torch_helpers import autograd_call, torch_sequential

# a tiny conv net on (N, 3, 8, 8) images, 5 classes
TINY = [
    ["Conv2d", 3, 6, 3, 1, 1],
    ["ReLU"],
    ["MaxPool2d", 2],
    ["Conv2d", 6, 8, 3, 1, 1],
    ["Tanh"],
    ["Flatten"],
    ["Linear", 8 * 4 * 4, 5],
]


def _images(n, seed=0, size=8):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.points(1)
def test_saliency_of_a_linear_model_is_the_max_abs_weight_over_channels():
    # scores = W x + b: the gradient of score y is W[y], whatever the image
    model = torch_sequential([["Flatten"], ["Linear", 3 * 4 * 5, 3]], seed=3)
    W = model.state_dict()["1.weight"].view(3, 3, 4, 5)  # (classes, C, H, W)
    X = _images(4, seed=1)[:, :, :4, :5].contiguous()
    y = torch.tensor([2, 0, 1, 2])
    sal = compute_saliency_maps(X, y, model)
    assert tuple(sal.shape) == (4, 4, 5), f"saliency shape {tuple(sal.shape)}, expected (N, H, W) = (4, 4, 5)"
    expected = W[y].abs().amax(dim=1)  # (N, H, W)
    assert torch.allclose(sal, expected, atol=1e-6), "saliency should be max over channels of |d score_y / d X|"


@pytest.mark.points(2)
def test_saliency_matches_autograd_on_a_tiny_net():
    model = torch_sequential(TINY, seed=0)
    X = _images(5, seed=2)
    X_before = X.clone()
    y = torch.tensor([0, 1, 2, 3, 4])
    sal = compute_saliency_maps(X, y, model)
    # reference: each image's correct score, one at a time
    ref = []
    for i in range(5):  # the model lives beside the submitted code under the grader: autograd_call runs there too
        onehot = torch.zeros_like(model(X[i : i + 1]))
        onehot[0, y[i]] = 1.0
        _, (gx,), _ = autograd_call(model, X[i : i + 1].clone(), grad_output=onehot)
        ref.append(gx.abs().amax(dim=1)[0])
    ref = torch.stack(ref)
    assert tuple(sal.shape) == (5, 8, 8)
    assert torch.allclose(sal, ref, rtol=1e-4, atol=1e-6), f"max |saliency - reference| = {(sal - ref).abs().max()}"
    assert torch.equal(X, X_before), "compute_saliency_maps must not change its input images"


@pytest.mark.points(2)
def test_fooling_image_is_classified_as_target_and_close_to_the_original():
    model = torch_sequential(TINY, seed=0)
    X = _images(1, seed=4)
    with torch.no_grad():
        scores = model(X)[0]
    original = int(scores.argmax())
    target = int(scores.argsort()[-2])  # the runner-up class: reachable in a few small steps
    assert target != original
    X_before = X.clone()
    lr, max_iter = 0.1, 100
    X_fool = make_fooling_image(X, target, model, learning_rate=lr, max_iter=max_iter)
    assert tuple(X_fool.shape) == (1, 3, 8, 8)
    assert torch.equal(X, X_before), "make_fooling_image must not change its input image"
    with torch.no_grad():
        pred = int(model(X_fool).argmax(dim=1))
    assert pred == target, f"the fooling image is classified as {pred}, not the target {target}"
    diff = X_fool - X
    assert float(diff.norm()) <= lr * max_iter + 1e-4, "each step should have L2 length learning_rate"
    assert float(diff.norm() / X.norm()) < 0.25, "the fooling image differs too much from the original"
    # the same procedure, written here: normalised steps until the target is predicted
    ref = X.clone()
    for _ in range(max_iter):
        s, (g,), _ = autograd_call(model, ref, grad_output=torch.eye(s_classes := scores.numel())[target][None])
        if int(s.argmax()) == target:
            break
        ref = ref + lr * g / g.norm()
    assert torch.allclose(X_fool, ref.detach(), atol=1e-4), (
        "take steps X += learning_rate * g / ||g||_2 and stop at the first image classified as the target"
    )


@pytest.mark.points(1)
def test_fooling_image_of_an_image_already_in_the_target_class_is_unchanged():
    model = torch_sequential(TINY, seed=0)
    X = _images(1, seed=5)
    with torch.no_grad():
        original = int(model(X).argmax())
    X_fool = make_fooling_image(X, original, model, learning_rate=1.0, max_iter=10)
    assert torch.allclose(X_fool, X), "an image already classified as the target needs no step"


@pytest.mark.points(2)
def test_class_visualization_update_is_one_normalised_ascent_step():
    model = torch_sequential(TINY, seed=1)
    img = _images(1, seed=6)
    before = img.clone()
    target, l2_reg, lr = 3, 0.05, 0.2
    out = class_visualization_update(img, model, target, l2_reg, lr)
    assert out is not None and tuple(out.shape) == (1, 3, 8, 8), "return the updated image (1, 3, H, W)"
    # reference step, computed here
    onehot = torch.zeros_like(model(before))
    onehot[0, target] = 1.0
    _, (g_score,), _ = autograd_call(model, before.clone(), grad_output=onehot)  # d S_y / d I
    g = g_score - 2 * l2_reg * before
    expected = before + lr * g / g.norm()
    assert torch.allclose(out.detach(), expected, atol=1e-5), (
        "img should move by learning_rate * g / ||g||_2, g the gradient of S_y(I) - l2_reg * ||I||^2"
    )
    with torch.no_grad():
        s0 = model(before)[0, target] - l2_reg * (before**2).sum()
        s1 = model(out)[0, target] - l2_reg * (out**2).sum()
    assert s1 > s0, "a small step should increase the regularised class score"


@pytest.mark.points(1)
def test_create_class_visualization_raises_the_class_score():
    model = torch_sequential(TINY, seed=2)
    target = 1
    start = create_class_visualization(target, model, size=8, num_iterations=0, max_jitter=1, blur_every=0)
    img = create_class_visualization(
        target, model, size=8, num_iterations=25, learning_rate=0.5, max_jitter=1, blur_every=0
    )
    with torch.no_grad():
        s_start = float(model(start)[0, target])
        s_end = float(model(img)[0, target])
        pred = int(model(img).argmax())
    assert s_end > s_start + 0.1, f"the class score went from {s_start:.3f} to {s_end:.3f}; it should rise"
    assert pred == target, f"after 25 steps the image should be classified as {target}, got {pred}"
