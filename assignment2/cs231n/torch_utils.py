"""Given helpers for PyTorch.ipynb: device choice, CIFAR-10 as tensors, a batching loader, accuracy and training loops.

Nothing here is a fill-in; the parts students write live in cs231n/torch_nets.py.

    from cs231n.torch_utils import get_device, cifar10_tensors, TensorLoader, check_accuracy
    device = get_device()                     # CUDA, else Apple MPS, else CPU (threads = cores)
    t = cifar10_tensors(get_CIFAR10_data(), device)
    loader_train = TensorLoader(t['X_train'], t['y_train'], batch_size=64, shuffle=True, seed=0)

Only torch is needed (no torchvision): the data stay tensors on the device, batches
are slices of a shuffled index, and augmentation is a function applied to each batch.
"""

import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

try:
    from tqdm.auto import tqdm
except ImportError:  # tqdm is in requirements.txt; be lenient

    def tqdm(it, **kwargs):
        return it


def get_device(threads=None, verbose=True):
    """Pick the fastest device present: CUDA, else Apple MPS, else the CPU.

    On the CPU, torch's intra-op thread count is set to `threads` (default: the number of
    cores this process may use), since a wrong setting can halve the speed.

    Inputs:
    - threads: CPU threads for torch; None means every core available to this process
    - verbose: print the choice
    Returns: torch.device
    """
    if torch.cuda.is_available():
        device = torch.device("cuda")
        name = torch.cuda.get_device_name(0)
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
        name = "Apple MPS"
    else:
        device = torch.device("cpu")
        if threads is None:
            try:
                threads = len(os.sched_getaffinity(0))
            except AttributeError:  # macOS, Windows
                threads = os.cpu_count() or 1
        torch.set_num_threads(int(threads))
        name = f"CPU, {torch.get_num_threads()} threads"
    if verbose:
        print(f"using device: {device} ({name})")
    return device


def cpu_has_fast_bf16():
    """True when this CPU computes bfloat16 natively (AVX512-BF16 or AMX), so that bfloat16
    autocast (train_model(..., amp="bf16")) speeds up convolutions; False elsewhere, where
    bfloat16 is emulated and slower than float32, or when this PyTorch build cannot tell."""
    cpu = getattr(torch, "cpu", None)
    try:
        return bool(cpu._is_avx512_bf16_supported() or cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):
        return False


def cifar10_tensors(data, device=None, normalize=True, dtype=torch.float32):
    """CIFAR-10 arrays from get_CIFAR10_data as tensors on `device`, optionally scaled to unit variance per channel.

    Inputs:
    - data: dict with 'X_train' (N, 3, 32, 32), 'y_train' (N,), and the same for 'val'/'test'
      (numpy arrays, channels first, mean already subtracted)
    - device: torch.device (None: CPU)
    - normalize: divide every split by the per-channel std of the training images
    - dtype: floating dtype of the images
    Returns a dict with the same keys: images (N, 3, 32, 32) `dtype`, labels (N,) int64
    """
    device = device or torch.device("cpu")
    std = None
    if normalize:
        std = data["X_train"].std(axis=(0, 2, 3), dtype=np.float64).reshape(1, -1, 1, 1)  # (1, C, 1, 1)
        std = np.maximum(std, 1e-6)
    out = {}
    for key, arr in data.items():
        if key.startswith("X_"):
            x = np.asarray(arr, dtype=np.float32)
            if std is not None:
                x = (x / std).astype(np.float32)
            out[key] = torch.from_numpy(np.ascontiguousarray(x)).to(device=device, dtype=dtype)
        elif key.startswith("y_"):
            out[key] = torch.from_numpy(np.asarray(arr, dtype=np.int64)).to(device)
    return out


