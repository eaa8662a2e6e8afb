"""Bench a3.simclr / a3.clip / a3.dino: self-supervised learning at laptop scale (assignment 3, part 5).

SimCLR (on the CIFAR-10 data root): the shipped pretrained encoder (cs231n/simclr/weights/) under a
linear probe (probe_acc: on its output, the globally pooled features; probe_grid2_acc: on its last
feature map pooled to 2x2 cells) and a 20-NN probe with 500 / 1,000 / 5,000 / 50,000 labels, against the same encoder
architecture trained from scratch on the same labels (random crop + flip, AdamW + cosine, to
convergence on the small label sets: SCRATCH_STEPS steps, at least SCRATCH_MIN_EPOCHS epochs).
Test accuracy on the 10,000 test images.

CLIP (synthetic captioning set, with its images): zero-shot accuracy on the colour-shape
combinations held out of training (cs231n.clip_dino.HELD_OUT), retrieval recall@1/@5 on val.

DINO (CIFAR-10): DINO_SECONDS of training on the 50,000 training images (no labels); 20-NN accuracy
of its teacher backbone's features vs the same network at its random initialisation (neighbours:
DINO_KNN_IMAGES labelled training images; test: 2,000 test images). The recipe is DINO_RECIPE
(width-16 backbone, 256 prototypes, batch 128, AdamW lr 1e-3) with train_dino's defaults (tau_t 0.04,
4 local crops, momentum 0.996 -> 1). Probes of other recipes, 240 s each on the same 2 cores with
`python -m tools.dev.dino_probe` (20-NN gain over the random network, on the 2,000 / all 10,000 test
images; steps): this recipe 0.047 / 0.055 (1,757 steps); lr 3e-3 0.034 / 0.037; lr 5e-4 0.037 / 0.042;
tau_t 0.07 0.041 / 0.049 (the teacher flattens: loss near ln 256); tau_t 0.025 0.053 / 0.056;
momentum from 0.99 0.042 / 0.049; 64 prototypes 0.029 / 0.044; width 32 0.027 / 0.032 (729 steps;
random network 0.336). None gained the 0.015 that adoption required.

Environment: A3_SSL_PARTS (comma list of simclr, clip, dino; default all), A3_SSL_LABELS (default
5000,500,1000,50000: 5,000 first), A3_SSL_SCRATCH_STEPS (default 1500), A3_SSL_DINO_SECONDS (default 900).
"""

import math
import os
import time

import numpy as np
import torch

from cs231n.clip_dino import (
    HELD_OUT,
    CLIPModel,
    DINONet,
    encode_prompts,
    image_objects,
    make_teacher,
    retrieval_recall,
    shapes_caption_data,
    train_clip,
    train_dino,
    zero_shot_predict,
)
from cs231n.data_utils import _load_CIFAR10_uint8, datasets_root, is_synthetic
from cs231n.simclr import Encoder, accuracy, extract_features, knn_accuracy, linear_probe, train_scratch
from cs231n.simclr.model import load_shipped_encoder

PARTS = os.environ.get("A3_SSL_PARTS", "simclr,clip,dino").split(",")
LABELS = [int(n) for n in os.environ.get("A3_SSL_LABELS", "5000,500,1000,50000").split(",")]
SCRATCH_STEPS = int(os.environ.get("A3_SSL_SCRATCH_STEPS", "1500"))
SCRATCH_MIN_EPOCHS = 3
DINO_SECONDS = float(os.environ.get("A3_SSL_DINO_SECONDS", "900"))
DINO_KNN_IMAGES = 10000
CLIP_STEPS = 400


def _label_subset(y, n, seed=0):
    """n indices with n / 10 of each class (all when n >= len(y))."""
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), n // 10, replace=False) for c in range(10)]))


def simclr(out):
    folder = os.path.join(datasets_root(), "cifar-10-batches-py")
    out["a3.simclr.data"] = "synthetic" if is_synthetic(folder) else "cifar10"
    Xtr, ytr, Xte, yte = _load_CIFAR10_uint8(folder)
    enc = load_shipped_encoder()
    t0 = time.time()
    G_tr, G_te = extract_features(enc, Xtr, grid=2), extract_features(enc, Xte, grid=2)  # (N, 4D): 2x2 grid
    # the global average pool (the encoder's output, (N, D)) is the mean of the 4 cells
    F_tr, F_te = (G.view(len(G), enc.feature_dim, 4).mean(-1) for G in (G_tr, G_te))
    out["a3.simclr.feature_seconds"] = round(time.time() - t0, 1)
    for n in LABELS:
        idx = _label_subset(ytr, n)
        tag = f"{n // 1000}k" if n >= 1000 else str(n)
        out[f"a3.simclr.probe_acc_{tag}"] = round(linear_probe(F_tr[idx], ytr[idx], F_te, yte)[0], 4)
        out[f"a3.simclr.probe_grid2_acc_{tag}"] = round(linear_probe(G_tr[idx], ytr[idx], G_te, yte)[0], 4)
        out[f"a3.simclr.knn_acc_{tag}"] = round(knn_accuracy(F_tr[idx], ytr[idx], F_te, yte, k=20), 4)
        torch.manual_seed(0)
        epochs = max(SCRATCH_MIN_EPOCHS, math.ceil(SCRATCH_STEPS * 128 / len(idx)))
        t0 = time.time()
        model = train_scratch(Encoder(enc.width), Xtr[idx], ytr[idx], epochs=epochs, bf16=True, max_steps=SCRATCH_STEPS)
        out[f"a3.simclr.scratch_acc_{tag}"] = round(accuracy(model, Xte, yte), 4)
        out[f"a3.simclr.scratch_train_acc_{tag}"] = round(accuracy(model, Xtr[idx[:5000]], ytr[idx[:5000]]), 4)
        out[f"a3.simclr.scratch_seconds_{tag}"] = round(time.time() - t0, 1)
        print(tag, {k: v for k, v in out.items() if k.endswith(tag)}, flush=True)
    if 5000 in LABELS:
        out["a3.simclr.probe_gain_5k"] = round(out["a3.simclr.probe_acc_5k"] - out["a3.simclr.scratch_acc_5k"], 4)
        out["a3.simclr.probe_grid2_gain_5k"] = round(
            out["a3.simclr.probe_grid2_acc_5k"] - out["a3.simclr.scratch_acc_5k"], 4
        )


