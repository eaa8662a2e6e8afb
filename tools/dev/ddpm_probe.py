"""Probe DDPM recipes for the a3_generative bench: one training run keeps several weight averages, then each is sampled several ways and scored.

Run from assignment3/ with the repository's top on PYTHONPATH, under the heavy lock, e.g.
    CS231N_DATASETS=<data> PYTHONPATH=.. python -m tools.dev.ddpm_probe base --iters 10719
    CS231N_DATASETS=<data> PYTHONPATH=.. python -m tools.dev.ddpm_probe cos --iters 2000 --schedule cosine

Training is train_ddpm's loop with the bench's settings (UNet ch DDPM_CH, p_uncond DDPM_P_UNCOND,
bf16 autocast, Adam 2e-3, warm-up and cosine decay, the same seeds) for a fixed number of
iterations (--iters; independent of how busy the machine is) or seconds (--seconds), keeping one
exponential moving average of the weights per --emas decay (train_ddpm keeps 0.995; --check, which
tools/tests/test_ddpm_probe.py runs, finds the loop equal to train_ddpm's). Each average is then
sampled (1,000 samples, seed 3, as the bench) with each sampler: 'tilde' (the posterior
variance, as sample() does), 'beta' (variance beta_t), with and without clip_denoised ('_clip'),
for the null label or, with the suffix '_prior', for labels drawn as the bench draws them (the
training set's label frequencies, no guidance; the bench's targeted samples, so the default
samplers are tilde_clip_prior and tilde_clip), and scored by the kit's MNIST scorer: confident
share, smallest and largest digit share, Frechet distance. One JSON row per (average, sampler) is
printed and appended to build/ddpm_probes.jsonl.
"""

import argparse
import copy
import json
import math
import os
import time

import numpy as np
import torch

from cs231n import ddpm
from cs231n.sample_quality import load_scorer, score_samples
from tools.bench.sections import a3_generative as bench


def cosine_beta_schedule(T, s=0.008):
    """Nichol and Dhariwal's cosine schedule: alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) pi/2), betas capped at 0.999."""
    f = torch.cos(((torch.arange(T + 1, dtype=torch.float64) / T + s) / (1 + s)) * math.pi / 2) ** 2
    return (1 - f[1:] / f[:-1]).clamp(max=0.999)