class TensorLoader:
    """Minibatches of (images, labels) from two tensors: plain slicing, no worker processes.

    Iterating gives each example once per pass, in a new order every pass when shuffling;
    the order comes from a seeded torch.Generator, so runs repeat exactly.

    Inputs:
    - X: (N, C, H, W) tensor; y: (N,) int64 tensor (on the same device)
    - batch_size: examples per batch (the last batch may be smaller unless drop_last)
    - shuffle: new random order every pass
    - seed: seed of the order (and of the augmentation, which gets the same generator)
    - augment: None or a function (x, generator) -> x applied to every training batch
    - drop_last: skip a final incomplete batch
    """

    def __init__(self, X, y, batch_size=64, shuffle=False, seed=0, augment=None, drop_last=False):
        assert X.shape[0] == y.shape[0], f"X has {X.shape[0]} examples but y has {y.shape[0]} labels"
        assert batch_size > 0, f"batch_size must be positive, got {batch_size}"
        self.X, self.y = X, y
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.augment = augment
        # the generator lives on the CPU: index permutations are cheap there on every device
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        n = self.X.shape[0]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        N = self.X.shape[0]
        order = torch.randperm(N, generator=self.generator) if self.shuffle else torch.arange(N)
        order = order.to(self.X.device)
        for b in range(len(self)):
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            x, y = self.X[idx], self.y[idx]
            if self.augment is not None:
                x = self.augment(x, generator=self.generator)
            yield x, y


@torch.no_grad()
def check_accuracy(loader, model_fn, flip_tta=False, verbose=False, name=""):
    """Fraction of examples in `loader` that `model_fn` classifies correctly.

    Inputs:
    - loader: iterable of (x, y) batches (e.g. a TensorLoader without augmentation)
    - model_fn: function x -> scores (N, num_classes); an nn.Module works and is put in eval mode
    - flip_tta: average the softmax of each image and of its mirror image (test-time augmentation)
    - verbose: print "Got k / n correct (acc%)"
    - name: label for the printout
    Returns: accuracy, a float in [0, 1]
    """
    was_training = isinstance(model_fn, torch.nn.Module) and model_fn.training
    if isinstance(model_fn, torch.nn.Module):
        model_fn.eval()
    num_correct, num_samples = 0, 0
    for x, y in loader:
        scores = model_fn(x)
        if flip_tta:
            scores = F.softmax(scores.float(), dim=1) + F.softmax(model_fn(x.flip(3)).float(), dim=1)
        num_correct += int((scores.argmax(dim=1) == y).sum())
        num_samples += int(y.shape[0])
    if was_training:
        model_fn.train()
    acc = num_correct / max(num_samples, 1)
    if verbose:
        print(f"{name}Got {num_correct} / {num_samples} correct ({100 * acc:.2f}%)")
    return acc


def train_barebones(model_fn, params, loader_train, loader_val, learning_rate, epochs=1, print_every=100):
    """Train a barebones model (a function of x and a list of parameter tensors) with plain SGD.

    Inputs:
    - model_fn: function (x, params) -> scores (N, num_classes)
    - params: list of tensors with requires_grad=True, updated in place
    - loader_train, loader_val: iterables of (x, y) batches
    - learning_rate: SGD step size
    - epochs: passes over loader_train
    - print_every: iterations between printouts of the loss and validation accuracy
    Returns a dict: 'loss' (list of floats, one per iteration), 'val_acc' (list, one per printout)
    """
    history = {"loss": [], "val_acc": []}
    t = 0
    for epoch in range(epochs):
        for x, y in tqdm(loader_train, desc=f"epoch {epoch + 1}/{epochs}", leave=False):
            scores = model_fn(x, params)
            loss = F.cross_entropy(scores, y)
            loss.backward()  # fills p.grad for every parameter
            with torch.no_grad():  # the update itself is not part of the graph
                for w in params:
                    w -= learning_rate * w.grad
                    w.grad.zero_()
            history["loss"].append(loss.item())
            if print_every and t % print_every == 0:
                acc = check_accuracy(loader_val, lambda xb: model_fn(xb, params))
                history["val_acc"].append(acc)
                print(f"Iteration {t}, loss = {loss.item():.4f}, val acc = {100 * acc:.2f}%")
            t += 1
    return history