def clip(out):
    data = shapes_caption_data()
    held = set(HELD_OUT)
    tr_objs, va_objs = image_objects(data, "train"), image_objects(data, "val")
    keep = np.array([not (o & held) for o in tr_objs])
    m = keep[data["train_image_idxs"]]
    tokens = torch.from_numpy(data["train_captions"][m].astype(np.int64))
    torch.manual_seed(0)
    model = CLIPModel(len(data["idx_to_word"]), dim=64, width=16)
    t0 = time.time()
    train_clip(model, data["train_images32"], tokens, data["train_image_idxs"][m], steps=CLIP_STEPS)
    out["a3.clip.train_seconds"] = round(time.time() - t0, 1)
    out["a3.clip.train_images"] = int(keep.sum())
    sel = [i for i, o in enumerate(va_objs) if len(o & held) == 1]
    truth = torch.tensor([HELD_OUT.index(next(iter(va_objs[i] & held))) for i in sel])
    prompts = encode_prompts([f"a {c} {s}" for c, s in HELD_OUT], data["word_to_idx"])
    pred = zero_shot_predict(model, data["val_images32"][sel], prompts)
    out["a3.clip.zero_shot_acc"] = round((pred == truth).float().mean().item(), 4)
    out["a3.clip.zero_shot_images"] = len(sel)
    first = {}
    for c, i in enumerate(data["val_image_idxs"]):
        first.setdefault(int(i), c)
    order = sorted(first)
    with torch.no_grad():
        ie = model.encode_image(data["val_images32"][order])
        te = model.encode_text(torch.from_numpy(data["val_captions"][[first[i] for i in order]].astype(np.int64)))
    rec = retrieval_recall(ie, te)
    out["a3.clip.recall_at_1"] = round(rec["i2t@1"], 4)
    out["a3.clip.recall_at_5"] = round(rec["i2t@5"], 4)
    out["a3.clip.text_to_image_recall_at_1"] = round(rec["t2i@1"], 4)


# the network and train_dino's settings (the rest are train_dino's defaults)
DINO_RECIPE = dict(width=16, out_dim=256, hidden=256, batch_size=128, lr=1e-3)
_NET_KEYS = ("width", "out_dim", "hidden")


def dino_train(X, seconds, recipe=None):
    """DINO on images X for `seconds` with `recipe` (DINO_RECIPE by default), from torch seed 0.

    Returns (teacher backbone, the same network's backbone at its random initialisation, per-step losses).
    """
    recipe = dict(DINO_RECIPE if recipe is None else recipe)
    torch.manual_seed(0)
    student = DINONet(**{k: recipe.pop(k) for k in _NET_KEYS if k in recipe}, bf16=True)
    random_backbone = make_teacher(student).backbone
    teacher = make_teacher(student)
    losses, _ = train_dino(student, teacher, X, seconds, seed=0, **recipe)
    return teacher.backbone, random_backbone, losses


def dino_knn(backbone, Xtr, ytr, Xte, yte, n_tests=(2000,)):
    """20-NN accuracy of a backbone's features: DINO_KNN_IMAGES neighbours from Xtr (seed 0), tested on
    the first n of Xte for each n in n_tests. Returns {n: accuracy}; the features are extracted once."""
    idx = np.random.default_rng(0).choice(len(ytr), DINO_KNN_IMAGES, replace=False)
    F_tr = extract_features(backbone, Xtr[idx])
    F_te = extract_features(backbone, Xte[: max(n_tests)])
    return {n: knn_accuracy(F_tr, ytr[idx], F_te[:n], yte[:n], k=20) for n in n_tests}


def dino(out):
    folder = os.path.join(datasets_root(), "cifar-10-batches-py")
    Xtr, ytr, Xte, yte = _load_CIFAR10_uint8(folder)
    X = torch.from_numpy(Xtr).permute(0, 3, 1, 2).float() / 255  # (50000, 3, 32, 32): DINO uses no labels
    t0 = time.time()
    teacher, random_backbone, losses = dino_train(X, DINO_SECONDS)
    out["a3.dino.train_seconds"] = round(time.time() - t0, 1)
    out["a3.dino.steps"] = len(losses)
    out["a3.dino.loss_first_last"] = [round(losses[0], 3), round(float(np.mean(losses[-20:])), 3)]
    accs = {
        name: dino_knn(net, Xtr, ytr, Xte, yte)[2000] for name, net in (("dino", teacher), ("random", random_backbone))
    }
    out["a3.dino.knn_acc"] = round(accs["dino"], 4)
    out["a3.dino.random_knn_acc"] = round(accs["random"], 4)
    out["a3.dino.knn_gain"] = round(accs["dino"] - accs["random"], 4)


def run():
    out = {}
    for part, fn in (("simclr", simclr), ("clip", clip), ("dino", dino)):
        if part in PARTS:
            t0 = time.time()
            fn(out)
            print(part, {k: v for k, v in out.items() if k.startswith(f"a3.{part}.")}, flush=True)
            out[f"a3.{part}.section_seconds"] = round(time.time() - t0, 1)
    return out
