"""Denoising diffusion (DDPM) in PyTorch: noise schedule, closed-form forward process, a small UNet with time and class embeddings, the noise-prediction loss, ancestral sampling with classifier-free guidance.

Images are MNIST digits as (N, 1, 28, 28) tensors scaled to [-1, 1]. Time steps t are integer
tensors (N,) in [0, T). Class labels are integers 0-9; the label `NULL_CLASS` (10) means "no
label" (the unconditional model, trained by dropping labels at random).
Used by DDPM.ipynb.
"""

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

NULL_CLASS = 10


# --------------------------------------------------------------------------- schedule


def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    """Betas rising linearly (Ho et al. 2020). For T != 1000 both ends are scaled by 1000 / T,
    so that the total amount of noise stays that of the 1000-step schedule (capped at 0.999).
    Returns float64 (T,)."""
    scale = 1000.0 / T
    return torch.linspace(beta_start * scale, beta_end * scale, T, dtype=torch.float64).clamp(max=0.999)


def compute_schedule(betas):
    """Everything the forward and reverse processes need, from the betas.

    Input: betas, float tensor (T,) in (0, 1).
    Returns a dict of float tensors (T,) each:
    - 'betas': beta_t
    - 'alphas': alpha_t = 1 - beta_t
    - 'alpha_bars': alpha_bar_t = prod_{s <= t} alpha_s
    - 'sqrt_alpha_bars': sqrt(alpha_bar_t)
    - 'sqrt_one_minus_alpha_bars': sqrt(1 - alpha_bar_t)
    - 'posterior_variance': beta_tilde_t = beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t),
      with alpha_bar_{-1} = 1 (so beta_tilde_0 = 0)
    """
    betas = torch.as_tensor(betas, dtype=torch.float64)
    ### BEGIN SOLUTION
    alphas = 1.0 - betas
    alpha_bars = torch.cumprod(alphas, dim=0)
    alpha_bars_prev = torch.cat([torch.ones(1, dtype=betas.dtype), alpha_bars[:-1]])
    sched = {
        "betas": betas,
        "alphas": alphas,
        "alpha_bars": alpha_bars,
        "sqrt_alpha_bars": alpha_bars.sqrt(),
        "sqrt_one_minus_alpha_bars": (1.0 - alpha_bars).sqrt(),
        "posterior_variance": betas * (1.0 - alpha_bars_prev) / (1.0 - alpha_bars),
    }
    ### END SOLUTION
    return sched


def _at(values, t, like):
    """values[t] for each example, shaped (N, 1, 1, 1) in like's dtype, to broadcast over images."""
    return values.to(like.dtype)[t].view(-1, *([1] * (like.dim() - 1)))


def q_sample(x0, t, noise, schedule):
    """Sample x_t ~ q(x_t | x_0) in closed form: sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise.

    Inputs:
    - x0: clean images (N, 1, 28, 28)
    - t: integer tensor (N,), each example's time step
    - noise: standard normal noise shaped like x0
    - schedule: compute_schedule's dict
    Returns x_t, shaped like x0.
    """
    ### BEGIN SOLUTION
    return _at(schedule["sqrt_alpha_bars"], t, x0) * x0 + _at(schedule["sqrt_one_minus_alpha_bars"], t, x0) * noise
    ### END SOLUTION


# --------------------------------------------------------------------------- the network (given code)


