"""Autograder tests for CLIP and DINO: the symmetric InfoNCE loss, DINO's loss with centring and sharpening, the centre and momentum updates, the teacher's lack of gradient."""

import math

import numpy as np
import pytest
import torch
from torch_helpers import autograd_call, torch_sequential

from cs231n.clip_dino import (
    DINONet,
    clip_loss,
    dino_loss,
    dino_step,
    make_optimizer,
    make_teacher,
    momentum_update,
    update_center,
)

SPEC = [["Linear", 4, 6], ["ReLU"], ["Linear", 6, 3]]


def test_clip_loss_hand_worked_identity_2x2():
    eye = torch.eye(2)
    # logits [[2, 0], [0, 2]] both ways: each row's cross-entropy is log(1 + e^-2)
    assert abs(float(clip_loss(eye, eye, 0.5)) - math.log(1 + math.exp(-2))) < 1e-6


@pytest.mark.points(2)
def test_clip_loss_hand_worked_asymmetric_2x2():
    img = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    txt = torch.tensor([[2.0, 0.0], [1.0, 1.0]])  # normalised: [1, 0] and [1, 1] / sqrt(2)
    c = 1 / math.sqrt(2)
    # cosine matrix S = [[1, c], [0, c]], temperature 1
    i2t = -math.log(math.e / (math.e + math.exp(c))) - math.log(math.exp(c) / (1 + math.exp(c)))
    t2i = -math.log(math.e / (math.e + 1)) + math.log(2)
    expected = 0.5 * (i2t + t2i) / 2
    assert abs(float(clip_loss(img, txt, 1.0)) - expected) < 1e-6


def test_clip_loss_is_symmetric_and_scale_invariant():
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.standard_normal((6, 5)))
    b = torch.from_numpy(rng.standard_normal((6, 5)))
    assert abs(float(clip_loss(a, b, 0.2)) - float(clip_loss(b, a, 0.2))) < 1e-9
    assert abs(float(clip_loss(3 * a, b, 0.2)) - float(clip_loss(a, b, 0.2))) < 1e-9


def _dino_reference(s, t, c, tau_s, tau_t):
    def softmax(z):
        z = z - z.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)

    terms = []
    for ti in range(t.shape[0]):
        p_t = softmax((t[ti] - c) / tau_t)
        for si in range(s.shape[0]):
            if si != ti:
                terms.append(np.mean(-(p_t * np.log(softmax(s[si] / tau_s))).sum(-1)))
    return float(np.mean(terms))


@pytest.mark.points(2)
@pytest.mark.parametrize("tau_t", [0.04, 0.1, 1.0])
def test_dino_loss_matches_formula(tau_t):
    rng = np.random.default_rng(1)
    s, t, c = rng.standard_normal((4, 3, 5)), rng.standard_normal((2, 3, 5)), rng.standard_normal(5)
    out = dino_loss(torch.from_numpy(s), torch.from_numpy(t), torch.from_numpy(c), 0.1, tau_t)
    assert abs(float(out) - _dino_reference(s, t, c, 0.1, tau_t)) < 1e-8


def test_dino_loss_centring_and_no_teacher_gradient():
    rng = np.random.default_rng(2)
    s, t, c = rng.standard_normal((3, 4, 6)), rng.standard_normal((2, 4, 6)), rng.standard_normal(6)
    shift = rng.standard_normal(6)
    a = float(dino_loss(torch.from_numpy(s), torch.from_numpy(t), torch.from_numpy(c)))
    b = float(dino_loss(torch.from_numpy(s), torch.from_numpy(t + shift), torch.from_numpy(c + shift)))
    assert abs(a - b) < 1e-8, "the centre is subtracted from the teacher's logits"
    _, grads, _ = autograd_call(dino_loss, torch.from_numpy(s), torch.from_numpy(t), torch.from_numpy(c))
    assert grads[0] is not None and float(grads[0].abs().sum()) > 0
    for g, name in ((grads[1], "teacher_out"), (grads[2], "center")):
        assert g is None or float(g.abs().sum()) == 0, f"{name} must get no gradient (detach the teacher's softmax)"


def test_update_center_formula():
    rng = np.random.default_rng(3)
    c, t = rng.standard_normal(5), rng.standard_normal((2, 4, 5))
    out = update_center(torch.from_numpy(c), torch.from_numpy(t), 0.8)
    assert np.allclose(out.numpy(), 0.8 * c + 0.2 * t.reshape(-1, 5).mean(0))


@pytest.mark.points(2)
def test_momentum_update_formula():
    teacher = torch_sequential(SPEC, seed=0)
    student = torch_sequential(SPEC, seed=1)
    t0 = {k: v.clone() for k, v in teacher.state_dict().items()}
    s0 = {k: v.clone() for k, v in student.state_dict().items()}
    momentum_update(teacher, student, 0.9)
    for k, v in teacher.state_dict().items():
        assert torch.allclose(v, 0.9 * t0[k] + 0.1 * s0[k], atol=1e-6), k
    for k, v in student.state_dict().items():
        assert torch.equal(v, s0[k]), "the student must not change"


@pytest.mark.points(2)
def test_dino_step_teacher_gets_no_gradient_only_the_average():
    torch.manual_seed(0)
    student = DINONet(width=4, out_dim=8, hidden=16)
    teacher = make_teacher(student)
    opt = make_optimizer(student, lr=0.1)
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    t_before = {k: v.clone() for k, v in teacher.named_parameters()}
    loss, center = dino_step(student, teacher, torch.zeros(8), x, opt, 0, n_local=2, m=0.9)
    assert math.isfinite(loss) and center.shape == (8,)
    s_after = dict(student.named_parameters())
    for k, p in teacher.named_parameters():
        assert p.grad is None, f"the teacher's {k} received a gradient"
        assert torch.allclose(p, 0.9 * t_before[k] + 0.1 * s_after[k].detach(), atol=1e-6), k
