"""CaptioningSolverTransformer: trains a PyTorch captioning model (CaptioningTransformer) with AdamW; progress bar, loss history, seeding, checkpoints.

    solver = CaptioningSolverTransformer(model, data, learning_rate=1e-3, num_epochs=10,
                                         batch_size=50, seed=0, checkpoint_name="runs/tf")
    solver.train()                                  # model trained in place
    solver.loss_history                             # loss of every iteration
    solver.load_checkpoint("runs/tf_epoch_4.pt")    # resume: train() continues from epoch 4

Given code (nothing to fill in). It mirrors the numpy CaptioningSolver: an epoch is
num_train // batch_size iterations on random minibatches of training captions.
"""

import os

import numpy as np
import torch
from tqdm.auto import tqdm


class CaptioningSolverTransformer:
    """Trains a model with model.loss(features, captions) -> scalar tensor (e.g. CaptioningTransformer)."""

    def __init__(
        self,
        model,
        data,
        idx_to_word=None,
        learning_rate=1e-3,
        weight_decay=0.0,
        lr_decay=1.0,
        batch_size=100,
        num_epochs=10,
        grad_clip=1.0,
        print_every=100,
        verbose=True,
        progress=None,
        seed=None,
        checkpoint_name=None,
    ):
        """
        Inputs:
        - model: an nn.Module with loss(features, captions) (features (N, D) float, captions (N, T) long)
        - data: dict from load_coco_data
        - idx_to_word: accepted for compatibility with the public notebook (unused)
        - learning_rate, weight_decay: AdamW's settings
        - lr_decay: the learning rate is multiplied by this after each epoch
        - batch_size: captions per minibatch
        - num_epochs: epochs to train for (an epoch = num_train // batch_size iterations)
        - grad_clip: clip the gradient norm to this (None: no clipping)
        - print_every: print the loss every print_every iterations (0: never)
        - verbose: False for no printing at all
        - progress: show a tqdm progress bar (default: same as verbose)
        - seed: None, or an integer that seeds the minibatch draws (the solver's own
          Generator) and torch's global generator (dropout): same seed, same run
        - checkpoint_name: if not None, save '<checkpoint_name>_epoch_<e>.pt' after every epoch
        """
        if batch_size <= 0 or num_epochs < 0:
            raise ValueError(f"batch_size must be positive and num_epochs >= 0, got {batch_size}, {num_epochs}")
        self.model = model
        self.data = data
        self.learning_rate, self.weight_decay, self.lr_decay = learning_rate, weight_decay, lr_decay
        self.batch_size, self.num_epochs, self.grad_clip = int(batch_size), num_epochs, grad_clip
        self.print_every, self.verbose = print_every, verbose
        self.progress = verbose if progress is None else progress
        self.seed, self.checkpoint_name = seed, checkpoint_name
        self.device = next(model.parameters()).device
        self._reset()

    def _reset(self):
        """Book-keeping, the optimizer and the random generators; called by the constructor."""
        self.epoch = 0
        self.loss_history = []
        self.rng = np.random.default_rng(self.seed)
        if self.seed is not None:
            torch.manual_seed(self.seed)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )

    def _minibatch(self):
        """Random training captions (N, T) long and their images' features (N, D) float, as tensors."""
        captions = self.data["train_captions"]
        idx = self.rng.integers(0, captions.shape[0], size=self.batch_size)
        feats = self.data["train_features"][self.data["train_image_idxs"][idx]]
        return (
            torch.as_tensor(feats, dtype=torch.float32, device=self.device),
            torch.as_tensor(captions[idx], dtype=torch.long, device=self.device),
        )

    def _step(self):
        """One AdamW update on a random minibatch; called by train()."""
        features, captions = self._minibatch()
        self.model.train()
        loss = self.model.loss(features, captions)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        self.loss_history.append(loss.item())

    # ------------------------------------------------------------------ checkpoints

    def _checkpoint_path(self, epoch):
        return f"{self.checkpoint_name}_epoch_{epoch}.pt"

    def _save_checkpoint(self):
        """Write model, optimizer, history and generator states to '<checkpoint_name>_epoch_<e>.pt', atomically."""
        if self.checkpoint_name is None:
            return
        state = {
            "format": "cs231n-transformer-solver-checkpoint-1",
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "loss_history": list(self.loss_history),
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }
        filename = self._checkpoint_path(self.epoch)
        folder = os.path.dirname(filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        tmp = filename + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, filename)
        if self.verbose:
            tqdm.write(f'Saving checkpoint to "{filename}"')

    def load_checkpoint(self, filename):
        """Restore the state saved by a checkpoint, so that train() continues from its epoch. Returns self."""
        if not os.path.isfile(filename):
            raise FileNotFoundError(f"no checkpoint at {filename!r}: check checkpoint_name and the epoch number")
        state = torch.load(filename, map_location=self.device, weights_only=False)
        if not isinstance(state, dict) or state.get("format") != "cs231n-transformer-solver-checkpoint-1":
            raise ValueError(f"{filename!r} is not a CaptioningSolverTransformer checkpoint")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        self.loss_history = list(state["loss_history"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        return self

    # ------------------------------------------------------------------ training

    def train(self):
        """Run the optimization from self.epoch to num_epochs."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        start = self.epoch * iterations_per_epoch
        num_iterations = int(round(self.num_epochs * iterations_per_epoch))
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate * self.lr_decay**self.epoch
        bar = tqdm(range(start, num_iterations), disable=not self.progress, desc="training", leave=False)
        for t in bar:
            self._step()
            if self.progress and (t % 10 == 0 or t == num_iterations - 1):
                bar.set_postfix(loss=f"{self.loss_history[-1]:.3f}")
            if self.verbose and self.print_every and t % self.print_every == 0:
                tqdm.write(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")
            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for group in self.optimizer.param_groups:
                    group["lr"] *= self.lr_decay
                self._save_checkpoint()
        bar.close()
        self.model.eval()
