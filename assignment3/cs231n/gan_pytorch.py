"""Generative adversarial networks in PyTorch: noise, the networks, the GAN and least-squares losses, DCGAN parts, the training loop.

Images are MNIST digits flattened to 784 values scaled to [-1, 1] (the generator ends in tanh).
Used by Generative_Adversarial_Networks.ipynb; the functions keep the public course's names.
"""

import numpy as np
import torch
from torch import nn

NOISE_DIM = 96


def preprocess_img(x):
    """Pixels in [0, 1] -> [-1, 1] (the generator's tanh range)."""
    return 2 * x - 1.0


def deprocess_img(x):
    """[-1, 1] -> [0, 1]."""
    return (x + 1.0) / 2.0


def sample_noise(batch_size, dim, seed=None):
    """Uniform random noise in [-1, 1).

    Inputs:
    - batch_size: number of noise vectors
    - dim: dimension of each
    - seed: if given, the draw comes from a torch.Generator seeded with it (repeatable)
    Returns a float tensor of shape (batch_size, dim).
    """
    ### BEGIN SOLUTION
    gen = None
    if seed is not None:
        gen = torch.Generator().manual_seed(seed)
    return 2 * torch.rand(batch_size, dim, generator=gen) - 1
    ### END SOLUTION


def discriminator(seed=None):
    """The fully connected discriminator: (N, 784) images -> (N, 1) logits (real vs fake).

    Architecture: Flatten, Linear(784, 256), LeakyReLU(0.01), Linear(256, 256), LeakyReLU(0.01),
    Linear(256, 1), as one nn.Sequential. seed: if given, seeds torch before the layers are made.
    """
    if seed is not None:
        torch.manual_seed(seed)
    ### BEGIN SOLUTION
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1),
    )
    ### END SOLUTION
    return model


def generator(noise_dim=NOISE_DIM, seed=None):
    """The fully connected generator: (N, noise_dim) noise -> (N, 784) images in [-1, 1].

    Architecture: Linear(noise_dim, 1024), ReLU, Linear(1024, 1024), ReLU, Linear(1024, 784), Tanh,
    as one nn.Sequential. seed: if given, seeds torch before the layers are made.
    """
    if seed is not None:
        torch.manual_seed(seed)
    ### BEGIN SOLUTION
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),
    )
    ### END SOLUTION
    return model


def bce_loss(input, target):
    """Mean binary cross-entropy of logits `input` against targets in [0, 1], stable for any logit.

    Inputs:
    - input: float tensor (N,) of logits
    - target: float tensor (N,) of 0s and 1s
    Returns a scalar tensor: mean over N of -[target * log sigmoid(input) + (1 - target) * log(1 - sigmoid(input))].
    Use the identity log(1 + e^(-|s|)) so that logits of +-100 give finite values and gradients
    (do not call PyTorch's own binary cross-entropy functions).
    """
    ### BEGIN SOLUTION
    neg_abs = -input.abs()
    loss = input.clamp(min=0) - input * target + (1 + neg_abs.exp()).log()
    return loss.mean()
    ### END SOLUTION


def discriminator_loss(logits_real, logits_fake):
    """The discriminator's GAN loss: bce of real logits against 1 plus bce of fake logits against 0.

    Inputs: logits_real (N,), logits_fake (N,) (or (N, 1)). Returns a scalar tensor.
    """
    ### BEGIN SOLUTION
    logits_real, logits_fake = logits_real.reshape(-1), logits_fake.reshape(-1)
    loss = bce_loss(logits_real, torch.ones_like(logits_real)) + bce_loss(logits_fake, torch.zeros_like(logits_fake))
    ### END SOLUTION
    return loss


def generator_loss(logits_fake):
    """The generator's (non-saturating) GAN loss: bce of fake logits against 1. Returns a scalar tensor."""
    ### BEGIN SOLUTION
    logits_fake = logits_fake.reshape(-1)
    loss = bce_loss(logits_fake, torch.ones_like(logits_fake))
    ### END SOLUTION
    return loss


