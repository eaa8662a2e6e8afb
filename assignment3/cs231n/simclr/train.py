"""SimCLR training (one step is a fill-in), the supervised-from-scratch baseline, and the evaluations: linear probe and k-NN."""

import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .augment import compute_train_transform, random_crop_flip
from .contrastive_loss import simclr_loss_vectorized


def to_tensor(X):
    """uint8 images (N, H, W, 3) (numpy or tensor) -> float (N, 3, H, W) in [0, 1]; float (N, 3, H, W) passes through."""
    X = torch.as_tensor(X)
    if X.dtype == torch.uint8:
        return X.permute(0, 3, 1, 2).float().div_(255)
    if X.dim() == 4 and X.shape[1] == 3:
        return X.float()
    raise ValueError(f"expected uint8 (N, H, W, 3) or float (N, 3, H, W) images, got {X.dtype} {tuple(X.shape)}")


def make_optimizer(model, lr=2e-3, weight_decay=1e-6):
    """The optimizer SimCLR trains with here: Adam on all the model's parameters."""
    return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)


def train_step(model, x, optimizer, tau, generator):
    """One SimCLR step on a batch of images.

    Inputs:
    - model: a SimCLRModel; model(x) returns (h, z)
    - x: (N, 3, H, W) float images in [0, 1]
    - optimizer: updates the model's parameters
    - tau: the temperature
    - generator: torch.Generator for the augmentations, or an int seed for a new one
    Returns: the loss of this batch, a Python float.

    Make two augmented views of x with compute_train_transform (first view first, same generator),
    project both with the model, compute simclr_loss_vectorized, and take one optimizer step.
    """
    if not isinstance(generator, torch.Generator):
        generator = torch.Generator().manual_seed(int(generator))
    loss = None
    ### BEGIN SOLUTION
    x_i = compute_train_transform(x, generator)
    x_j = compute_train_transform(x, generator)
    _, z_i = model(x_i)
    _, z_j = model(x_j)
    loss = simclr_loss_vectorized(z_i, z_j, tau)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    ### END SOLUTION
    return loss.item()


def train(
    model,
    X,
    epochs=1,
    batch_size=256,
    lr=2e-3,
    weight_decay=1e-6,
    tau=0.3,
    seed=0,
    max_steps=None,
    log=None,
    checkpoint=None,
):
    """Train a SimCLRModel on unlabelled images with Adam and a cosine learning-rate schedule.

    Inputs:
    - X: uint8 (N, H, W, 3) or float (N, 3, H, W) images
    - max_steps: stop after this many steps (None: all epochs)
    - log: called as log(step, total_steps, loss) after each step, or None
    - checkpoint: None, or a file path. After every epoch the model, the optimizer, the schedule, the
      random states and the losses are written there (to a temporary file first, then renamed, so an
      interrupted run never leaves a broken checkpoint). A later call with the same path and the same
      settings continues from the last finished epoch and ends exactly where one uninterrupted run
      would; a checkpoint written with other settings raises ValueError.
    Returns: the list of per-step losses (of the whole run, resumed parts included).
    """
    X = to_tensor(X)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    steps_per_epoch = n // batch_size
    total = epochs * steps_per_epoch if max_steps is None else min(max_steps, epochs * steps_per_epoch)
    optimizer = make_optimizer(model, lr, weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * s / max(total, 1))))
    settings = dict(
        images=n,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        tau=tau,
        seed=seed,
        max_steps=max_steps,
    )
    losses, step, seconds = [], 0, 0.0
    if checkpoint is not None and os.path.exists(checkpoint):
        step, losses, seconds = _load_checkpoint(checkpoint, settings, model, optimizer, schedule, gen, rng)
    model.train()
    t0 = time.time()
    while step < total:
        order = rng.permutation(n)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = torch.from_numpy(order[b * batch_size : (b + 1) * batch_size])
            losses.append(train_step(model, X[idx], optimizer, tau, gen))
            schedule.step()
            step += 1
            if log is not None:
                log(step, total, losses[-1])
        if checkpoint is not None:
            state = dict(step=step, losses=losses, seconds=seconds + time.time() - t0)
            _save_checkpoint(checkpoint, settings, state, model, optimizer, schedule, gen, rng)
    return losses


