"""Tests for the given generative-model code: the idx reader (load_mnist), the scorer's checksum and figures, the training loops.

Given code, not graded: GRADED = False tells the release validator to skip this module.
"""

import gzip
import os

import numpy as np
import pytest
import torch

from cs231n import ddpm, gan_pytorch
from cs231n.mnist_utils import MnistFileError, load_mnist, read_idx
from cs231n.sample_quality import WEIGHTS, frechet_distance, load_scorer, score_samples
from cs231n.weights_io import sha256_of

GRADED = False


def _idx(array):
    array = np.ascontiguousarray(array, np.uint8)
    return bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape) + array.tobytes()


def _write_set(folder, n_train=20, n_test=10, gz=True):
    rng = np.random.default_rng(0)
    os.makedirs(folder, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(n_test) % 10,
    }
    for name, a in arrays.items():
        data = _idx(a)
        if gz:
            with gzip.open(os.path.join(folder, name + ".gz"), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_reads_idx_files(tmp_path, gz):
    arrays = _write_set(str(tmp_path / "mnist"), gz=gz)
    data = load_mnist(str(tmp_path / "mnist"), num_train=15)
    assert data["X_train"].shape == (15, 28, 28) and data["X_train"].dtype == np.uint8
    assert np.array_equal(data["X_test"], arrays["t10k-images-idx3-ubyte"])
    assert np.array_equal(data["y_train"], arrays["train-labels-idx1-ubyte"][:15])
    assert data["synthetic"] is False


def test_read_idx_errors_name_the_file(tmp_path):
    p = tmp_path / "x-idx1-ubyte"
    p.write_bytes(b"\x08\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(MnistFileError, match="x-idx1-ubyte.*magic"):
        read_idx(str(p))
    p.write_bytes(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc")
    with pytest.raises(MnistFileError, match="x-idx1-ubyte.*holds 3"):
        read_idx(str(p))
    p.write_bytes(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(MnistFileError, match="1 dimensions, expected 3"):
        read_idx(str(p), ndim=3)
    assert read_idx(str(p)).tolist() == [97, 98, 99]


def test_load_mnist_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="get_datasets.py mnist"):
        load_mnist(str(tmp_path / "nowhere"))


def test_scorer_checksum_and_figures(tmp_path):
    scorer = load_scorer()
    bad = tmp_path / "scorer.pt"
    bad.write_bytes(open(WEIGHTS, "rb").read() + b"x")
    with pytest.raises(ValueError, match="sha256"):
        load_scorer(str(bad))
    assert len(sha256_of(WEIGHTS)) == 64
    blank = np.zeros((20, 28, 28))
    s = score_samples(scorer, blank, labels=np.zeros(20, int))
    assert s["max_class_share"] == 1.0 and s["min_class_share"] == 0.0, "identical images get one class"
    assert len(s["class_shares"]) == 10 and 0 <= s["conditional_acc"] <= 1


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3))
    assert frechet_distance(a, a) < 1e-6
    b = rng.normal(size=(4000, 3)) * 2 + 1  # mean shift 1 per dim, std 2: 3 * 1 + 3 * (4 + 1 - 2 * 2) = 6
    assert abs(frechet_distance(a, b) - 6.0) < 0.4


def test_training_loops_run_and_are_seeded():
    X = np.random.default_rng(0).integers(0, 256, (64, 28, 28)).astype(np.uint8)
    D, G = gan_pytorch.discriminator(seed=0), gan_pytorch.generator(seed=0)
    hist = gan_pytorch.run_a_gan(
        D,
        G,
        gan_pytorch.get_optimizer(D),
        gan_pytorch.get_optimizer(G),
        gan_pytorch.discriminator_loss,
        gan_pytorch.generator_loss,
        X,
        show_every=2,
        batch_size=16,
        max_iters=3,
    )
    assert hist["iterations"] == 3 and len(hist["images"]) == 2 and hist["images"][0][1].shape == (16, 784)
    sched = ddpm.compute_schedule(ddpm.linear_beta_schedule(10))
    runs = []
    for _ in range(2):
        ema, losses = ddpm.train_ddpm(
            ddpm.UNet(ch=8, emb_dim=16, seed=0), X, np.arange(64) % 10, sched, num_iters=2, batch_size=8, log_every=0
        )
        runs.append(losses)
    assert runs[0] == runs[1], "train_ddpm is seeded"
    imgs, chain = ddpm.sample(ema, sched, 3, labels=torch.tensor([1, 2, 3]), guidance=1.0, keep_every=5)
    assert tuple(imgs.shape) == (3, 1, 28, 28) and [t for t, _ in chain] == [10, 5, 0]


def test_run_a_gan_generator_ema():
    """ema_decay: after one iteration the average is 0.1 * initial + 0.9 * trained weights (the
    warm-up decay min(d, 1/10)); G itself is the trained generator and G_ema a separate copy."""
    X = np.random.default_rng(0).integers(0, 256, (64, 28, 28)).astype(np.uint8)
    D, G = gan_pytorch.discriminator(seed=0), gan_pytorch.generator(seed=0)
    init = [p.detach().clone() for p in G.parameters()]
    args = (gan_pytorch.get_optimizer(D), gan_pytorch.get_optimizer(G))
    loss = (gan_pytorch.ls_discriminator_loss, gan_pytorch.ls_generator_loss)
    hist = gan_pytorch.run_a_gan(D, G, *args, *loss, X, show_every=10, batch_size=16, max_iters=1, ema_decay=0.999)
    G_ema = hist["G_ema"]
    assert G_ema is not G and not G_ema.training
    for p0, p, pe in zip(init, G.parameters(), G_ema.parameters()):
        assert not torch.equal(p0, p), "G should have taken one step"
        torch.testing.assert_close(pe, 0.1 * p0 + 0.9 * p.detach())
    assert "G_ema" not in gan_pytorch.run_a_gan(D, G, *args, *loss, X, show_every=10, batch_size=16, max_iters=1)


def test_recalibrate_batchnorm_averages_batch_statistics():
    """The running mean/variance become the equal-weight average of the batches' own statistics
    (recomputed here from the same noise), the layer's momentum is restored, G is left in eval mode."""
    torch.manual_seed(0)
    lin, bn = torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3)
    G = torch.nn.Sequential(lin, bn)
    bn.running_mean.fill_(5.0)
    gan_pytorch.recalibrate_batchnorm(G, noise_size=4, num_batches=3, batch_size=50, seed=7)
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        hs = [lin(2 * torch.rand(50, 4, generator=gen) - 1) for _ in range(3)]
    torch.testing.assert_close(bn.running_mean, torch.stack([h.mean(0) for h in hs]).mean(0))
    torch.testing.assert_close(bn.running_var, torch.stack([h.var(0) for h in hs]).mean(0))  # unbiased, as BN keeps
    assert bn.momentum == 0.1 and not G.training


