"""Bench a3.pretrained / a3.fooling / a3.style: the shipped CIFAR-10 classifier's test accuracy, fooling images, style transfer at 192 px.

- a3.pretrained.test_acc: the shipped (float16) weights on the data root's CIFAR-10 test batch
  (labelled synthetic when the data is the generated stand-in, on which it means nothing).
- a3.pretrained.retrain_seconds: the wall time recorded beside the weights
  (cs231n/weights/README.md); with A3_VISUAL_RETRAIN=1 the recorded command is run again
  (into a temporary file) and timed instead, which takes about as long as recorded.
- a3.fooling.success_rate: of the first 50 test images, the fraction that make_fooling_image
  (learning rate 1, at most 100 steps) turns into the class after the predicted one;
  a3.fooling.median_linf: the median largest change of a pixel value, on the 0..255 scale.
- a3.style.*: style transfer of chelsea in the style of hubble_deep_field at 192 px with the
  notebook's settings (STYLE below), 200 iterations: style loss of the content image over
  style loss after 200 iterations, the content loss at the end (the notebook's bound is
  CONTENT_BOUND) and seconds per iteration.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from cs231n.data_utils import cifar10_dir, is_synthetic, load_CIFAR_batch
from cs231n.image_utils import load_photo
from cs231n.net_visualization_pytorch import make_fooling_image, preprocess
from cs231n.pretrained import CIFAR_STD, WEIGHTS_DIR, load_pretrained
from cs231n.style_transfer_pytorch import STYLE_DEFAULTS, style_transfer

CONTENT_BOUND = STYLE_DEFAULTS["content_bound"]


def recorded_retrain_seconds():
    """The wall time written in cs231n/weights/README.md (a line 'wall time: N s')."""
    with open(os.path.join(WEIGHTS_DIR, "README.md"), encoding="utf-8") as f:
        m = re.search(r"wall time:\s*([0-9.]+)\s*s", f.read())
    return float(m.group(1)) if m else None


def retrain_seconds():
    cmd_readme = os.path.join(WEIGHTS_DIR, "README.md")
    with open(cmd_readme, encoding="utf-8") as f:
        m = re.search(r"python -m tools\.train_a3_classifier([^\n`]*)", f.read())
    args = m.group(1).split() if m else []
    args = [a for i, a in enumerate(args) if a != "--out" and (i == 0 or args[i - 1] != "--out")]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        subprocess.run(
            [sys.executable, "-m", "tools.train_a3_classifier", *args, "--out", os.path.join(tmp, "w.pt")],
            check=True,
        )
        return time.time() - t0


def run():
    t_start = time.time()
    folder = cifar10_dir()
    out = {"a3.visual.data": "synthetic" if is_synthetic(folder) else "cifar10"}
    model = load_pretrained()
    X, y = load_CIFAR_batch(os.path.join(folder, "test_batch"))  # (N, 32, 32, 3) float64 0..255
    x = preprocess(X.astype(np.uint8))  # (N, 3, 32, 32)
    with torch.no_grad():
        pred = torch.cat([model(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    out["a3.pretrained.test_acc"] = round(float((pred == torch.from_numpy(y)).float().mean()), 4)
    if os.environ.get("A3_VISUAL_RETRAIN") == "1":
        out["a3.pretrained.retrain_seconds"] = round(retrain_seconds(), 1)
        out["a3.pretrained.retrain_seconds_source"] = "measured"
    else:
        out["a3.pretrained.retrain_seconds"] = recorded_retrain_seconds()
        out["a3.pretrained.retrain_seconds_source"] = "recorded in cs231n/weights/README.md"

    success, linf = [], []
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    for i in range(50):
        target = (int(pred[i]) + 1) % 10
        xf = make_fooling_image(x[i : i + 1], target, model, learning_rate=1.0, max_iter=100)
        with torch.no_grad():
            success.append(int(model(xf).argmax()) == target)
        linf.append(float(((xf - x[i : i + 1]) * std).abs().max()) * 255)
    out["a3.fooling.success_rate"] = round(float(np.mean(success)), 3)
    out["a3.fooling.median_linf"] = round(float(np.median(linf)), 2)

    cfg = {k: v for k, v in STYLE_DEFAULTS.items() if k != "content_bound"}
    cfg.update(image_size=192, style_size=192, num_iters=200)
    _, hist = style_transfer(load_photo("chelsea"), load_photo("hubble_deep_field"), model, **cfg)
    out["a3.style.style_loss_reduction"] = round(hist["style"][0] / hist["style"][-1], 2)
    out["a3.style.final_content_loss"] = round(hist["content"][-1], 3)
    out["a3.style.content_bound"] = CONTENT_BOUND
    out["a3.style.seconds_per_iter"] = round(hist["seconds"] / cfg["num_iters"], 4)
    out["a3.visual.wall_seconds"] = round(time.time() - t_start, 1)
    return out
