"""Bench a3.transformer / a3.vit: CaptioningTransformer (overfit 50 captions, val BLEU-4) and a ViT vs the assignment 2 CNN on CIFAR-10 at the same training time.

Captioning data: <data root>/coco_captioning (real COCO when present, else the synthetic
set written into a temporary folder first; a3.transformer.data says which). CIFAR-10:
<data root>/cifar-10-batches-py (set CS231N_DATASETS). The ViT and the CNN each train for
A3_VIT_BUDGET seconds (default 600) with the same time-based schedule
(cs231n/budget_training.py), then are tested once on the 10,000 test images.

Environment overrides for quick trials: A3_VIT_BUDGET (seconds), A3_CNN_BUDGET (seconds,
default the ViT's; 0 skips the CNN), A3_VIT_NTRAIN, A3_TRANSFORMER_PARTS (comma-separated
among caption, vit, cnn; default all three).
"""

import os
import time

import numpy as np
import torch

from cs231n.bleu import caption_bleu
from cs231n.budget_training import make_optimizer, train_for_seconds
from cs231n.captioning_solver_transformer import CaptioningSolverTransformer
from cs231n.classifiers.transformer import CaptioningTransformer, VisionTransformer
from cs231n.coco_utils import load_coco_data
from cs231n.data_utils import get_CIFAR10_data, is_synthetic
from cs231n.torch_nets import make_challenge_model, random_crop_flip
from cs231n.torch_utils import TensorLoader, check_accuracy, cifar10_tensors, get_device

# the notebook's settings: overfitting 50 captions, and the budget for BLEU (dropout off: the synthetic set is small)
OVERFIT = dict(max_train=50, wordvec_dim=256, num_heads=2, num_layers=2, epochs=100, batch_size=25, lr=1e-3)
BUDGET = dict(wordvec_dim=128, num_heads=4, num_layers=2, epochs=15, batch_size=100, lr=1e-3, lr_decay=0.9)
MAX_TRAIN_COCO = 20000  # on real COCO (400k captions) the budget uses this many captions
# the ViT of the notebook's last section, and its training set-up
VIT = dict(img_size=32, patch_size=4, embed_dim=128, num_layers=4, num_heads=4, dim_feedforward=256, dropout=0.0)
VIT_TRAIN = dict(batch_size=128, peak_lr=2e-3, weight_decay=0.05, label_smoothing=0.1)
CNN_TRAIN = dict(batch_size=256, peak_lr=0.08, weight_decay=5e-4, label_smoothing=0.1)


def _subset(data, n, seed):
    """data with a random subset of n training captions (drawn from a seeded Generator)."""
    keep = np.random.default_rng(seed).choice(data["train_captions"].shape[0], size=n, replace=False)
    return {**data, "train_captions": data["train_captions"][keep], "train_image_idxs": data["train_image_idxs"][keep]}


def _caption_model(data, cfg, seed):
    torch.manual_seed(seed)
    return CaptioningTransformer(
        data["word_to_idx"],
        input_dim=data["train_features"].shape[1],
        wordvec_dim=cfg["wordvec_dim"],
        num_heads=cfg["num_heads"],
        num_layers=cfg["num_layers"],
        max_length=30,
        dim_feedforward=4 * cfg["wordvec_dim"],
        dropout=0.0,
    )


