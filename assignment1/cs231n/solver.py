"""Solver: trains a model with minibatch gradient descent, tracks accuracy and the best parameters, and checkpoints each epoch so training can resume."""

import json
import os
import tempfile
import warnings

import numpy as np
from tqdm.auto import tqdm

from cs231n import optim


class Solver(object):
    """
    A Solver encapsulates all the logic necessary for training classification
    models. It performs stochastic gradient descent using the update rules
    defined in optim.py.

    The solver accepts both training and validation data and labels so it can
    periodically check classification accuracy on both, to watch out for
    overfitting.

    To train a model, first construct a Solver instance, passing the model,
    dataset, and various options (learning rate, batch size, etc) to the
    constructor. Then call the train() method to run the optimization
    procedure and train the model.

    After the train() method returns, model.params will contain the parameters
    that performed best on the validation set over the course of training.
    In addition, the instance variable solver.loss_history will contain a list
    of all losses encountered during training and the instance variables
    solver.train_acc_history and solver.val_acc_history will be lists of the
    accuracies of the model on the training and validation set at each epoch.

    Example usage might look something like this:

        data = {
          'X_train': # training data
          'y_train': # training labels
          'X_val': # validation data
          'y_val': # validation labels
        }
        model = MyAwesomeModel(hidden_size=100, reg=10)
        solver = Solver(model, data,
                        update_rule='sgd',
                        optim_config={
                          'learning_rate': 1e-4,
                        },
                        lr_decay=0.95,
                        num_epochs=5, batch_size=200,
                        print_every=100)
        solver.train()

    Checkpoints and resuming: with checkpoint_name='runs/net', the solver writes
    runs/net_epoch_<e>.npz at the end of every epoch e, atomically (a temporary
    file renamed into place, so an interrupted write never leaves a broken
    checkpoint). A checkpoint holds the parameters, the batchnorm running
    averages (model.bn_params), the update rule's state (e.g. momentum
    velocities), the histories, the best parameters so far and
    the state of the solver's random number generator, in a plain .npz that is
    loaded with allow_pickle=False. To continue a run:

        solver = Solver(model, data, ...same options..., num_epochs=10)
        solver.load_checkpoint('runs/net_epoch_4.npz')
        solver.train()        # runs epochs 5..10

    and the result equals that of an uninterrupted run with the same seed
    (models whose loss() itself draws random numbers, such as dropout without
    a fixed seed, are the exception).

    A Solver works on a model object that must conform to the following API:

    - model.params must be a dictionary mapping string parameter names to numpy
      arrays containing parameter values.

    - model.loss(X, y) must be a function that computes training-time loss and
      gradients, and test-time classification scores, with the following inputs
      and outputs:

      Inputs:
      - X: Array giving a minibatch of input data of shape (N, d_1, ..., d_k)
      - y: Array of labels, of shape (N,) giving labels for X where y[i] is the
        label for X[i].

      Returns:
      If y is None, run a test-time forward pass and return:
      - scores: Array of shape (N, C) giving classification scores for X where
        scores[i, c] gives the score of class c for X[i].

      If y is not None, run a training time forward and backward pass and
      return a tuple of:
      - loss: Scalar giving the loss
      - grads: Dictionary with the same keys as self.params mapping parameter
        names to gradients of the loss with respect to those parameters.
    """

    def __init__(
        self,
        model,
        data,
        update_rule="sgd",
        optim_config=None,
        lr_decay=1.0,
        batch_size=100,
        num_epochs=10,
        num_train_samples=1000,
        num_val_samples=None,
        checkpoint_name=None,
        print_every=10,
        verbose=True,
        seed=None,
    ):
        """
        Construct a new Solver instance.

        Required arguments:
        - model: A model object conforming to the API described above
        - data: A dictionary of training and validation data containing:
          'X_train': Array, shape (N_train, d_1, ..., d_k) of training images
          'X_val': Array, shape (N_val, d_1, ..., d_k) of validation images
          'y_train': Array, shape (N_train,) of labels for training images
          'y_val': Array, shape (N_val,) of labels for validation images

        Optional arguments:
        - update_rule: A string giving the name of an update rule in optim.py
          (or the update function itself). Default is 'sgd'.
        - optim_config: A dictionary containing hyperparameters that will be
          passed to the chosen update rule. Each update rule requires different
          hyperparameters (see optim.py) but all update rules require a
          'learning_rate' parameter so that should always be present.
        - lr_decay: A scalar for learning rate decay; after each epoch the
          learning rate is multiplied by this value.
        - batch_size: Size of minibatches used to compute loss and gradient
          during training.
        - num_epochs: The number of epochs to run for during training.
        - num_train_samples: Number of training samples used to check training
          accuracy; default is 1000; set to None to use entire training set.
        - num_val_samples: Number of validation samples to use to check val
          accuracy; default is None, which uses the entire validation set.
        - checkpoint_name: If not None, then save a checkpoint
          '<checkpoint_name>_epoch_<e>.npz' at the end of every epoch.
        - print_every: Integer; training losses will be printed every
          print_every iterations.
        - verbose: Boolean; if set to false then no output (no progress bar,
          no prints) will be produced during training.
        - seed: Integer or None; seeds the solver's own random number generator
          (minibatch sampling, accuracy subsampling). Same seed, same model
          initialisation and same data give the same run.
        """
        for key in ("X_train", "y_train", "X_val", "y_val"):
            if key not in data:
                raise ValueError(
                    f"data must hold {key!r} (it has {sorted(data)}); pass a dict with X_train, y_train, X_val, y_val"
                )
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]
        if len(self.X_train) != len(self.y_train) or len(self.X_val) != len(self.y_val):
            raise ValueError(
                f"data sizes disagree: X_train {len(self.X_train)} vs y_train {len(self.y_train)}, "
                f"X_val {len(self.X_val)} vs y_val {len(self.y_val)}"
            )

        # Unpack keyword arguments
        self.update_rule_name = (
            update_rule if isinstance(update_rule, str) else getattr(update_rule, "__name__", "custom")
        )
        self.optim_config = dict(optim_config) if optim_config else {}
        self.lr_decay = lr_decay
        self.batch_size = int(batch_size)
        self.num_epochs = int(num_epochs)
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.checkpoint_name = checkpoint_name
        self.print_every = print_every
        self.verbose = verbose
        self.seed = seed
        if self.batch_size < 1 or self.num_epochs < 0:
            raise ValueError(f"batch_size must be >= 1 and num_epochs >= 0 (got {batch_size}, {num_epochs})")

        # Make sure the update rule exists, then replace the string name with
        # the actual function
        if isinstance(update_rule, str):
            if not hasattr(optim, update_rule):
                rules = [n for n in dir(optim) if not n.startswith("_") and callable(getattr(optim, n))]
                raise ValueError(f'Invalid update_rule "{update_rule}": cs231n/optim.py defines {rules}')
            update_rule = getattr(optim, update_rule)
        self.update_rule = update_rule

        self._reset()

    def _reset(self):
        """
        Set up some book-keeping variables for optimization. Don't call this
        manually.
        """
        # Set up some variables for book-keeping
        self.rng = np.random.default_rng(self.seed)
        self.epoch = 0
        self.t = 0  # iterations done so far
        self.best_val_acc = 0
        self.best_params = {}
        self.best_state = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            self.optim_configs[p] = d

    def _step(self):
        """
        Make a single gradient update. This is called by train() and should not
        be called manually.
        """
        # Make a minibatch of training data (sampled with replacement)
        num_train = self.X_train.shape[0]
        batch_mask = self.rng.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Compute loss and gradient
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(float(loss))

        # Perform a parameter update
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    # ------------------------------------------------------------------ model state

    def _model_state(self):
        """
        Copies of the arrays a model keeps outside `params`: the batchnorm running
        averages in `model.bn_params` (a list of dicts), keyed '<layer>/<name>'.
        They must travel with the parameters (best model, checkpoints), or a restored
        model would normalise with statistics from another point in training.
        """
        state = {}
        for i, bn_param in enumerate(getattr(self.model, "bn_params", None) or []):
            for k, v in bn_param.items():
                if isinstance(v, np.ndarray):
                    state[f"{i}/{k}"] = v.copy()
        return state

    def _set_model_state(self, state):
        """Put arrays from _model_state() back into the model's bn_params."""
        bn_params = getattr(self.model, "bn_params", None) or []
        for key, v in state.items():
            i, k = key.split("/", 1)
            if int(i) >= len(bn_params):
                raise ValueError(
                    f"saved batchnorm state {key!r} does not fit a model with "
                    f"{len(bn_params)} normalisation layers: build the same model"
                )
            bn_params[int(i)][k] = np.array(v, copy=True)

    # ------------------------------------------------------------------ checkpoints

    def _checkpoint_path(self, epoch):
        return f"{self.checkpoint_name}_epoch_{epoch}.npz"

    def _save_checkpoint(self):
        """Write the full training state to '<checkpoint_name>_epoch_<e>.npz', atomically."""
        if self.checkpoint_name is None:
            return
        arrays = {}
        meta = {
            "format": "cs231n-solver-checkpoint-1",
            "update_rule": self.update_rule_name,
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "num_epochs": self.num_epochs,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "t": self.t,
            "best_val_acc": self.best_val_acc,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
            "rng_state": self.rng.bit_generator.state,
            "optim_scalars": {},
        }
        for p, w in self.model.params.items():
            arrays[f"params/{p}"] = np.asarray(w)
        for p, w in self.best_params.items():
            arrays[f"best/{p}"] = np.asarray(w)
        for k, v in self._model_state().items():
            arrays[f"state/{k}"] = v
        for k, v in self.best_state.items():
            arrays[f"beststate/{k}"] = v
        for p, config in self.optim_configs.items():
            scalars = {}
            for k, v in config.items():
                if isinstance(v, np.ndarray):
                    arrays[f"optim/{p}/{k}"] = v
                elif isinstance(v, np.generic):
                    scalars[k] = v.item()
                else:
                    scalars[k] = v
            meta["optim_scalars"][p] = scalars
        try:
            arrays["meta"] = np.array(json.dumps(meta))
        except TypeError as e:
            raise TypeError(
                f"cannot checkpoint: the optimizer config holds a value that is neither a number nor an array ({e})"
            ) from e

        filename = self._checkpoint_path(self.epoch)
        folder = os.path.dirname(os.path.abspath(filename))
        os.makedirs(folder, exist_ok=True)
        # a run killed mid-write leaves '.<name>_epoch_<e>.npz.<random>.tmp' (as big as a checkpoint): remove those
        stale = "." + os.path.basename(self.checkpoint_name) + "_epoch_"
        for leftover in os.listdir(folder):
            if leftover.startswith(stale) and ".npz." in leftover and leftover.endswith(".tmp"):
                try:
                    os.remove(os.path.join(folder, leftover))
                except OSError:
                    continue
                if self.verbose:
                    tqdm.write(f"removed {leftover}: an unfinished checkpoint left by an interrupted run")
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filename) + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filename)  # atomic: readers see the old file or the complete new one
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        if self.verbose:
            tqdm.write(f'Saving checkpoint to "{filename}"')

    def load_checkpoint(self, filename):
        """
        Restore the training state saved by a checkpoint, so that train()
        continues from the end of the epoch it was written at.

        Inputs:
        - filename: path of a '<checkpoint_name>_epoch_<e>.npz' file.

        The model passed to this Solver must have the same parameter names and
        shapes as the one that was checkpointed. Returns self.
        """
        if not os.path.exists(filename):
            raise FileNotFoundError(f"no checkpoint at {filename!r}: check checkpoint_name and the epoch number")
        import zipfile

        # Before anything is read: every member must be one this model's checkpoint holds, and
        # neither its size in the zip nor the array shape its header declares may exceed what
        # that member can take (a parameter's size, 64 MiB for the metadata).
        sizes = {p: np.asarray(w).nbytes for p, w in self.model.params.items()}
        biggest = max(sizes.values(), default=0)

        def limit(name):
            parts = name.split("/")
            if name == "meta":
                return 64 << 20
            if parts[0] in ("params", "best") and len(parts) == 2 and parts[1] in sizes:
                return sizes[parts[1]]
            if parts[0] == "optim" and len(parts) == 3 and parts[1] in sizes:
                return sizes[parts[1]]
            if parts[0] in ("state", "beststate") and len(parts) == 3 and parts[1].isdigit():
                return biggest
            return None

        try:
            with zipfile.ZipFile(filename) as z:
                for info in z.infolist():
                    name = info.filename[: -len(".npy")] if info.filename.endswith(".npy") else None
                    most = None if name is None else limit(name)
                    if most is None:
                        raise ValueError(
                            f"{filename!r} holds {info.filename!r}, which no checkpoint of this model has: "
                            "not a Solver checkpoint for it"
                        )
                    if info.file_size > most + 4096:
                        raise ValueError(
                            f"{filename!r}: member {info.filename!r} is {info.file_size:,} bytes, more than "
                            f"this model's checkpoint can hold there ({most:,}); refusing to read it"
                        )
                    with z.open(info) as m:
                        version = np.lib.format.read_magic(m)
                        if version == (1, 0):
                            shape, _, dtype = np.lib.format.read_array_header_1_0(m)
                        else:
                            shape, _, dtype = np.lib.format.read_array_header_2_0(m)
                    if dtype.hasobject or int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > most:
                        raise ValueError(
                            f"{filename!r}: member {info.filename!r} declares a {dtype} array of shape "
                            f"{shape}, more than this model's checkpoint can hold there; refusing to read it"
                        )
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValueError(f"{filename!r} is not a readable checkpoint (.npz) file: {e}") from None
        with np.load(filename, allow_pickle=False) as f:
            if "meta" not in f.files:
                raise ValueError(f"{filename!r} is not a Solver checkpoint (no 'meta' entry)")
            meta = json.loads(str(f["meta"]))
            arrays = {k: f[k] for k in f.files if k != "meta"}

        params = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("params/")}
        if set(params) != set(self.model.params):
            raise ValueError(
                f"checkpoint {filename!r} has parameters {sorted(params)} but the model has "
                f"{sorted(self.model.params)}: build the same model before resuming"
            )
        for p, v in params.items():
            if np.shape(self.model.params[p]) != v.shape:
                raise ValueError(
                    f"parameter {p!r}: checkpoint shape {v.shape} != model shape {np.shape(self.model.params[p])}"
                )
        for key, mine in (
            ("update_rule", self.update_rule_name),
            ("batch_size", self.batch_size),
            ("lr_decay", self.lr_decay),
        ):
            if meta.get(key) != mine:
                warnings.warn(
                    f"resuming with {key}={mine!r} but the checkpoint was written with "
                    f"{meta.get(key)!r}: the run will differ from an uninterrupted one"
                )

        self.model.params.update(params)
        self.best_params = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("best/")}
        self._set_model_state({k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("state/")})
        self.best_state = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("beststate/")}
        self.optim_configs = {}
        for p in self.model.params:
            config = dict(meta["optim_scalars"].get(p, {}))
            prefix = f"optim/{p}/"
            for k, v in arrays.items():
                if k.startswith(prefix):
                    config[k[len(prefix) :]] = v
            self.optim_configs[p] = config
        self.epoch = int(meta["epoch"])
        self.t = int(meta["t"])
        self.best_val_acc = meta["best_val_acc"]
        self.loss_history = list(meta["loss_history"])
        self.train_acc_history = list(meta["train_acc_history"])
        self.val_acc_history = list(meta["val_acc_history"])
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = meta["rng_state"]
        return self

    # ------------------------------------------------------------------ evaluation and training

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """
        Check accuracy of the model on the provided data.

        Inputs:
        - X: Array of data, of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,)
        - num_samples: If not None, subsample the data and only test the model
          on num_samples datapoints.
        - batch_size: Split X and y into batches of this size to avoid using
          too much memory.

        Returns:
        - acc: Scalar giving the fraction of instances that were correctly
          classified by the model.
        """

        # Maybe subsample the data
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        # Compute predictions in batches
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = float(np.mean(y_pred == y))

        return acc

    def train(self):
        """
        Run optimization to train the model: continues from self.t, so after
        load_checkpoint() it picks up where the checkpoint left off.
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        bar = tqdm(
            range(self.t, num_iterations),
            total=num_iterations,
            initial=self.t,
            disable=not self.verbose,
            desc="training",
            unit="it",
        )
        for t in bar:
            self._step()
            self.t = t + 1

            # Maybe print training loss
            if self.verbose and self.print_every and t % self.print_every == 0:
                bar.set_postfix(loss=f"{self.loss_history[-1]:.4f}", epoch=self.epoch, refresh=False)
                tqdm.write("(Iteration %d / %d) loss: %f" % (t + 1, num_iterations, self.loss_history[-1]))

            # At the end of every epoch, increment the epoch counter and decay
            # the learning rate.
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for k in self.optim_configs:
                    if "learning_rate" in self.optim_configs[k]:
                        self.optim_configs[k]["learning_rate"] *= self.lr_decay

            # Check train and val accuracy on the first iteration, the last
            # iteration, and at the end of each epoch.
            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)

                if self.verbose:
                    tqdm.write(
                        "(Epoch %d / %d) train acc: %f; val_acc: %f" % (self.epoch, self.num_epochs, train_acc, val_acc)
                    )

                # Keep track of the best model
                if val_acc > self.best_val_acc or not self.best_params:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}
                    self.best_state = self._model_state()

                if epoch_end:
                    self._save_checkpoint()
        bar.close()

        # At the end of training swap the best params into the model
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}
            self._set_model_state(self.best_state)