def get_optimizer(model, lr=1e-3, beta1=0.5):
    """Adam over model's parameters with learning rate lr and betas (beta1, 0.999)."""
    ### BEGIN SOLUTION
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, 0.999))
    ### END SOLUTION
    return optimizer


def ls_discriminator_loss(scores_real, scores_fake):
    """Least-squares GAN loss of the discriminator: 0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2]. Scalar tensor."""
    ### BEGIN SOLUTION
    loss = 0.5 * ((scores_real - 1) ** 2).mean() + 0.5 * (scores_fake**2).mean()
    ### END SOLUTION
    return loss


def ls_generator_loss(scores_fake):
    """Least-squares GAN loss of the generator: 0.5 E[(D(G(z)) - 1)^2]. Scalar tensor."""
    ### BEGIN SOLUTION
    loss = 0.5 * ((scores_fake - 1) ** 2).mean()
    ### END SOLUTION
    return loss


def build_dc_classifier(seed=None):
    """The DCGAN discriminator: (N, 784) images -> (N, 1) logits.

    Architecture (one nn.Sequential):
      Unflatten to (N, 1, 28, 28)
      Conv2d(1, 32, kernel 5, stride 1), LeakyReLU(0.01), MaxPool2d(2, 2)     # (N, 32, 12, 12)
      Conv2d(32, 64, kernel 5, stride 1), LeakyReLU(0.01), MaxPool2d(2, 2)    # (N, 64, 4, 4)
      Flatten, Linear(4 * 4 * 64, 4 * 4 * 64), LeakyReLU(0.01), Linear(4 * 4 * 64, 1)
    """
    if seed is not None:
        torch.manual_seed(seed)
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 5, 1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 5, 1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 64, 4 * 4 * 64),
        nn.LeakyReLU(0.01),
        nn.Linear(4 * 4 * 64, 1),
    )
    ### END SOLUTION


def build_dc_generator(noise_dim=NOISE_DIM, seed=None):
    """The DCGAN generator: (N, noise_dim) noise -> (N, 784) images in [-1, 1].

    Architecture (one nn.Sequential):
      Linear(noise_dim, 1024), ReLU, BatchNorm1d(1024)
      Linear(1024, 7 * 7 * 128), ReLU, BatchNorm1d(7 * 7 * 128)
      Unflatten to (N, 128, 7, 7)
      ConvTranspose2d(128, 64, kernel 4, stride 2, padding 1), ReLU, BatchNorm2d(64)   # (N, 64, 14, 14)
      ConvTranspose2d(64, 1, kernel 4, stride 2, padding 1), Tanh                      # (N, 1, 28, 28)
      Flatten                                                                           # (N, 784)
    """
    if seed is not None:
        torch.manual_seed(seed)
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128),
        nn.ReLU(),
        nn.BatchNorm1d(7 * 7 * 128),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1),
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, 4, 2, 1),
        nn.Tanh(),
        nn.Flatten(),
    )
    ### END SOLUTION


