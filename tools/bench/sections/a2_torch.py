"""Bench a2.torch: the PyTorch.ipynb challenge model trained on CIFAR-10 (10 epochs, crop+flip, one-cycle, bf16 on a capable CPU) and timed.

Test accuracy is measured once, at the end, on the 10,000 test images. Epoch time is the
wall clock of the training pass (validation excluded); on a shared machine it is inflated,
so the process CPU time per epoch divided by the thread count is reported beside it.
Training runs under bfloat16 autocast on a CPU that computes bfloat16 natively
(cpu_has_fast_bf16(): AVX512-BF16 or AMX; about 1.7x faster per step there, issue 19), as the
notebook's challenge cell does; elsewhere as train_model's amp="auto" decides. The weights,
the optimizer and the test pass stay float32. a2.torch.amp says which.
Environment overrides for quick trials: A2_TORCH_EPOCHS, A2_TORCH_NTRAIN, A2_TORCH_AMP (auto, bf16).
"""

import os
import time

import numpy as np
import torch

from cs231n.data_utils import get_CIFAR10_data
from cs231n.torch_nets import CHALLENGE_BATCH_SIZE, challenge_training_setup, make_challenge_model, random_crop_flip
from cs231n.torch_utils import TensorLoader, check_accuracy, cifar10_tensors, cpu_has_fast_bf16, get_device, train_model


def run():
    t_start = time.time()
    epochs = int(os.environ.get("A2_TORCH_EPOCHS", 10))
    n_train = int(os.environ.get("A2_TORCH_NTRAIN", 49000))
    torch.manual_seed(0)
    device = get_device()
    data = get_CIFAR10_data(num_training=n_train, num_validation=1000, num_test=10000)
    t = cifar10_tensors(data, device)
    channels_last = device.type != "mps"
    if channels_last:
        for k in ("X_train", "X_val", "X_test"):
            t[k] = t[k].contiguous(memory_format=torch.channels_last)

    def augment(x, generator):
        x = random_crop_flip(x, padding=4, generator=generator)
        return x.contiguous(memory_format=torch.channels_last) if channels_last else x

    loader_train = TensorLoader(
        t["X_train"], t["y_train"], CHALLENGE_BATCH_SIZE, shuffle=True, seed=0, augment=augment, drop_last=True
    )
    loader_val = TensorLoader(t["X_val"], t["y_val"], 500)
    loader_test = TensorLoader(t["X_test"], t["y_test"], 500)
    model = make_challenge_model().to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer, scheduler, opts = challenge_training_setup(model, epochs, len(loader_train))
    amp = "bf16" if device.type == "cpu" and cpu_has_fast_bf16() else "auto"
    amp = os.environ.get("A2_TORCH_AMP", amp)
    hist = train_model(
        model,
        optimizer,
        loader_train,
        loader_val,
        epochs=epochs,
        scheduler=scheduler,
        label_smoothing=opts["label_smoothing"],
        amp=amp,
        desc="challenge ",
    )
    test_acc = check_accuracy(loader_test, model, flip_tta=opts["flip_tta"])
    test_acc_plain = check_accuracy(loader_test, model, flip_tta=False)
    threads = torch.get_num_threads()
    return {
        "a2.torch.challenge_test_acc": round(test_acc, 4),
        "a2.torch.challenge_test_acc_no_tta": round(test_acc_plain, 4),
        "a2.torch.challenge_val_acc": round(hist["val_acc"][-1], 4),
        "a2.torch.epochs": epochs,
        "a2.torch.n_train": n_train,
        "a2.torch.epoch_seconds": round(float(np.median(hist["epoch_seconds"])), 1),
        "a2.torch.epoch_cpu_seconds_per_thread": round(float(np.median(hist["epoch_cpu_seconds"])) / threads, 1),
        "a2.torch.params": int(sum(p.numel() for p in model.parameters())),
        "a2.torch.device": str(device),
        "a2.torch.amp": amp,
        "a2.torch.wall_seconds": round(time.time() - t_start, 1),
    }


if __name__ == "__main__":
    print(run())
