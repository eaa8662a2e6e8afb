"""Bench a3.dcgan / a3.ddpm: sample quality of a DCGAN (5 minutes) and a class-conditional DDPM (15 minutes) on MNIST, by the kit's scorer.

Data: <data root>/mnist (real MNIST when present); when it is missing, the synthetic stand-in
(scikit-learn's handwriting, augmented) is written into a temporary folder first (the result
says which). Quality: cs231n.sample_quality (share of samples classified with confidence
>= 0.9, the share of each digit, Frechet distance in the scorer's feature space against
2,000 held-out test images), for 1,000 samples of each model. The DDPM is class-conditional, so
its samples are drawn as such a model generates: a label from the training set's label
frequencies, then the image given it, without guidance (w = 0): the model's own distribution,
as class-conditional generators are conventionally scored (labels drawn from the class prior).
a3.ddpm.confident_share, its class shares and a3.ddpm.frechet are those samples';
a3.ddpm.prior_label_acc is their share classified as the label drawn (no target). With labels
drawn, every digit's share near 10% says that the model draws the digit it is given, not that
it covers every mode on its own; the guidance branch alone (label NULL_CLASS for every sample,
trained on half the examples: the unconditional model guidance steers away from) keeps its own
figures, a3.ddpm.null_label.* (no target). Earlier versions of this bench targeted the
null-label samples, and every DDPM probe below scores them; on one 15-minute training run
(5,440 steps; confident share / smallest / largest digit share / Frechet) they score
0.774 / 0.049 / 0.140 / 198, the same weights' samples with labels drawn uniformly
0.878 / 0.084 / 0.114 / 82, and with DDIM's deterministic sampler instead of the ancestral one
(null label, 100 or 50 steps) 0.755 / 261 and 0.735 / 259. Conditional samples (50 of each digit, guidance weight 2) give
a3.ddpm.conditional_acc. Recipes: the DCGAN (the notebook's architecture) in batches of 64,
trained with the least-squares losses and scored on the moving average of its generator's
weights (DCGAN_LOSSES, DCGAN_EMA; a3.dcgan.last_iterate.* scores the generator as trained, no
target). 5-minute probes chose them (confident / smallest / largest digit share / Frechet):
cross-entropy losses 0.795 / 0.041 / 0.192 / 282 (digits 8 and 9 at 19% each, 7 at 4%);
least-squares 0.795 / 0.074 / 0.145 / 211; least-squares scored on the weight average with
decay 0.999 0.827 / 0.072 / 0.129 / 132 (the same run's last iterate: 0.795 / 0.067 / 0.162 / 198),
then in two quiet bench runs 0.835 / 0.080 / 0.149 / 128 and 0.830 / 0.073 / 0.127 / 131; with
decay 0.9995 0.828 / 0.074 / 0.130 / 131 (last iterate 0.786 / 0.064 / 0.171 / 194): the longer
average evens out the digit a generator over-draws at any one time, so it is the one kept;
batches of 128 (1,502 iterations) 0.794 / 0.057 / 0.132 / 156. The DDPM with labels dropped
with probability 0.5 and sampled with clip_denoised (DDPM_CLIP; chosen by a 3-minute probe:
0.65 of unconditional samples confident with it, 0.41 without). The DDPM trains under
bfloat16 autocast (DDPM_BF16; a step-rate probe: 83 ms against 118 ms per step), 10,719 steps in
the 15 minutes on the kit's machine against 6,832 in float32. Not adopted (3-minute probes,
1,000 unconditional samples, rule: +0.02 confident share): min-SNR loss weighting (gamma 5)
0.725 against 0.710, a 4*ch bottleneck at 7x7 0.699; torch.compile made a step slower (118 ms
against 93 ms in bf16). Nor (full 15-minute probes with `python -m tools.dev.ddpm_probe`, on a
machine that took 5,440 steps in the budget; confident share / Frechet): a longer weight average
(decay 0.999, which the warm-up min(d, (1 + i) / (10 + i)) caps below 0.9984 at 5,440 steps, so
0.9995 gives the same weights) 0.767 / 197 against this recipe's 0.774 / 198; sampling with
variance beta_t instead of the posterior's 0.750 / 226; Nichol and Dhariwal's cosine noise
schedule 0.781 / 174 (5,594 steps), but with one digit at 17.1% of the samples. Budgets (seconds):
A3_DCGAN_BUDGET (300), A3_DDPM_BUDGET (900); A3_GEN_SAMPLES (1000) for quick trials.
A3_GEN_PART=dcgan or ddpm runs one half (on a shared machine, two shorter turns); the ddpm
half then compares with the a3.dcgan.frechet already in build/bench/results.json.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from cs231n import ddpm, gan_pytorch
from cs231n.mnist_utils import load_mnist
from cs231n.sample_quality import load_scorer, score_samples

NUM_SAMPLES = int(os.environ.get("A3_GEN_SAMPLES", 1000))
NUM_REAL = 2000
DDPM_T = 100
DDPM_CH = 16
DDPM_P_UNCOND = 0.5  # half the examples train the unconditional (null-label) prediction
DDPM_CLIP = True  # sample(clip_denoised=...): clip each step's implied clean image to [-1, 1]
DDPM_BF16 = True  # train_ddpm(bf16=...): bfloat16 autocast, ~1.4x more steps in the budget on avx512_bf16 CPUs
GUIDANCE = 2.0
DCGAN_BATCH = 64
DCGAN_LOSSES = (gan_pytorch.ls_discriminator_loss, gan_pytorch.ls_generator_loss)  # least-squares GAN losses
DCGAN_EMA = 0.9995  # run_a_gan(ema_decay=...): the samples come from the generator's weight average


def mnist_data():
    from cs231n.data_utils import datasets_root

    folder = os.path.join(datasets_root(), "mnist")
    if os.path.isfile(os.path.join(folder, "train-images-idx3-ubyte.gz")):
        return load_mnist(folder, verbose=False)
    tmp = tempfile.mkdtemp(prefix="a3-mnist-")
    script = os.path.join(os.path.dirname(os.getcwd()), "datasets", "get_datasets.py")
    subprocess.run(
        [sys.executable, script, "mnist", "--synthetic", "--data-dir", tmp, "--no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return load_mnist(os.path.join(tmp, "mnist"), verbose=False)


def _report(prefix, scores, out):
    for key in ("confident_share", "min_class_share", "max_class_share", "frechet", "conditional_acc"):
        if key in scores:
            out[f"{prefix}.{key}"] = round(scores[key], 4)


def run():
    data = mnist_data()
    scorer = load_scorer()
    real = data["X_test"][:NUM_REAL] / 255.0
    out = {"a3.generative.data": "synthetic" if data["synthetic"] else "mnist"}
    # the scorer on held-out real digits: the ceiling for generated ones, and the Frechet floor
    ref = score_samples(scorer, real[:1000], real[1000:])
    out["a3.scorer.real_confident_share"] = round(ref["confident_share"], 4)
    out["a3.scorer.real_frechet"] = round(ref["frechet"], 4)

    part = os.environ.get("A3_GEN_PART", "all")
    if part in ("all", "dcgan"):
        dcgan(data, scorer, real, out)
    if part in ("all", "ddpm"):
        diffusion(data, scorer, real, out)
    return out


def dcgan(data, scorer, real, out):
    """The DCGAN, the notebook's set-up (least-squares losses, generator weight average), for a fixed time budget."""
    budget = float(os.environ.get("A3_DCGAN_BUDGET", 300))
    D, G = gan_pytorch.build_dc_classifier(seed=0), gan_pytorch.build_dc_generator(seed=1)
    hist = gan_pytorch.run_a_gan(
        D,
        G,
        gan_pytorch.get_optimizer(D),
        gan_pytorch.get_optimizer(G),
        *DCGAN_LOSSES,
        data["X_train"],
        show_every=10**9,
        batch_size=DCGAN_BATCH,
        num_epochs=1000,
        time_budget=budget,
        seed=0,
        ema_decay=DCGAN_EMA,
    )
    out["a3.dcgan.iterations"] = hist["iterations"]
    out["a3.dcgan.train_seconds"] = round(hist["seconds"], 1)
    _report("a3.dcgan", score_samples(scorer, gan_pytorch.generate(hist["G_ema"], NUM_SAMPLES, seed=2), real), out)
    _report("a3.dcgan.last_iterate", score_samples(scorer, gan_pytorch.generate(G, NUM_SAMPLES, seed=2), real), out)