def timestep_embedding(t, dim):
    """Sinusoidal embedding of integer time steps: (N,) -> (N, dim), as in the Transformer."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, the time/class embedding added in between, plus a skip connection."""

    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(min(8, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(min(8, cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A small UNet predicting the noise in x_t: (x_t (N, 1, 28, 28), t (N,), labels (N,) or None) -> (N, 1, 28, 28).

    Resolutions 28 -> 14 -> 7 and back, with skip connections; channels `ch`, 2*ch, 2*ch.
    The time step (sinusoidal, then an MLP) and the class label (an embedding with one extra
    row for NULL_CLASS) are added together and fed to every residual block.
    """

    def __init__(self, ch=32, emb_dim=128, num_classes=10, seed=None):
        super().__init__()
        if seed is not None:
            torch.manual_seed(seed)
        self.emb_dim = emb_dim
        self.time_mlp = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(num_classes + 1, emb_dim)
        self.null_class = num_classes
        self.inp = nn.Conv2d(1, ch, 3, padding=1)
        self.down1 = ResBlock(ch, ch, emb_dim)  # (N, ch, 28, 28)
        self.pool1 = nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1)  # (N, 2ch, 14, 14)
        self.down2 = ResBlock(2 * ch, 2 * ch, emb_dim)
        self.pool2 = nn.Conv2d(2 * ch, 2 * ch, 3, stride=2, padding=1)  # (N, 2ch, 7, 7)
        self.mid = ResBlock(2 * ch, 2 * ch, emb_dim)
        self.up2 = nn.ConvTranspose2d(2 * ch, 2 * ch, 4, stride=2, padding=1)  # (N, 2ch, 14, 14)
        self.dec2 = ResBlock(4 * ch, 2 * ch, emb_dim)
        self.up1 = nn.ConvTranspose2d(2 * ch, ch, 4, stride=2, padding=1)  # (N, ch, 28, 28)
        self.dec1 = ResBlock(2 * ch, ch, emb_dim)
        self.out = nn.Sequential(nn.GroupNorm(min(8, ch), ch), nn.SiLU(), nn.Conv2d(ch, 1, 3, padding=1))

    def forward(self, x, t, labels=None):
        if labels is None:
            labels = torch.full((x.shape[0],), self.null_class, dtype=torch.long)
        emb = self.time_mlp(timestep_embedding(t, self.emb_dim).to(x.dtype)) + self.class_emb(labels)
        h1 = self.down1(self.inp(x), emb)
        h2 = self.down2(self.pool1(h1), emb)
        h = self.mid(self.pool2(h2), emb)
        h = self.dec2(torch.cat([self.up2(h), h2], dim=1), emb)
        h = self.dec1(torch.cat([self.up1(h), h1], dim=1), emb)
        return self.out(h)


# --------------------------------------------------------------------------- loss and sampling


def ddpm_loss(model, x0, t, noise, schedule, labels=None):
    """The noise-prediction loss: mean squared error between the model's prediction on x_t and the noise.

    Inputs:
    - model: called as model(x_t, t, labels), predicts the noise (N, 1, 28, 28)
    - x0, t, noise, schedule: as for q_sample
    - labels: integer tensor (N,) of class labels (NULL_CLASS for "no label"), or None
    Returns a scalar tensor: mean over every element of (model(x_t, t, labels) - noise)^2.
    """
    ### BEGIN SOLUTION
    x_t = q_sample(x0, t, noise, schedule)
    return F.mse_loss(model(x_t, t, labels), noise)
    ### END SOLUTION


def guided_noise(model, x_t, t, labels=None, guidance=0.0):
    """The noise prediction with classifier-free guidance (Ho and Salimans, 2022).

    eps = (1 + w) * model(x_t, t, labels) - w * model(x_t, t, NULL_CLASS), with w = guidance.
    With labels None the unconditional prediction model(x_t, t, NULL_CLASS labels) is returned;
    with guidance 0 the conditional one alone (evaluate the model only once then).
    Returns (N, 1, 28, 28).
    """
    ### BEGIN SOLUTION
    null = torch.full((x_t.shape[0],), NULL_CLASS, dtype=torch.long)
    if labels is None:
        return model(x_t, t, null)
    cond = model(x_t, t, labels)
    if guidance == 0:
        return cond
    return (1 + guidance) * cond - guidance * model(x_t, t, null)
    ### END SOLUTION


def p_sample_step(model, x_t, t, schedule, z, labels=None, guidance=0.0):
    """One step of ancestral sampling, x_t -> x_{t-1}, all examples at the same step t (an int).

    mean = (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps) / sqrt(alpha_t)
    x_{t-1} = mean + sqrt(posterior_variance_t) * z      (no noise is added at t = 0)
    where eps = guided_noise(model, x_t, t, labels, guidance).

    Inputs:
    - model, schedule: as above; x_t: (N, 1, 28, 28); t: python int
    - z: standard normal noise shaped like x_t (the caller draws it, so the step is repeatable)
    - labels, guidance: as for guided_noise
    Returns x_{t-1}.
    """
    ### BEGIN SOLUTION
    tt = torch.full((x_t.shape[0],), t, dtype=torch.long)
    eps = guided_noise(model, x_t, tt, labels, guidance)
    beta, alpha = float(schedule["betas"][t]), float(schedule["alphas"][t])
    s1mab = float(schedule["sqrt_one_minus_alpha_bars"][t])
    mean = (x_t - beta / s1mab * eps) / math.sqrt(alpha)
    if t == 0:
        return mean
    return mean + math.sqrt(float(schedule["posterior_variance"][t])) * z
    ### END SOLUTION


class ClippedX0(nn.Module):
    """A noise predictor whose implied clean image is clipped to [-1, 1] (given code).

    The model's eps on x_t implies x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t);
    this returns the eps of clamp(x0_hat, -1, 1) instead, so that p_sample_step's mean becomes the
    posterior mean given the clipped x0_hat ("clip_denoised", as in Ho et al.'s own sampler).
    """

    def __init__(self, model, schedule):
        super().__init__()
        self.model, self.schedule = model, schedule

    def forward(self, x_t, t, labels=None):
        eps = self.model(x_t, t, labels)
        ab = _at(self.schedule["sqrt_alpha_bars"], t, x_t)
        s = _at(self.schedule["sqrt_one_minus_alpha_bars"], t, x_t)
        x0 = ((x_t - s * eps) / ab).clamp(-1, 1)
        return (x_t - ab * x0) / s


@torch.no_grad()
def sample(
    model, schedule, num, labels=None, guidance=0.0, seed=0, keep_every=None, batch_size=500, clip_denoised=False
):
    """Generate images by ancestral sampling from pure noise (given code).

    Inputs:
    - model, schedule; num: how many images
    - labels: None (unconditional) or an integer tensor/array (num,) of digits to ask for
    - guidance: classifier-free guidance weight w
    - seed: seeds the noise; keep_every: also return the chain every this many steps
    - clip_denoised: clip each prediction's implied clean image to [-1, 1] (ClippedX0)
    Returns images (num, 1, 28, 28) in [-1, 1] (clamped), and when keep_every is set a list of
    (t, images of the first batch) along the reverse chain as well.
    """
    T = len(schedule["betas"])
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    net = ClippedX0(model, schedule) if clip_denoised else model
    out, chain = [], []
    for i in range(0, num, batch_size):
        n = min(batch_size, num - i)
        lab = None if labels is None else torch.as_tensor(np.asarray(labels)[i : i + n], dtype=torch.long)
        x = torch.randn(n, 1, 28, 28, generator=gen)
        for t in reversed(range(T)):
            if keep_every and i == 0 and (t + 1) % keep_every == 0:
                chain.append((t + 1, x.clone()))
            x = p_sample_step(net, x, t, schedule, torch.randn(x.shape, generator=gen), lab, guidance)
        if keep_every and i == 0:
            chain.append((0, x.clone()))
        out.append(x.clamp(-1, 1))
    model.train(was_training)
    images = torch.cat(out)
    return (images, chain) if keep_every else images


def train_ddpm(
    model,
    X_train,
    y_train,
    schedule,
    num_iters=1000,
    batch_size=128,
    lr=2e-3,
    p_uncond=0.2,
    seed=0,
    time_budget=None,
    log_every=100,
    log=print,
    bf16=False,
):
    """Train `model` with ddpm_loss on uint8 images (N, 28, 28) and their labels (given code).

    Each iteration: a random batch, random t, random noise; with probability p_uncond an
    example's label is replaced by NULL_CLASS (so the same model learns the unconditional
    prediction that classifier-free guidance needs). Adam with a linear warm-up, cosine decay
    over num_iters (or over time_budget seconds, when that ends first), and an exponential moving
    average of the weights (decay 0.995), which is what is returned for sampling. Stops early
    after time_budget seconds if given.
    bf16: run the forward pass and the loss under CPU autocast to bfloat16 (the weights, the
    optimizer and the EMA stay float32); on CPUs with native bf16 (avx512_bf16) a step of the
    small UNet is about 1.4x faster, so a time budget buys more steps.
    Returns (ema_model, losses list).
    """
    import copy

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    T = len(schedule["betas"])
    X = torch.from_numpy(X_train).float().div_(127.5).sub_(1).unsqueeze(1)  # (N, 1, 28, 28) in [-1, 1]
    y = torch.from_numpy(np.asarray(y_train).astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    warm = max(1, min(200, num_iters // 10))

    def progress(i):
        """Share of the run done: iterations, or time when there is a budget (whichever is further)."""
        done = (i - warm) / max(1, num_iters - warm)
        if time_budget is not None:
            done = max(done, (time.time() - t0) / time_budget)
        return min(1.0, max(0.0, done))

    def lr_at(i):
        if i < warm:
            return (i + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * progress(i)))

    t0 = time.time()
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    losses = []
    model.train()
    for it in range(num_iters):
        idx = torch.from_numpy(rng.integers(0, len(X), batch_size))
        x0, lab = X[idx], y[idx].clone()
        lab[torch.rand(batch_size, generator=gen) < p_uncond] = NULL_CLASS
        t = torch.randint(0, T, (batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = ddpm_loss(model, x0, t, noise, schedule, lab)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            decay = min(0.995, (1 + it) / (10 + it))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        losses.append(loss.item())
        if log_every and (it + 1) % log_every == 0:
            log(f"iter {it + 1}/{num_iters}: loss {np.mean(losses[-log_every:]):.4f} ({time.time() - t0:.0f} s)")
        if time_budget is not None and time.time() - t0 >= time_budget:
            log(f"time budget reached after {it + 1} iterations")
            break
    return ema, losses