def train_model(
    model,
    optimizer,
    loader_train,
    loader_val=None,
    epochs=1,
    scheduler=None,
    label_smoothing=0.0,
    amp="auto",
    print_every=0,
    desc="",
):
    """Train an nn.Module: one tqdm bar per epoch, optional LR schedule (stepped per batch) and mixed precision.

    Inputs:
    - model: nn.Module already on the device of the data
    - optimizer: a torch.optim optimizer over model.parameters()
    - loader_train, loader_val: iterables of (x, y) batches (loader_val may be None)
    - epochs: passes over loader_train
    - scheduler: None or an LR scheduler whose step() is called after every batch
    - label_smoothing: passed to F.cross_entropy
    - amp: True / False / "auto" / "bf16" (auto: float16 autocast + gradient scaling on CUDA
      only, the CPU and MPS train in float32; "bf16": bfloat16 autocast on any device, no
      scaling needed, which on a CPU with native bfloat16 (cpu_has_fast_bf16()) makes the
      convolutions about 1.7x faster; the weights and the optimizer stay float32)
    - print_every: iterations between loss printouts (0: none, the bar shows the loss)
    - desc: prefix of the bar's label
    Returns a dict of lists: 'loss' (per iteration), 'lr' (per iteration), 'train_acc'
    (running accuracy on the augmented batches, per epoch), 'val_acc' (per epoch),
    'epoch_seconds' (wall clock per epoch, without the validation pass) and
    'epoch_cpu_seconds' (CPU time of this process per epoch)
    """
    device = next(model.parameters()).device
    if amp == "bf16":
        use_amp, amp_dtype = True, torch.bfloat16
    elif amp == "auto" or isinstance(amp, bool):
        use_amp, amp_dtype = (device.type == "cuda") if amp == "auto" else amp, torch.float16
        if use_amp and device.type != "cuda":
            raise ValueError("amp=True needs a CUDA device; on the CPU or MPS use amp=False, 'auto' or 'bf16'")
    else:
        raise ValueError(f"amp must be True, False, 'auto' or 'bf16', got {amp!r}")
    scaler = torch.amp.GradScaler("cuda") if use_amp and amp_dtype == torch.float16 else None
    hist = {k: [] for k in ("loss", "lr", "train_acc", "val_acc", "epoch_seconds", "epoch_cpu_seconds")}
    t = 0
    for epoch in range(epochs):
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        correct, seen = 0, 0
        bar = tqdm(loader_train, desc=f"{desc}epoch {epoch + 1}/{epochs}", leave=True)
        for x, y in bar:
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=use_amp):
                scores = model(x)
                loss = F.cross_entropy(scores.float(), y, label_smoothing=label_smoothing)  # loss in float32
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            if scheduler is not None:
                scheduler.step()
            correct += int((scores.detach().argmax(1) == y).sum())
            seen += int(y.shape[0])
            hist["loss"].append(loss.item())
            hist["lr"].append(optimizer.param_groups[0]["lr"])
            if hasattr(bar, "set_postfix") and t % 10 == 0:
                bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{correct / seen:.3f}")
            if print_every and t % print_every == 0:
                print(f"Iteration {t}, loss = {loss.item():.4f}")
            t += 1
        if device.type == "cuda":
            torch.cuda.synchronize()
        hist["epoch_seconds"].append(time.perf_counter() - t0)
        hist["epoch_cpu_seconds"].append(time.process_time() - c0)
        hist["train_acc"].append(correct / max(seen, 1))
        if loader_val is not None:
            hist["val_acc"].append(check_accuracy(loader_val, model))
            print(
                f"{desc}epoch {epoch + 1}: train acc (augmented batches) {hist['train_acc'][-1]:.3f}, "
                f"val acc {hist['val_acc'][-1]:.3f}, {hist['epoch_seconds'][-1]:.1f} s"
            )
    return hist


def plot_history(hist, title=""):
    """Loss per iteration (and LR if it changes) beside train/val accuracy per epoch."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].plot(hist["loss"], lw=0.6)
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("training loss")
    if hist.get("lr") and len(set(hist["lr"])) > 1:
        ax2 = axes[0].twinx()
        ax2.plot(hist["lr"], color="tab:orange", lw=1)
        ax2.set_ylabel("learning rate", color="tab:orange")
    epochs = np.arange(1, len(hist.get("train_acc", [])) + 1)
    if len(epochs):
        axes[1].plot(epochs, hist["train_acc"], "o-", label="train (augmented batches)")
    if hist.get("val_acc") and len(hist["val_acc"]) == len(epochs):
        axes[1].plot(epochs, hist["val_acc"], "o-", label="val")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("accuracy")
    axes[1].legend()
    fig.suptitle(title)
    plt.tight_layout()
    plt.show()


def count_params(model):
    """Number of scalar parameters of an nn.Module: sum(p.numel())."""
    return sum(p.numel() for p in model.parameters())
