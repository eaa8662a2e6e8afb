"""Train a classifier for a fixed wall-clock budget (the ViT vs CNN comparison): the learning-rate schedule runs on elapsed time.

    hist = train_for_seconds(model, optimizer, loader_train, seconds=600, peak_lr=2e-3)
    hist["loss"], hist["epoch_seconds"], hist["epochs"]    # curves and speed

Given code. Comparing two models "at the same training time" needs a schedule that
ends when the time does: the learning rate warms up linearly over the first `warmup`
fraction of the budget, then decays linearly to zero at its end, whatever the number of
steps that fits. Optional bfloat16 autocast (CPU or CUDA) roughly halves the time of the
matrix products on CPUs that support it; the weights and the optimizer stay float32.
"""

import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm


def lr_at(fraction, peak_lr, warmup=0.1):
    """The learning rate after `fraction` (0..1) of the budget: linear warm-up to peak_lr, then linear decay to 0."""
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction < warmup:
        return peak_lr * fraction / warmup
    return peak_lr * (1.0 - fraction) / (1.0 - warmup)


def make_optimizer(model, lr=1e-3, weight_decay=0.05, kind="adamw"):
    """AdamW (kind='adamw') or SGD with Nesterov momentum 0.9 (kind='sgd') over model's parameters.

    Weight decay applies to matrices only (not to biases, LayerNorm/BatchNorm weights or the
    1-d position/class parameters' norms): decay on them only slows training.
    """
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=lr)
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True)
    raise ValueError(f"kind must be 'adamw' or 'sgd', got {kind!r}")


def train_step(model, optimizer, x, y, lr=None, label_smoothing=0.0, bf16=False):
    """One update on the batch (x, y): forward (optionally under bfloat16 autocast), cross-entropy, backward, step.

    Inputs:
    - model, optimizer: as for train_for_seconds; lr: None keeps the optimizer's learning rate
    - x: (N, C, H, W) images; y: (N,) labels
    Returns a tuple (loss before the update as a float, number of correct predictions)
    """
    if lr is not None:
        for group in optimizer.param_groups:
            group["lr"] = lr
    model.train()
    device_type = next(model.parameters()).device.type
    with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=bf16):
        scores = model(x)  # (N, num_classes)
    loss = F.cross_entropy(scores.float(), y, label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item(), int((scores.detach().argmax(1) == y).sum())


def train_for_seconds(
    model,
    optimizer,
    loader_train,
    seconds,
    peak_lr,
    warmup=0.1,
    label_smoothing=0.0,
    bf16=False,
    max_epochs=None,
    desc="",
    progress=True,
):
    """Train `model` until `seconds` of training have passed (or max_epochs), time-based LR schedule.

    Inputs:
    - model: nn.Module on the device of the data
    - optimizer: any torch.optim optimizer over model.parameters() (its lr is overwritten every step)
    - loader_train: iterable of (x, y) batches (a TensorLoader), traversed again and again
    - seconds: training budget, wall clock (evaluation excluded; there is none inside)
    - peak_lr, warmup: the schedule (see lr_at)
    - label_smoothing: passed to F.cross_entropy
    - bf16: run forward and loss under torch.autocast with bfloat16
    - max_epochs: optional cap on the passes over the data
    - desc: label of the progress bar; progress: show it
    Returns a dict: 'loss', 'lr' (per step), 'epoch_seconds' (wall clock of each complete
    epoch), 'train_acc' (per complete epoch, on the training batches), 'epochs' (epochs
    run, fractional), 'steps', 'seconds' (training time used)
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    hist = {"loss": [], "lr": [], "epoch_seconds": [], "train_acc": []}
    steps_per_epoch = len(loader_train)
    model.train()
    t_start = time.perf_counter()
    bar = tqdm(total=int(seconds), desc=f"{desc}training for {seconds:.0f} s", unit="s", disable=not progress)
    elapsed, epoch, step, shown = 0.0, 0, 0, 0
    while elapsed < seconds and (max_epochs is None or epoch < max_epochs):
        t_epoch = time.perf_counter()
        correct, seen, finished = 0, 0, True
        for x, y in loader_train:
            lr = lr_at(elapsed / seconds, peak_lr, warmup)
            loss, ok = train_step(model, optimizer, x, y, lr=lr, label_smoothing=label_smoothing, bf16=bf16)
            hist["loss"].append(loss)
            hist["lr"].append(lr)
            correct += ok
            seen += int(y.shape[0])
            step += 1
            elapsed = time.perf_counter() - t_start
            if progress and int(elapsed) > shown:
                bar.update(min(int(elapsed), int(seconds)) - shown)
                shown = min(int(elapsed), int(seconds))
                bar.set_postfix(loss=f"{loss:.3f}", epoch=f"{step / steps_per_epoch:.2f}")
            if elapsed >= seconds:
                finished = False
                break
        if finished:
            hist["epoch_seconds"].append(time.perf_counter() - t_epoch)
            hist["train_acc"].append(correct / max(seen, 1))
        epoch += 1
    bar.close()
    model.eval()
    hist["steps"] = step
    hist["epochs"] = step / max(steps_per_epoch, 1)
    hist["seconds"] = time.perf_counter() - t_start
    # seconds per epoch: the median of the complete epochs, else extrapolated from the steps run
    hist["median_epoch_seconds"] = (
        float(np.median(hist["epoch_seconds"]))
        if hist["epoch_seconds"]
        else hist["seconds"] / max(hist["epochs"], 1e-9)
    )
    return hist
