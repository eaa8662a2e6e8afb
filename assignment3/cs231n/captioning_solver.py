"""CaptioningSolver: trains a captioning model with minibatch gradient descent (update rules from cs231n.optim)."""

from tqdm.auto import tqdm

from cs231n import optim
from cs231n.coco_utils import sample_coco_minibatch


class CaptioningSolver(object):
    """
    A CaptioningSolver trains an image captioning model with stochastic gradient descent
    using one of the update rules in optim.py.

    Construct it with the model, the data (the dict from load_coco_data) and options
    (learning rate, batch size, ...), then call train(). Afterwards model.params holds
    the trained parameters and solver.loss_history the loss of every iteration.

    Example:

        data = load_coco_data()
        model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1])
        solver = CaptioningSolver(model, data,
                                  update_rule="adam",
                                  optim_config={"learning_rate": 5e-3},
                                  lr_decay=0.95,
                                  num_epochs=10, batch_size=100,
                                  print_every=100)
        solver.train()

    The model must have:
    - model.params: dict parameter name -> numpy array
    - model.loss(features, captions) -> (loss, grads) with grads keyed like model.params
    """

    def __init__(self, model, data, **kwargs):
        """
        Inputs:
        - model: a captioning model as described above
        - data: dict from load_coco_data

        Optional keyword arguments:
        - update_rule: name of an update rule in optim.py (default 'sgd')
        - optim_config: dict of hyperparameters for the update rule; every rule takes
          'learning_rate'
        - lr_decay: the learning rate is multiplied by this after each epoch
        - batch_size: captions per minibatch
        - num_epochs: epochs to train for (an epoch = num_train // batch_size iterations)
        - print_every: print the loss every print_every iterations
        - verbose: False for no printing at all
        - progress: show a tqdm progress bar (default: same as verbose)
        """
        self.model = model
        self.data = data

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.progress = kwargs.pop("progress", self.verbose)

        if len(kwargs) > 0:
            extra = ", ".join(f'"{k}"' for k in kwargs)
            raise ValueError(f"Unrecognized arguments {extra}")
        if not hasattr(optim, self.update_rule):
            raise ValueError(f'Invalid update_rule "{self.update_rule}": optim.py has no such function')
        self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Book-keeping variables; called by the constructor."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        # each parameter gets its own copy of the update rule's configuration
        self.optim_configs = {p: {k: v for k, v in self.optim_config.items()} for p in self.model.params}

    def _step(self):
        """One gradient update on a random training minibatch; called by train()."""
        minibatch = sample_coco_minibatch(self.data, batch_size=self.batch_size, split="train")
        captions, features, urls = minibatch

        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(loss)

        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def train(self):
        """Run the optimization."""
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = int(round(self.num_epochs * iterations_per_epoch))

        bar = tqdm(range(num_iterations), disable=not self.progress, desc="training", leave=False)
        for t in bar:
            self._step()
            if self.progress and (t % 10 == 0 or t == num_iterations - 1):
                bar.set_postfix(loss=f"{self.loss_history[-1]:.3f}")
            if self.verbose and t % self.print_every == 0:
                tqdm.write(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            # at the end of every epoch, decay the learning rate
            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for k in self.optim_configs:
                    self.optim_configs[k]["learning_rate"] *= self.lr_decay
        bar.close()
