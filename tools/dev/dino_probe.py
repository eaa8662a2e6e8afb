"""Probe one DINO recipe: the a3_ssl bench's own training and 20-NN measurement on a short budget.

Run from assignment3/ with the repository's top on PYTHONPATH, under the heavy lock, e.g.
    CS231N_DATASETS=<data> PYTHONPATH=.. python -m tools.dev.dino_probe 240 lr3e-3 '{"lr": 3e-3}'
The JSON is merged into the bench's DINO_RECIPE (DINONet's width / out_dim / hidden, train_dino's
keywords). Prints one JSON row: steps, and the teacher's and the random network's 20-NN accuracy and
their gain on the first 2,000 test images (the bench's figure) and on all 10,000 (less noisy); it is
also appended to build/dino_probes.jsonl.
"""

import json
import os
import sys
import time

import torch

from cs231n.data_utils import _load_CIFAR10_uint8, datasets_root
from tools.bench.sections import a3_ssl


def main(argv):
    if len(argv) not in (2, 3):
        raise SystemExit("usage: python -m tools.dev.dino_probe SECONDS NAME ['{json recipe overrides}']")
    seconds, name = float(argv[0]), argv[1]
    recipe = dict(a3_ssl.DINO_RECIPE, **json.loads(argv[2] if len(argv) == 3 else "{}"))
    Xtr, ytr, Xte, yte = _load_CIFAR10_uint8(os.path.join(datasets_root(), "cifar-10-batches-py"))
    X = torch.from_numpy(Xtr).permute(0, 3, 1, 2).float() / 255
    t0 = time.time()
    teacher, random_backbone, losses = a3_ssl.dino_train(X, seconds, recipe)
    row = dict(variant=name, recipe=recipe, seconds=seconds, steps=len(losses))
    row["loss_first_last"] = [round(losses[0], 3), round(sum(losses[-20:]) / len(losses[-20:]), 3)]
    a, r = (a3_ssl.dino_knn(net, Xtr, ytr, Xte, yte, n_tests=(2000, 10000)) for net in (teacher, random_backbone))
    for n in (2000, 10000):
        row[f"knn_{n}"], row[f"random_{n}"], row[f"gain_{n}"] = round(a[n], 4), round(r[n], 4), round(a[n] - r[n], 4)
    row["total_seconds"] = round(time.time() - t0, 1)
    print(json.dumps(row), flush=True)
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(os.path.join(top, "build"), exist_ok=True)
    with open(os.path.join(top, "build", "dino_probes.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