def diffusion(data, scorer, real, out):
    """The DDPM, class-conditional with label dropout, for a fixed time budget."""
    budget = float(os.environ.get("A3_DDPM_BUDGET", 900))
    sched = ddpm.compute_schedule(ddpm.linear_beta_schedule(DDPM_T))
    model = ddpm.UNet(ch=DDPM_CH, seed=0)
    t0 = time.time()
    ema, losses = ddpm.train_ddpm(
        model,
        data["X_train"],
        data["y_train"],
        sched,
        num_iters=10**6,
        p_uncond=DDPM_P_UNCOND,
        time_budget=budget,
        log_every=0,
        bf16=DDPM_BF16,
    )
    out["a3.ddpm.iterations"] = len(losses)
    out["a3.ddpm.train_seconds"] = round(time.time() - t0, 1)
    out["a3.ddpm.final_loss"] = round(float(np.mean(losses[-100:])), 4)
    # The model's own distribution, as class-conditional generators are scored: a label drawn from
    # the training set's label frequencies, then the image given it, with no guidance (w = 0).
    prior = np.random.default_rng(5).choice(data["y_train"], NUM_SAMPLES)
    t0 = time.time()
    fake = ddpm.sample(ema, sched, NUM_SAMPLES, labels=prior, seed=3, clip_denoised=DDPM_CLIP)
    out["a3.ddpm.sample_seconds_per_1000"] = round(time.time() - t0, 1)
    p = score_samples(scorer, (fake + 1) / 2, real, labels=prior)
    out["a3.ddpm.prior_label_acc"] = round(p.pop("conditional_acc"), 4)  # classified as the label drawn
    _report("a3.ddpm", p, out)
    # extra, not a target: the guidance branch alone (label NULL_CLASS for every sample, trained on
    # half the examples), the unconditional model classifier-free guidance steers away from
    null = ddpm.sample(ema, sched, NUM_SAMPLES, seed=3, clip_denoised=DDPM_CLIP)
    _report("a3.ddpm.null_label", score_samples(scorer, (null + 1) / 2, real), out)
    labels = np.repeat(np.arange(10), max(1, NUM_SAMPLES // 20))
    cond = ddpm.sample(
        ema, sched, len(labels), labels=torch.from_numpy(labels), guidance=GUIDANCE, seed=4, clip_denoised=DDPM_CLIP
    )
    c = score_samples(scorer, (cond + 1) / 2, real, labels=labels)
    out["a3.ddpm.conditional_acc"] = round(c["conditional_acc"], 4)
    out["a3.ddpm.conditional_confident_share"] = round(c["confident_share"], 4)
    out["a3.ddpm.conditional_frechet"] = round(c["frechet"], 4)
    dc = out.get("a3.dcgan.frechet")
    if dc is None:  # the dcgan half ran earlier
        try:
            with open(os.path.join(os.path.dirname(os.getcwd()), "build", "bench", "results.json")) as f:
                dc = json.load(f).get("a3.dcgan.frechet")
        except (OSError, ValueError):
            dc = None
    if dc is not None:
        out["a3.ddpm.frechet_below_dcgan"] = bool(out["a3.ddpm.frechet"] < dc)
