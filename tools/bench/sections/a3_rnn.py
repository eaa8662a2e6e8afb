"""Bench a3.rnn / a3.lstm: overfitting 50 captions, val BLEU-4 after a fixed training budget, LSTM training speed.

Data: <data root>/coco_captioning (real COCO when present); when it is missing, the
synthetic set is written into a temporary folder first (the result says which). The
matrices here are small, so BLAS runs single-threaded (OPENBLAS/OMP/MKL_NUM_THREADS=1
unless already set): multi-threaded BLAS on 25x512 products is slower, and under load
(shared cores) it is many times slower.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from cs231n.bleu import caption_bleu  # noqa: E402
from cs231n.captioning_solver import CaptioningSolver  # noqa: E402
from cs231n.classifiers.rnn import CaptioningRNN  # noqa: E402
from cs231n.coco_utils import load_coco_data  # noqa: E402
from cs231n.data_utils import datasets_root, is_synthetic  # noqa: E402

# the notebooks' overfitting set-up: 50 captions, 60 epochs, batch 25, Adam 5e-3 decaying 2% per epoch
OVERFIT = dict(max_train=50, wordvec_dim=256, hidden_dim=512, epochs=60, batch_size=25, lr=5e-3, lr_decay=0.98)
# the fixed budget for BLEU: 5 epochs over the training captions, batch 100
BUDGET = dict(wordvec_dim=128, hidden_dim=256, epochs=5, batch_size=100, lr=2e-3, lr_decay=0.9)
MAX_TRAIN_COCO = 20000  # on real COCO (400k captions) the budget uses this many captions


def coco_folder():
    folder = os.path.join(datasets_root(), "coco_captioning")
    if os.path.isfile(os.path.join(folder, "coco2014_captions.h5")):
        return folder, None
    tmp = tempfile.mkdtemp(prefix="a3-coco-")
    script = os.path.join(os.path.dirname(os.getcwd()), "datasets", "get_datasets.py")
    subprocess.run(
        [sys.executable, script, "coco_captioning", "--synthetic", "--data-dir", tmp, "--no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return os.path.join(tmp, "coco_captioning"), tmp


def _model_and_solver(cell, data, cfg):
    """A CaptioningRNN of the set-up cfg (OVERFIT or BUDGET) and its Adam solver, silent."""
    model = CaptioningRNN(
        data["word_to_idx"],
        input_dim=data["train_features"].shape[1],
        wordvec_dim=cfg["wordvec_dim"],
        hidden_dim=cfg["hidden_dim"],
        cell_type=cell,
    )
    solver = CaptioningSolver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": cfg["lr"]},
        lr_decay=cfg["lr_decay"],
        num_epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        verbose=False,
    )
    return model, solver


def overfit(cell, folder):
    np.random.seed(231)
    data = load_coco_data(folder, max_train=OVERFIT["max_train"])
    _, solver = _model_and_solver(cell, data, OVERFIT)
    solver.train()
    return float(solver.loss_history[-1])


def budget(cell, folder, real):
    np.random.seed(231)
    data = load_coco_data(folder, max_train=MAX_TRAIN_COCO if real else None)
    model, solver = _model_and_solver(cell, data, BUDGET)
    t0 = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - t0
    captions_per_s = len(solver.loss_history) * BUDGET["batch_size"] / seconds
    bleu, _, samples = caption_bleu(model, data, "val", num_images=1000 if real else None, return_samples=True)
    return bleu, captions_per_s, float(np.mean(solver.loss_history[-20:])), samples[:3]


def run():
    t_start = time.time()
    folder, tmp = coco_folder()
    real = not is_synthetic(folder)
    out = {"a3.rnn.data": "coco" if real else "synthetic"}
    for cell in ("rnn", "lstm"):
        out[f"a3.{cell}.overfit_loss"] = round(overfit(cell, folder), 4)
        bleu, speed, loss, samples = budget(cell, folder, real)
        out[f"a3.{cell}.val_bleu4"] = round(bleu, 4)
        out[f"a3.{cell}.budget_final_loss"] = round(loss, 4)
        out[f"a3.{cell}.train_captions_per_s"] = round(speed, 1)
        out[f"a3.{cell}.val_samples"] = " | ".join(samples)
    out["a3.rnn.wall_seconds"] = round(time.time() - t_start, 1)
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out
