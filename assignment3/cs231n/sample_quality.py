"""Sample quality of generated digits, measured by a small MNIST classifier the kit trains: confidence, class coverage, Frechet distance.

    from cs231n.sample_quality import load_scorer, score_samples
    scorer = load_scorer()                       # shipped weights, checksum-verified
    score_samples(scorer, fake, real)            # fake, real: (N, 28, 28) or (N, 1, 28, 28) in [0, 1]
    -> {'confident_share', 'class_shares', 'min_class_share', 'max_class_share', 'frechet', ...}

- confident share: share of samples the classifier puts in one class with probability >= 0.9
  (a blurry or ambiguous "digit" is not confidently any digit)
- class coverage: the share of samples given to each digit (a collapsed generator makes only some)
- Frechet distance: between Gaussians fitted to the classifier's 64-d penultimate features of
  the samples and of held-out real images (the idea of FID, in a feature space made for digits)

The weights (mnist_scorer.pt beside this file) were trained by this module:

    cd assignment3 && python -m cs231n.sample_quality --train

(seeded; its command, wall time and held-out figures are in mnist_scorer.json): every training
batch is warped at random (small rotations, scalings, shifts), and holds images that are no
digit (noise, blobs) trained towards the uniform distribution (outlier exposure), so that
noise is not confidently called a digit. Given code.
"""

import json
import os

import numpy as np
import torch
from torch import nn

from cs231n.weights_io import load_verified, sha256_of

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = os.path.join(HERE, "mnist_scorer.pt")
RECORD = os.path.join(HERE, "mnist_scorer.json")
SCORER_SHA256 = "c1fb418c74acad106cb44fd8cac578ac19df75da5c21f110e5c67ccff2f0da1f"
CONFIDENCE = 0.9


class MnistScorer(nn.Module):
    """Three conv layers and a 64-unit feature layer: (N, 1, 28, 28) in [0, 1] -> logits (N, 10)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 14, 14)
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 64, 7, 7)
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 64),
            nn.ReLU(),  # (N, 64): the features of the Frechet distance
        )
        self.head = nn.Linear(64, 10)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def load_scorer(path=WEIGHTS, expected_sha256=None):
    """The trained scorer in eval mode; its file's sha256 is checked first (weights_only loading)."""
    expected = expected_sha256 or SCORER_SHA256
    state = load_verified(
        path,
        expected,
        "It ships with the assignment: restore it from the assignment's zip, or retrain it with "
        "`cd assignment3 && python -m cs231n.sample_quality --train` (and update SCORER_SHA256).",
    )
    model = MnistScorer()
    model.load_state_dict(state)
    return model.eval()


def _as_input(images):
    """(N, 28, 28), (N, 784) or (N, 1, 28, 28) in [0, 1], numpy or torch -> float tensor (N, 1, 28, 28)."""
    x = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images).detach().float().cpu()
    if x.dim() == 2 and x.shape[1] == 784:
        x = x.view(-1, 28, 28)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must be (N, 28, 28), (N, 784) or (N, 1, 28, 28); got {tuple(x.shape)}")
    return x


@torch.no_grad()
def predict(scorer, images, batch_size=500):
    """(probabilities (N, 10), features (N, 64)) as numpy arrays for images in [0, 1]."""
    x = _as_input(images)
    probs, feats = [], []
    for i in range(0, len(x), batch_size):
        f = scorer.features(x[i : i + batch_size])
        feats.append(f)
        probs.append(torch.softmax(scorer.head(f), dim=1))
    return torch.cat(probs).double().numpy(), torch.cat(feats).double().numpy()