def train(X_train, y_train, schedule, iters, seconds, emas, ch, lr=2e-3, batch_size=128, seed=0):
    """train_ddpm's loop (same seeds, same order of random draws), keeping one weight average per decay."""
    model = ddpm.UNet(ch=ch, seed=0)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    T = len(schedule["betas"])
    X = torch.from_numpy(X_train).float().div_(127.5).sub_(1).unsqueeze(1)
    y = torch.from_numpy(np.asarray(y_train).astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    num_iters = iters if iters else 10**6
    warm = max(1, min(200, num_iters // 10))
    t0 = time.time()

    def lr_at(i):
        if i < warm:
            return (i + 1) / warm
        done = (i - warm) / max(1, num_iters - warm)
        if seconds:
            done = max(done, (time.time() - t0) / seconds)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, max(0.0, done))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    averages = {d: copy.deepcopy(model).eval() for d in emas}
    losses = []
    model.train()
    for it in range(num_iters):
        idx = torch.from_numpy(rng.integers(0, len(X), batch_size))
        x0, lab = X[idx], y[idx].clone()
        lab[torch.rand(batch_size, generator=gen) < bench.DDPM_P_UNCOND] = ddpm.NULL_CLASS
        t = torch.randint(0, T, (batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bench.DDPM_BF16):
            loss = ddpm.ddpm_loss(model, x0, t, noise, schedule, lab)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for d, avg in averages.items():
                decay = min(d, (1 + it) / (10 + it))
                for pe, pm in zip(avg.parameters(), model.parameters()):
                    pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
                for be, bm in zip(avg.buffers(), model.buffers()):
                    be.copy_(bm)
        losses.append(loss.item())
        if (it + 1) % 500 == 0:
            print(f"iter {it + 1}: loss {np.mean(losses[-500:]):.4f} ({time.time() - t0:.0f} s)", flush=True)
        if seconds and time.time() - t0 >= seconds:
            break
    return averages, losses, time.time() - t0


def check(schedule, iters=10):
    """The loop above against train_ddpm itself: the 0.995 average must come out identical.
    (The data do not matter for that: random digits-sized images, so the check needs no dataset.)"""
    X = np.random.default_rng(0).integers(0, 256, (256, 28, 28)).astype(np.uint8)
    y = np.arange(256) % 10
    ref, _ = ddpm.train_ddpm(
        ddpm.UNet(ch=bench.DDPM_CH, seed=0),
        X,
        y,
        schedule,
        num_iters=iters,
        p_uncond=bench.DDPM_P_UNCOND,
        log_every=0,
        bf16=bench.DDPM_BF16,
    )
    mine, _, _ = train(X, y, schedule, iters, None, (0.995,), bench.DDPM_CH)
    for a, b in zip(ref.state_dict().values(), mine[0.995].state_dict().values()):
        assert torch.equal(a, b), "the probe's training loop no longer matches train_ddpm: copy its changes here"
    print(f"check: the probe's loop gives train_ddpm's weights exactly ({iters} iterations)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--emas", default="0.995,0.999,0.9995")
    ap.add_argument("--schedule", choices=("linear", "cosine"), default="linear")
    ap.add_argument("--T", type=int, default=bench.DDPM_T)
    ap.add_argument("--ch", type=int, default=bench.DDPM_CH)
    ap.add_argument("--samplers", default="tilde_clip_prior,tilde_clip")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    betas = ddpm.linear_beta_schedule(args.T) if args.schedule == "linear" else cosine_beta_schedule(args.T)
    schedule = ddpm.compute_schedule(betas)
    if args.check:
        check(schedule)
        return
    data = bench.mnist_data()
    assert args.iters or args.seconds, "give --iters or --seconds"
    emas = tuple(float(d) for d in args.emas.split(","))
    averages, losses, secs = train(data["X_train"], data["y_train"], schedule, args.iters, args.seconds, emas, args.ch)
    scorer = load_scorer()
    real = data["X_test"][: bench.NUM_REAL] / 255.0
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(os.path.join(top, "build", "ddpm_probe"), exist_ok=True)
    prior = np.random.default_rng(5).choice(data["y_train"], args.samples)  # as the bench draws them
    beta_var = dict(schedule, posterior_variance=torch.cat([torch.zeros(1, dtype=torch.float64), betas[1:]]))
    for d, avg in averages.items():
        torch.save(avg.state_dict(), os.path.join(top, "build", "ddpm_probe", f"{args.name}_ema{d}.pt"))
        for sampler in args.samplers.split(","):
            s = beta_var if sampler.startswith("beta") else schedule
            labels = prior if sampler.endswith("_prior") else None
            t0 = time.time()
            clip = sampler.removesuffix("_prior").endswith("_clip")
            fake = ddpm.sample(avg, s, args.samples, labels=labels, seed=3, clip_denoised=clip)
            sc = score_samples(scorer, (fake + 1) / 2, real)
            row = dict(name=args.name, schedule=args.schedule, T=args.T, ch=args.ch, iters=len(losses))
            row.update(
                train_seconds=round(secs, 1), ema=d, sampler=sampler, final_loss=round(float(np.mean(losses[-100:])), 4)
            )
            row.update(
                {k: round(sc[k], 4) for k in ("confident_share", "min_class_share", "max_class_share", "frechet")}
            )
            row["sample_seconds"] = round(time.time() - t0, 1)
            print(json.dumps(row), flush=True)
            with open(os.path.join(top, "build", "ddpm_probes.jsonl"), "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