def checkpoint_seconds(path):
    """Training seconds recorded in a train() checkpoint, summed over every run that added to it."""
    return float(torch.load(path, weights_only=True)["seconds"])


def _save_checkpoint(path, settings, state, model, optimizer, schedule, gen, rng):
    blob = dict(
        settings=json.dumps(settings, sort_keys=True),
        model=model.state_dict(),
        optimizer=optimizer.state_dict(),
        schedule=schedule.state_dict(),
        torch_generator=gen.get_state(),
        numpy_rng=json.dumps(rng.bit_generator.state),  # 128-bit integers: kept as JSON text
        **state,
    )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(blob, tmp)
    os.replace(tmp, path)  # atomic: the old checkpoint stays whole until the new one is complete


def _load_checkpoint(path, settings, model, optimizer, schedule, gen, rng):
    try:
        blob = torch.load(path, weights_only=True)
    except Exception as e:
        raise ValueError(f"{path} is not a readable SimCLR checkpoint ({e}); move it away to start afresh") from e
    saved = json.loads(blob["settings"])
    if saved != json.loads(json.dumps(settings, sort_keys=True)):
        diff = {k: (saved.get(k), settings.get(k)) for k in settings if saved.get(k) != settings.get(k)}
        raise ValueError(
            f"{path} was written by a run with other settings ({', '.join(f'{k}: {a} there, {b} here' for k, (a, b) in diff.items())}); "
            "rerun with the same settings to continue it, or give another checkpoint path (or move it away) to start afresh"
        )
    model.load_state_dict(blob["model"])
    optimizer.load_state_dict(blob["optimizer"])
    schedule.load_state_dict(blob["schedule"])
    gen.set_state(blob["torch_generator"])
    rng.bit_generator.state = json.loads(blob["numpy_rng"])
    return int(blob["step"]), list(blob["losses"]), float(blob["seconds"])


