"""Pretrain the SimCLR encoder that assignment 3 ships: seeded, on CIFAR-10's 50,000 training images without labels.

Run from assignment3/ (it imports that folder's cs231n) with the repository's top on PYTHONPATH:

    cd assignment3 && PYTHONPATH=.. python -m tools.pretrain.pretrain_simclr --epochs 10 --width 24 --bf16

Writes cs231n/simclr/weights/simclr_encoder.pt (the encoder's state_dict in float16 plus its width;
loads with torch.load(weights_only=True)), its .sha256, and simclr_encoder.json: the command, the
settings, the wall time, the loss per epoch and the machine. The data root is $CS231N_DATASETS
(or the nearest datasets/ folder), as for every loader.

The run can be stopped and continued: after every epoch the training state goes to a checkpoint
(--checkpoint; by default build/pretrain/ at the repository's top, named after the settings), and
the same command run again continues from the last finished epoch and gives the same weights as
one uninterrupted run. The recorded wall time is the sum over the runs.
"""

import argparse
import json
import os
import platform
import sys
import time

import torch

from cs231n.data_utils import _load_CIFAR10_uint8, datasets_root, is_synthetic
from cs231n.simclr import SimCLRModel, train
from cs231n.simclr.model import SHIPPED_WEIGHTS
from cs231n.simclr.train import checkpoint_seconds
from cs231n.weights_io import sha256_of


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--tau", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the convolutions")
    ap.add_argument("--max-steps", type=int, default=None, help="stop early (smoke runs)")
    ap.add_argument("--out", default=SHIPPED_WEIGHTS)
    ap.add_argument("--checkpoint", default=None, help="training state after each epoch (default: build/pretrain/...)")
    args = ap.parse_args(argv)
    if args.checkpoint is None:
        top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        name = f"simclr_w{args.width}_e{args.epochs}_b{args.batch_size}_seed{args.seed}.ckpt"
        args.checkpoint = os.path.join(top, "build", "pretrain", name)
    if os.path.exists(args.checkpoint):
        print(f"continuing from {args.checkpoint}", flush=True)

    folder = os.path.join(datasets_root(), "cifar-10-batches-py")
    X, _, _, _ = _load_CIFAR10_uint8(folder)  # (50000, 32, 32, 3) uint8; labels unused
    torch.manual_seed(args.seed)  # the initial weights
    model = SimCLRModel(width=args.width, bf16=args.bf16)
    steps_per_epoch = X.shape[0] // args.batch_size
    t0 = time.time()

    def log(step, total, loss):
        if step % 50 == 0 or step == total:
            print(f"step {step}/{total} loss {loss:.4f} {time.time() - t0:.0f}s", flush=True)

    losses = train(
        model,
        X,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        tau=args.tau,
        seed=args.seed,
        max_steps=args.max_steps,
        log=log,
        checkpoint=args.checkpoint,
    )
    wall = checkpoint_seconds(args.checkpoint)  # this run and any earlier runs it continued
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.f.state_dict().items()}
    torch.save({"width": args.width, "state_dict": state}, args.out)
    digest = sha256_of(args.out)
    with open(args.out + ".sha256", "w") as f:
        f.write(f"{digest}  {os.path.basename(args.out)}\n")
    per_epoch = [
        sum(losses[i : i + steps_per_epoch]) / len(losses[i : i + steps_per_epoch])
        for i in range(0, len(losses), steps_per_epoch)
    ]
    record = {
        "command": "cd assignment3 && PYTHONPATH=.. python -m tools.pretrain.pretrain_simclr " + " ".join(sys.argv[1:]),
        "settings": vars(args) | {"out": os.path.relpath(args.out), "checkpoint": os.path.relpath(args.checkpoint)},
        "data": {"folder": folder, "synthetic": is_synthetic(folder), "images": int(X.shape[0])},
        "wall_seconds": round(wall, 1),
        "steps": len(losses),
        "loss_first_step": round(losses[0], 4),
        "loss_per_epoch": [round(x, 4) for x in per_epoch],
        "sha256": digest,
        "bytes": os.path.getsize(args.out),
        "machine": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "cpu": platform.processor() or platform.machine(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        },
    }
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