def test_clipped_x0_sampler():
    sched = ddpm.compute_schedule(ddpm.linear_beta_schedule(10))
    gen = torch.Generator().manual_seed(0)
    t = torch.tensor([0, 2, 4])  # (at larger t, sqrt(alpha_bar) ~ 1e-9 and float32 cannot invert the map)
    x0 = 1.8 * torch.rand(3, 1, 28, 28, generator=gen) - 0.9
    noise = torch.randn(3, 1, 28, 28, generator=gen)
    x_t = ddpm.q_sample(x0, t, noise, sched)
    # the true noise implies the true x0, inside [-1, 1]: nothing to clip
    exact = ddpm.ClippedX0(lambda x, tt, labels=None: noise, sched)
    torch.testing.assert_close(exact(x_t, t), noise, atol=1e-4, rtol=1e-4)
    # a wild prediction: the returned noise implies a clean image inside [-1, 1]
    wild = ddpm.ClippedX0(lambda x, tt, labels=None: -10 * torch.ones_like(x), sched)
    ab = sched["sqrt_alpha_bars"].float()[t].view(-1, 1, 1, 1)
    s = sched["sqrt_one_minus_alpha_bars"].float()[t].view(-1, 1, 1, 1)
    implied = (x_t - s * wild(x_t, t)) / ab
    assert implied.abs().max() <= 1 + 1e-4


def test_train_ddpm_bf16():
    X = np.random.default_rng(0).integers(0, 256, (64, 28, 28)).astype(np.uint8)
    sched = ddpm.compute_schedule(ddpm.linear_beta_schedule(10))
    kw = dict(num_iters=3, batch_size=8, log_every=0)
    # bf16: the forward pass runs in bfloat16, the weights and their average stay float32 and change
    model = ddpm.UNet(ch=8, emb_dim=16, seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    ema, losses = ddpm.train_ddpm(model, X, np.arange(64) % 10, sched, bf16=True, **kw)
    assert len(losses) == 3 and all(np.isfinite(losses))
    assert all(p.dtype == torch.float32 for p in list(model.parameters()) + list(ema.parameters()))
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
    assert ddpm.sample(ema, sched, 2, seed=0).dtype == torch.float32