@torch.no_grad()
def extract_features(encoder, X, batch_size=500, grid=1):
    """Frozen features of images: (N, H, W, 3) uint8 or (N, 3, H, W) float -> (N, D) float tensor, eval mode.

    grid=1: the encoder's output (global average pool, D = feature_dim); grid=g: its last feature map
    average-pooled to g x g cells (D = g * g * feature_dim), which keeps where things are.
    """
    X = to_tensor(X)
    was_training = encoder.training
    encoder.eval()

    def one(xb):
        if grid == 1:
            return encoder(xb)
        return F.adaptive_avg_pool2d(encoder.feature_map(xb), grid).flatten(1)

    feats = [one(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]
    encoder.train(was_training)
    return torch.cat(feats).float()


def _fit_softmax(A, y, C, weight_decay, max_iter):
    """A linear softmax classifier on features A (N, D), full batch with L-BFGS and an L2 penalty."""
    clf = nn.Linear(A.shape[1], C)
    opt = torch.optim.LBFGS(clf.parameters(), lr=1, max_iter=max_iter, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(clf(A), y) + weight_decay * (clf.weight**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return clf


def linear_probe(F_train, y_train, F_test, y_test, weight_decay=None, max_iter=300, seed=0):
    """A linear (softmax) classifier on frozen features, trained full-batch with L-BFGS.

    Features are standardized with the training set's mean and std. weight_decay=None picks the
    L2 strength from (1e-4, 1e-3, 1e-2, 1e-1) on a held-out fifth of the training set (never the test
    set), then refits on all of it. Returns (test accuracy, train accuracy).
    """
    F_train, F_test = torch.as_tensor(F_train).float(), torch.as_tensor(F_test).float()
    y_train, y_test = torch.as_tensor(y_train).long(), torch.as_tensor(y_test).long()
    mu, sd = F_train.mean(0), F_train.std(0) + 1e-6
    A, B = (F_train - mu) / sd, (F_test - mu) / sd
    C = int(max(y_train.max(), y_test.max())) + 1
    if weight_decay is None:
        order = torch.from_numpy(np.random.default_rng(seed).permutation(len(y_train)))
        val, fit = order[: len(order) // 5], order[len(order) // 5 :]
        scores = {}
        for wd in (1e-4, 1e-3, 1e-2, 1e-1):
            clf = _fit_softmax(A[fit], y_train[fit], C, wd, max_iter)
            with torch.no_grad():
                scores[wd] = (clf(A[val]).argmax(1) == y_train[val]).float().mean().item()
        weight_decay = max(scores, key=scores.get)
    clf = _fit_softmax(A, y_train, C, weight_decay, max_iter)
    with torch.no_grad():
        test_acc = (clf(B).argmax(1) == y_test).float().mean().item()
        train_acc = (clf(A).argmax(1) == y_train).float().mean().item()
    return test_acc, train_acc


@torch.no_grad()
def knn_accuracy(F_train, y_train, F_test, y_test, k=20, temperature=0.07, batch_size=1000):
    """Weighted k-nearest-neighbour accuracy on cosine similarity (votes weighted by exp(sim / temperature))."""
    A = F.normalize(torch.as_tensor(F_train).float(), dim=1)
    B = F.normalize(torch.as_tensor(F_test).float(), dim=1)
    y_train, y_test = torch.as_tensor(y_train).long(), torch.as_tensor(y_test).long()
    C = int(max(y_train.max(), y_test.max())) + 1
    correct = 0
    for i in range(0, B.shape[0], batch_size):
        s = B[i : i + batch_size] @ A.t()  # (b, N_train)
        top, idx = s.topk(k, dim=1)
        votes = torch.zeros(s.shape[0], C).scatter_add_(1, y_train[idx], torch.exp(top / temperature))
        correct += (votes.argmax(1) == y_test[i : i + batch_size]).sum().item()
    return correct / B.shape[0]


def train_scratch(
    encoder, X, y, epochs=60, batch_size=128, lr=2e-3, weight_decay=5e-4, seed=0, bf16=False, max_steps=None, log=None
):
    """The supervised baseline: encoder + a linear layer trained from scratch on labelled images.

    Random crop (scale 0.5-1) + flip augmentation, AdamW, cosine schedule, bf16 autocast if asked;
    max_steps caps the number of steps (large label sets). Returns the classifier
    (nn.Sequential(encoder, Linear)), in eval mode.
    """
    X = to_tensor(X)
    y = torch.as_tensor(y).long()
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    C = int(y.max()) + 1
    model = nn.Sequential(encoder, nn.Linear(encoder.feature_dim, C))
    n = X.shape[0]
    steps_per_epoch = max(1, n // batch_size)
    total = epochs * steps_per_epoch if max_steps is None else min(max_steps, epochs * steps_per_epoch)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
    model.train()
    t0 = time.time()
    step = 0
    for epoch in range(epochs):
        if step >= total:
            break
        order = rng.permutation(n)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            step += 1
            idx = torch.from_numpy(order[b * batch_size : (b + 1) * batch_size])
            xb = random_crop_flip(X[idx], gen, scale=(0.5, 1.0)).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        if log is not None:
            log(epoch + 1, epochs, float(loss), time.time() - t0)
    return model.eval()


@torch.no_grad()
def accuracy(model, X, y, batch_size=500):
    """Classification accuracy of model on images X (uint8 NHWC or float NCHW) with labels y."""
    X = to_tensor(X)
    y = torch.as_tensor(y).long()
    was_training = model.training
    model.eval()
    pred = torch.cat([model(X[i : i + batch_size]).argmax(1) for i in range(0, X.shape[0], batch_size)])
    model.train(was_training)
    return (pred == y).float().mean().item()
