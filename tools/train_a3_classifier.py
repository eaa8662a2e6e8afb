"""Train the CIFAR-10 classifier that assignment 3 ships (cs231n/pretrained.py) and write its weights.

Run from assignment3/ with the repository's top on PYTHONPATH (as the benchmarks run):

    cd assignment3 && CS231N_DATASETS=/path/to/data PYTHONPATH=.. \\
        python -m tools.train_a3_classifier --out cs231n/weights/cifar10_net.pt

It trains on all 50,000 training images from a fixed seed (SGD + Nesterov, one-cycle
learning rate, label smoothing, random flips and 2-pixel translations done as tensor
ops), evaluates on the test batch, writes the state_dict in float16 (what ships), prints
the test accuracy of the float16 weights, their sha256 and the wall time.
`--time-batches N` only times N training steps (to size a run).
"""

import argparse
import math
import os
import time

import numpy as np
import torch
from torch import nn

from cs231n.data_utils import load_CIFAR10
from cs231n.pretrained import CIFAR_MEAN, CIFAR_STD, CifarNet
from cs231n.weights_io import sha256_of


def to_tensor(X):
    """uint8 (N, 32, 32, 3) -> normalised float32 (N, 3, 32, 32)."""
    x = torch.from_numpy(X).permute(0, 3, 1, 2).float().div_(255)
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def augment(x, pad, gen):
    """Random horizontal flips and translations by up to `pad` pixels (reflect padding), per image.

    x: (N, 3, H, W) -> (N, 3, H, W)
    """
    n, c, h, w = x.shape
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    if pad == 0:
        return x
    xp = nn.functional.pad(x, (pad, pad, pad, pad), mode="reflect")  # (N, 3, H+2p, W+2p)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h)[None, :]).view(n, 1, h, 1)
    cols = (dx[:, None] + torch.arange(w)[None, :]).view(n, 1, 1, w)
    idx_n = torch.arange(n).view(n, 1, 1, 1)
    idx_c = torch.arange(c).view(1, c, 1, 1)
    return xp[idx_n, idx_c, rows, cols]  # (N, 3, H, W)


@torch.no_grad()
def accuracy(model, x, y, batch_size=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        xb = x[i : i + batch_size].contiguous(memory_format=torch.channels_last)
        correct += (model(xb).argmax(1) == y[i : i + batch_size]).sum().item()
    return correct / len(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join("cs231n", "weights", "cifar10_net.pt"))
    ap.add_argument("--epochs", type=int, default=9)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.2, help="peak learning rate of the one-cycle schedule")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--label-smoothing", type=float, default=0.2)
    ap.add_argument("--pad", type=int, default=2, help="largest random translation, pixels")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="bfloat16 autocast for the training steps (about twice as fast on CPUs with AVX-512 BF16)",
    )
    ap.add_argument("--ntrain", type=int, default=None, help="use only the first N training images")
    ap.add_argument("--time-batches", type=int, default=0, help="only time this many steps, then stop")
    args = ap.parse_args(argv)

    t_start = time.time()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    Xtr, ytr, Xte, yte = load_CIFAR10(dtype=np.uint8)
    if args.ntrain:
        Xtr, ytr = Xtr[: args.ntrain], ytr[: args.ntrain]
    xtr, xte = to_tensor(Xtr), to_tensor(Xte)  # (N, 3, 32, 32)
    ytr_t, yte_t = torch.from_numpy(ytr), torch.from_numpy(yte)
    print(f"train {tuple(xtr.shape)}, test {tuple(xte.shape)}, threads {torch.get_num_threads()}", flush=True)

    model = CifarNet().to(memory_format=torch.channels_last)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        momentum=0.9,
        nesterov=True,
    )
    steps_per_epoch = math.ceil(len(xtr) / args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(xtr), generator=gen)
        total, n_seen = 0.0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch_size : (i + 1) * args.batch_size]
            xb = augment(xtr[idx], args.pad, gen).contiguous(memory_format=torch.channels_last)
            yb = ytr_t[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            n_seen += len(idx)
            step += 1
            if args.time_batches and step == args.time_batches:
                dt = (time.time() - t0) / step
                print(f"{dt:.3f} s/step; an epoch would take {dt * steps_per_epoch:.0f} s", flush=True)
                return
        print(
            f"epoch {epoch + 1}/{args.epochs}: loss {total / n_seen:.3f}, {time.time() - t0:.0f} s, "
            f"elapsed {time.time() - t_start:.0f} s",
            flush=True,
        )

    model = model.to(memory_format=torch.contiguous_format)
    acc32 = accuracy(model, xte, yte_t)
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(half, args.out)
    shipped = CifarNet()
    shipped.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in half.items()})
    acc16 = accuracy(shipped, xte, yte_t)
    print(f"test accuracy: float32 {acc32:.4f}, float16 weights (shipped) {acc16:.4f}")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes), sha256 {sha256_of(args.out)}")
    print(f"wall time {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