def run_a_gan(
    D,
    G,
    D_solver,
    G_solver,
    discriminator_loss,
    generator_loss,
    X_train,
    show_every=250,
    batch_size=128,
    noise_size=NOISE_DIM,
    num_epochs=10,
    max_iters=None,
    time_budget=None,
    seed=0,
    on_show=None,
    ema_decay=None,
):
    """Train a GAN: each iteration one discriminator step, then one generator step (given code).

    Inputs:
    - D, G: discriminator and generator modules; D_solver, G_solver: their optimizers
    - discriminator_loss, generator_loss: the loss functions to use
    - X_train: uint8 images (N, 28, 28) (as load_mnist returns them)
    - show_every: every this many iterations, record a 16-sample grid (and call on_show(it, images))
    - batch_size, noise_size, num_epochs: as named; max_iters / time_budget (seconds) stop earlier
    - seed: seeds the shuffling and the noise
    - ema_decay: if given (e.g. 0.999), also keep an exponential moving average of G's weights
      (decay min(ema_decay, (1 + it) / (10 + it)) after iteration it), which smooths out the
      iteration-to-iteration swings of GAN training; at the end its batch-norm statistics are
      measured afresh (recalibrate_batchnorm), since the running ones belong to G's own weights
    Returns a dict: 'images' (list of (iteration, (16, 784) numpy in [0, 1])), 'd_loss', 'g_loss'
    (per-iteration lists), 'iterations', 'seconds', and with ema_decay 'G_ema' (the averaged
    generator, a copy; G itself is left as trained).
    """
    import copy
    import time

    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    fixed_noise = 2 * torch.rand(16, noise_size, generator=gen) - 1
    X = torch.from_numpy(X_train.reshape(len(X_train), -1)).float().div_(255)
    hist = {"images": [], "d_loss": [], "g_loss": []}
    G_ema = None
    if ema_decay is not None:
        G_ema = copy.deepcopy(G)
        for p in G_ema.parameters():
            p.requires_grad_(False)
    it, t0 = 0, time.time()
    done = False
    for _ in range(num_epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for b in range(len(X) // batch_size):
            real = preprocess_img(X[order[b * batch_size : (b + 1) * batch_size]])  # (B, 784) in [-1, 1]
            D_solver.zero_grad()
            logits_real = D(real)
            z = 2 * torch.rand(batch_size, noise_size, generator=gen) - 1
            fake = G(z).detach()
            logits_fake = D(fake.view(batch_size, 784))
            d_total = discriminator_loss(logits_real, logits_fake)
            d_total.backward()
            D_solver.step()

            G_solver.zero_grad()
            z = 2 * torch.rand(batch_size, noise_size, generator=gen) - 1
            g_fake = G(z)
            g_error = generator_loss(D(g_fake.view(batch_size, 784)))
            g_error.backward()
            G_solver.step()
            if G_ema is not None:
                with torch.no_grad():
                    decay = min(ema_decay, (1 + it) / (10 + it))
                    for pe, pg in zip(G_ema.parameters(), G.parameters()):
                        pe.mul_(decay).add_(pg.detach(), alpha=1 - decay)

            hist["d_loss"].append(d_total.item())
            hist["g_loss"].append(g_error.item())
            if it % show_every == 0:
                G.eval()
                with torch.no_grad():
                    imgs = deprocess_img(G(fixed_noise)).view(16, 784).numpy()
                G.train()
                hist["images"].append((it, imgs))
                if on_show is not None:
                    on_show(it, imgs)
            it += 1
            if (max_iters is not None and it >= max_iters) or (
                time_budget is not None and time.time() - t0 >= time_budget
            ):
                done = True
                break
        if done:
            break
    hist["iterations"], hist["seconds"] = it, time.time() - t0
    if G_ema is not None:
        hist["G_ema"] = recalibrate_batchnorm(G_ema, noise_size, seed=seed + 1)
    return hist


@torch.no_grad()
def recalibrate_batchnorm(G, noise_size=NOISE_DIM, num_batches=20, batch_size=500, seed=0):
    """Re-measure the running mean and variance of G's batch-norm layers (given code).

    A batch-norm layer in eval mode uses running averages of the batch statistics seen in
    training; for a weight average (or any G whose weights changed since) those belong to other
    weights. This resets them and averages the statistics of num_batches batches of G's own
    noise in training mode (momentum None: an equal-weight average). Returns G, in eval mode.
    """
    gen = torch.Generator().manual_seed(seed)
    bns = [m for m in G.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    G.train()
    for _ in range(num_batches):
        G(2 * torch.rand(batch_size, noise_size, generator=gen) - 1)
    for m, mom in zip(bns, momenta):
        m.momentum = mom
    return G.eval()


@torch.no_grad()
def generate(G, num, noise_size=NOISE_DIM, seed=0, batch_size=500):
    """num samples of generator G (eval mode) as numpy (num, 28, 28) in [0, 1]."""
    gen = torch.Generator().manual_seed(seed)
    was_training = G.training
    G.eval()
    out = []
    for i in range(0, num, batch_size):
        n = min(batch_size, num - i)
        out.append(deprocess_img(G(2 * torch.rand(n, noise_size, generator=gen) - 1)).view(n, 28, 28))
    G.train(was_training)
    return torch.cat(out).clamp(0, 1).numpy()