def frechet_distance(feats_a, feats_b):
    """Frechet distance between Gaussians fitted to two feature sets (N, D):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    from scipy import linalg

    mu_a, mu_b = feats_a.mean(0), feats_b.mean(0)
    s_a, s_b = np.cov(feats_a, rowvar=False), np.cov(feats_b, rowvar=False)
    covmean = np.real(linalg.sqrtm(s_a @ s_b))
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean))


def score_samples(scorer, fake, real=None, labels=None):
    """Quality figures of generated digits.

    Inputs:
    - scorer: load_scorer()
    - fake: generated images in [0, 1], (N, 28, 28) / (N, 784) / (N, 1, 28, 28)
    - real: held-out real images in [0, 1] for the Frechet distance (None: not computed)
    - labels: the digit each sample was asked to be (conditional models), or None
    Returns a dict: confident_share, class_shares (10 floats, over all samples), min_class_share,
    max_class_share, frechet (when real is given), conditional_acc (when labels are given).
    """
    probs, feats = predict(scorer, fake)
    pred = probs.argmax(1)
    shares = np.bincount(pred, minlength=10) / len(pred)
    out = {
        "confident_share": float((probs.max(1) >= CONFIDENCE).mean()),
        "class_shares": [float(s) for s in shares],
        "min_class_share": float(shares.min()),
        "max_class_share": float(shares.max()),
    }
    if real is not None:
        out["frechet"] = frechet_distance(feats, predict(scorer, real)[1])
    if labels is not None:
        out["conditional_acc"] = float((pred == np.asarray(labels)).mean())
    return out


def augment(x, gen, max_rotate=0.2, max_scale=0.1, max_shift=2.0):
    """Random small affine warps of a batch x (N, 1, 28, 28): rotation up to max_rotate radians,
    scale 1 +- max_scale, shift up to max_shift pixels each way; bilinear, zeros outside. Seeded by gen."""
    n = len(x)

    def u(*shape):
        return 2 * torch.rand(*shape, generator=gen) - 1

    ang, scale, shift = u(n) * max_rotate, 1 + u(n) * max_scale, u(n, 2) * max_shift * 2 / 28
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = ang.cos() / scale, -ang.sin() / scale
    theta[:, 1, 0], theta[:, 1, 1] = ang.sin() / scale, ang.cos() / scale
    theta[:, :, 2] = shift
    grid = nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return nn.functional.grid_sample(x, grid, padding_mode="zeros", align_corners=False)


def outliers(n, gen):
    """n images that are no digit, (n, 1, 28, 28) in [0, 1]: a quarter each of uniform noise, sparse
    salt noise, and smooth blobs (low-resolution noise upsampled, thresholded at a random level),
    and Gaussian noise as an untrained generator makes it."""
    k = n // 4
    uniform = torch.rand(k, 1, 28, 28, generator=gen)
    salt = (torch.rand(k, 1, 28, 28, generator=gen) < 0.05 + 0.3 * torch.rand(k, 1, 1, 1, generator=gen)).float()
    low = torch.rand(k, 1, 7, 7, generator=gen)
    smooth = nn.functional.interpolate(low, size=(28, 28), mode="bilinear", align_corners=False)
    level = 0.4 + 0.3 * torch.rand(k, 1, 1, 1, generator=gen)
    blobs = ((smooth - level) * 4).clamp(0, 1)
    gauss = (0.5 + 0.5 * torch.randn(n - 3 * k, 1, 28, 28, generator=gen)).clamp(0, 1)
    return torch.cat([uniform, salt, blobs, gauss])


def train_scorer(X, y, epochs=10, batch_size=128, lr=3e-3, seed=0, outlier_weight=0.5, log=print):
    """Train a MnistScorer on uint8 images X (N, 28, 28) and labels y; seeded.

    Every batch is warped at random (augment: small rotations, scalings, shifts), so the scorer
    knows digits drawn by hands it has not seen. Outlier exposure (Hendrycks et al., 2019): each
    batch also holds batch_size // 4 images that are no digit (outliers(): noise and blobs),
    whose target is the uniform distribution over the ten classes (loss weight outlier_weight),
    so that noise is not confidently called a digit. Adam with a one-cycle learning rate.
    Returns the model (eval mode)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    model = MnistScorer()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(X) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    Xt = torch.from_numpy(X).float().div_(255).unsqueeze(1)
    yt = torch.from_numpy(y.astype(np.int64))
    model.train()
    for epoch in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        total = 0.0
        for i in range(len(X) // batch_size):
            idx = order[i * batch_size : (i + 1) * batch_size]
            x = torch.cat([augment(Xt[idx], gen), outliers(batch_size // 4, gen)])
            logits = model(x)
            loss = nn.functional.cross_entropy(logits[:batch_size], yt[idx])
            if outlier_weight:
                loss = loss - outlier_weight * nn.functional.log_softmax(logits[batch_size:], dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        log(f"epoch {epoch + 1}/{epochs}: mean loss {total / (len(X) // batch_size):.4f}")
    return model.eval()


def _main(argv=None):
    import argparse
    import shlex
    import sys
    import time

    from .mnist_utils import load_mnist

    ap = argparse.ArgumentParser(description="Train the sample-quality scorer and write mnist_scorer.pt/.json.")
    ap.add_argument("--train", action="store_true", help="train (the only action)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=WEIGHTS)
    args = ap.parse_args(argv)
    if not args.train:
        ap.error("nothing to do; pass --train")
    data = load_mnist()
    t0 = time.time()
    model = train_scorer(data["X_train"], data["y_train"], epochs=args.epochs, seed=args.seed)
    wall = time.time() - t0
    probs, _ = predict(model, data["X_test"] / 255.0)
    acc = float((probs.argmax(1) == data["y_test"]).mean())
    conf = float((probs.max(1) >= CONFIDENCE).mean())
    # images that are no digit (fresh draws of the outlier kinds trained against, and of one
    # kind never shown: uniform noise blurred by a 3x3 box): how many are confidently a digit
    gen = torch.Generator().manual_seed(args.seed + 1)
    noise = outliers(1000, gen)
    box = nn.functional.avg_pool2d(torch.rand(1000, 1, 30, 30, generator=gen), 3, stride=1)
    noise_conf = float((predict(model, noise)[0].max(1) >= CONFIDENCE).mean())
    box_conf = float((predict(model, box)[0].max(1) >= CONFIDENCE).mean())
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, args.out)
    record = {
        "command": "cd assignment3 && python -m cs231n.sample_quality "
        + shlex.join(sys.argv[1:] if argv is None else argv),
        "wall_seconds": round(wall, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "data": (
            "synthetic MNIST stand-in (python datasets/get_datasets.py mnist --synthetic: default sizes, seed 0)"
            if data["synthetic"]
            else "MNIST"
        ),
        "epochs": args.epochs,
        "seed": args.seed,
        "heldout_test_acc": round(acc, 4),
        "heldout_test_confident_share": round(conf, 4),
        "outlier_kinds_confident_share": round(noise_conf, 4),
        "blurred_noise_confident_share": round(box_conf, 4),
        "sha256": sha256_of(args.out),
    }
    with open(RECORD if args.out == WEIGHTS else args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    _main()