def captioning(out):
    from tools.bench.sections.a3_rnn import coco_folder

    folder, tmp = coco_folder()
    real = not is_synthetic(folder)
    out["a3.transformer.data"] = "coco" if real else "synthetic"
    full = load_coco_data(folder)
    data = _subset(full, OVERFIT["max_train"], seed=231)
    model = _caption_model(data, OVERFIT, seed=231)
    solver = CaptioningSolverTransformer(
        model,
        data,
        learning_rate=OVERFIT["lr"],
        num_epochs=OVERFIT["epochs"],
        batch_size=OVERFIT["batch_size"],
        verbose=False,
        seed=231,
    )
    solver.train()
    out["a3.transformer.overfit_loss"] = round(float(solver.loss_history[-1]), 4)

    data = _subset(full, MAX_TRAIN_COCO, seed=231) if real else full
    model = _caption_model(data, BUDGET, seed=231)
    solver = CaptioningSolverTransformer(
        model,
        data,
        learning_rate=BUDGET["lr"],
        lr_decay=BUDGET["lr_decay"],
        num_epochs=BUDGET["epochs"],
        batch_size=BUDGET["batch_size"],
        verbose=False,
        seed=231,
    )
    t0 = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - t0
    bleu, _, samples = caption_bleu(model, data, "val", num_images=1000 if real else None, return_samples=True)
    out["a3.transformer.val_bleu4"] = round(bleu, 4)
    out["a3.transformer.budget_final_loss"] = round(float(np.mean(solver.loss_history[-20:])), 4)
    out["a3.transformer.train_captions_per_s"] = round(len(solver.loss_history) * BUDGET["batch_size"] / seconds, 1)
    out["a3.transformer.val_samples"] = " | ".join(samples[:3])
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def train_classifier(kind, t, seconds, device):
    """Train the ViT or the assignment 2 challenge CNN for `seconds`; returns (test acc, hist, params)."""
    torch.manual_seed(0)
    cfg = VIT_TRAIN if kind == "vit" else CNN_TRAIN
    model = (VisionTransformer(**VIT) if kind == "vit" else make_challenge_model()).to(device)
    optimizer = make_optimizer(
        model, lr=cfg["peak_lr"], weight_decay=cfg["weight_decay"], kind="adamw" if kind == "vit" else "sgd"
    )
    loader = TensorLoader(
        t["X_train"],
        t["y_train"],
        cfg["batch_size"],
        shuffle=True,
        seed=0,
        augment=lambda x, generator: random_crop_flip(x, padding=4, generator=generator),
        drop_last=True,
    )
    hist = train_for_seconds(
        model,
        optimizer,
        loader,
        seconds,
        peak_lr=cfg["peak_lr"],
        label_smoothing=cfg["label_smoothing"],
        bf16=kind == "vit",
        desc=f"{kind} ",
    )
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=kind == "vit"):
        acc = check_accuracy(TensorLoader(t["X_test"], t["y_test"], 500), model)
    return acc, hist, int(sum(p.numel() for p in model.parameters()))


def run():
    t_start = time.time()
    parts = os.environ.get("A3_TRANSFORMER_PARTS", "caption,vit,cnn").split(",")
    out = {}
    if "caption" in parts:
        captioning(out)
    if "vit" in parts or "cnn" in parts:
        budget = float(os.environ.get("A3_VIT_BUDGET", 600))
        cnn_budget = float(os.environ.get("A3_CNN_BUDGET", budget))
        device = get_device()
        from cs231n.data_utils import cifar10_dir

        out["a3.vit.data"] = "synthetic" if is_synthetic(cifar10_dir()) else "cifar10"
        data = get_CIFAR10_data(
            num_training=int(os.environ.get("A3_VIT_NTRAIN", 49000)), num_validation=1000, num_test=10000
        )
        t = cifar10_tensors(data, device)
        out["a3.vit.budget_seconds"] = budget
        out["a3.vit.threads"] = torch.get_num_threads()
        if "vit" in parts:
            acc, hist, params = train_classifier("vit", t, budget, device)
            out["a3.vit.test_acc"] = round(acc, 4)
            out["a3.vit.epoch_seconds"] = round(hist["median_epoch_seconds"], 1)
            out["a3.vit.epochs"] = round(hist["epochs"], 2)
            out["a3.vit.final_train_loss"] = round(float(np.mean(hist["loss"][-50:])), 4)
            out["a3.vit.params"] = params
        if "cnn" in parts and cnn_budget > 0:
            acc, hist, params = train_classifier("cnn", t, cnn_budget, device)
            out["a3.vit.cnn_test_acc"] = round(acc, 4)
            out["a3.vit.cnn_budget_seconds"] = cnn_budget
            out["a3.vit.cnn_epoch_seconds"] = round(hist["median_epoch_seconds"], 1)
            out["a3.vit.cnn_epochs"] = round(hist["epochs"], 2)
            out["a3.vit.cnn_params"] = params
    out["a3.transformer.wall_seconds"] = round(time.time() - t_start, 1)
    return out


if __name__ == "__main__":
    print(run())
