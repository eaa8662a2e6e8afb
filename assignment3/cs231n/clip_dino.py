"""CLIP (symmetric InfoNCE on image-caption pairs, zero-shot, retrieval) and DINO (self-distillation: centring, sharpening, momentum teacher, multi-crop)."""

import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .simclr.augment import color_jitter, random_crop_flip
from .simclr.model import Encoder

# ----------------------------------------------------------------------------------------------------------------
# CLIP
# ----------------------------------------------------------------------------------------------------------------

# colour-shape combinations that CLIP never sees in training (each colour and each shape is seen with other partners)
HELD_OUT = (("red", "circle"), ("green", "square"), ("blue", "triangle"), ("yellow", "diamond"))
COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")
SHAPES = ("circle", "square", "triangle", "diamond")


def clip_loss(image_emb, text_emb, temperature):
    """CLIP's symmetric InfoNCE loss on a batch of matching pairs.

    Inputs:
    - image_emb: (N, D) image embeddings; text_emb: (N, D) text embeddings; row i of both is a matching pair
    - temperature: logits are cosine similarities divided by it
    Returns: a 0-dim tensor, the mean of the image->text and text->image cross-entropies
    (logits[i, j] = cos(image_i, text_j) / temperature, the correct class of row i is i).
    """
    loss = None
    ### BEGIN SOLUTION
    img = F.normalize(image_emb, dim=1)
    txt = F.normalize(text_emb, dim=1)
    logits = img @ txt.t() / temperature  # (N, N)
    target = torch.arange(logits.shape[0], device=logits.device)
    loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
    ### END SOLUTION
    return loss


class TextEncoder(nn.Module):
    """Token ids (N, T) (0 is padding) -> (N, dim): word + position embeddings, masked mean, MLP."""

    def __init__(self, vocab_size, dim=64, max_len=17):
        super().__init__()
        self.words = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.positions = nn.Embedding(max_len, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))

    def forward(self, tokens):
        mask = (tokens != 0).float().unsqueeze(-1)  # (N, T, 1)
        pos = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.words(tokens) + self.positions(pos)  # (N, T, dim)
        x = (x * mask).sum(1) / mask.sum(1).clamp(min=1)  # (N, dim)
        return self.mlp(x)


class CLIPModel(nn.Module):
    """A small image encoder (the SimCLR Encoder + a linear map) and a TextEncoder into one embedding space."""

    def __init__(self, vocab_size, dim=64, width=16, max_len=17):
        super().__init__()
        self.image_encoder = nn.Sequential(Encoder(width), nn.Linear(8 * width, dim))
        self.text_encoder = TextEncoder(vocab_size, dim, max_len)

    def encode_image(self, images):
        return self.image_encoder(images)

    def encode_text(self, tokens):
        return self.text_encoder(tokens)


def caption_objects(caption_words):
    """The (colour, shape) pairs a caption names, in order: 'a red circle left of a blue square' -> 2 pairs."""
    return [(a, b) for a, b in zip(caption_words, caption_words[1:]) if b in SHAPES]


def shapes_caption_data(max_len=17):
    """The synthetic captioning set with its images (the real COCO files hold no images): written if missing.

    Returns load_coco_data's dict plus 'train_images32' / 'val_images32': float (N, 3, 32, 32) in [0, 1]
    (64x64 pooled 2x2).
    """
    from .coco_utils import coco_dir, load_coco_data

    base = coco_dir()
    if not os.path.isfile(os.path.join(base, "train2014_images.h5")):
        tmp = tempfile.mkdtemp(prefix="a3-shapes-")
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        script = os.path.join(os.path.dirname(here), "datasets", "get_datasets.py")
        subprocess.run(
            [sys.executable, script, "coco_captioning", "--synthetic", "--data-dir", tmp, "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        base = os.path.join(tmp, "coco_captioning")
    data = load_coco_data(base, pca_features=True)
    for split in ("train", "val"):
        x = torch.from_numpy(np.asarray(data[f"{split}_images"])).permute(0, 3, 1, 2).float() / 255
        data[f"{split}_images32"] = F.avg_pool2d(x, 2)  # (N, 3, 32, 32)
    return data


def image_objects(data, split):
    """For each image of a split: the set of (colour, shape) pairs its captions name."""
    idx_to_word = data["idx_to_word"]
    n = len(data[f"{split}_images"])
    objs = [set() for _ in range(n)]
    for cap, i in zip(data[f"{split}_captions"], data[f"{split}_image_idxs"]):
        words = [idx_to_word[t] for t in cap if t > 2]
        objs[int(i)].update(caption_objects(words))
    return objs


def encode_prompts(prompts, word_to_idx, max_len=17):
    """Prompt strings -> token ids (N, max_len) as the captions are encoded (<START> words <END>, 0-padded)."""
    rows = np.zeros((len(prompts), max_len), dtype=np.int64)
    for r, p in enumerate(prompts):
        ids = [word_to_idx["<START>"]] + [word_to_idx.get(w, word_to_idx["<UNK>"]) for w in p.split()]
        ids.append(word_to_idx["<END>"])
        rows[r, : len(ids)] = ids
    return torch.from_numpy(rows)


@torch.no_grad()
def zero_shot_predict(model, images, prompt_tokens):
    """Index of the prompt whose embedding is most similar (cosine) to each image's: (N,) long."""
    model.eval()
    img = F.normalize(model.encode_image(images), dim=1)
    txt = F.normalize(model.encode_text(prompt_tokens), dim=1)
    return (img @ txt.t()).argmax(1)


@torch.no_grad()
def retrieval_recall(image_emb, text_emb, ks=(1, 5)):
    """Recall@k both ways for matching rows: {'i2t@k': ..., 't2i@k': ...} (fraction whose match ranks in the top k)."""
    S = F.normalize(image_emb, dim=1) @ F.normalize(text_emb, dim=1).t()  # (N, N)
    target = torch.arange(S.shape[0])
    out = {}
    for name, M in (("i2t", S), ("t2i", S.t())):
        rank = (M > M[target, target].unsqueeze(1)).sum(1)  # how many score strictly higher than the match
        for k in ks:
            out[f"{name}@{k}"] = (rank < k).float().mean().item()
    return out


def train_clip(
    model, images, tokens, image_idxs, steps=500, batch_size=128, lr=2e-3, temperature=0.1, seed=0, log=None
):
    """Train CLIP on (image, caption) pairs: each step draws batch_size distinct images and one caption of each.

    Inputs: images float (N_img, 3, 32, 32); tokens long (N_cap, T); image_idxs (N_cap,) the image of each caption.
    Returns the list of per-step losses.
    """
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    image_idxs = np.asarray(image_idxs)
    by_image = {}
    for c, i in enumerate(image_idxs):
        by_image.setdefault(int(i), []).append(c)
    usable = np.array(sorted(by_image))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    losses = []
    for step in range(steps):
        imgs = rng.choice(usable, size=min(batch_size, len(usable)), replace=False)
        caps = [by_image[int(i)][rng.integers(len(by_image[int(i)]))] for i in imgs]
        x = random_crop_flip(images[torch.from_numpy(imgs)], gen, scale=(0.8, 1.0), flip=False)  # no flip: "left of"
        loss = clip_loss(model.encode_image(x), model.encode_text(tokens[torch.as_tensor(caps)]), temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if log is not None:
            log(step + 1, steps, losses[-1])
    return losses


# ----------------------------------------------------------------------------------------------------------------
# DINO
# ----------------------------------------------------------------------------------------------------------------


class DINONet(nn.Module):
    """Backbone (the SimCLR Encoder; any input size) and a projection head to out_dim logits ("prototypes").

    bf16=True runs the network in bfloat16 autocast on the CPU (about twice the steps per second on
    CPUs with AVX512-BF16); the logits come back in float32, so the sharpened softmaxes stay exact.
    """

    def __init__(self, width=16, out_dim=256, hidden=256, bf16=False):
        super().__init__()
        self.bf16 = bf16
        self.backbone = Encoder(width)
        self.head = nn.Sequential(
            nn.Linear(8 * width, hidden), nn.GELU(), nn.Linear(hidden, 64), nn.GELU(), nn.Linear(64, out_dim)
        )

    def forward(self, x):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16 and x.device.type == "cpu"):
            out = self.head(self.backbone(x.contiguous(memory_format=torch.channels_last)))
        return out.float()


def make_optimizer(model, lr=1e-3, weight_decay=1e-4):
    """AdamW on the model's trainable parameters (the student's, for DINO)."""
    return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)


def make_teacher(student):
    """A copy of the student whose parameters take no gradient (updated only by momentum_update)."""
    import copy

    teacher = copy.deepcopy(student)
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def dino_loss(student_out, teacher_out, center, tau_s=0.1, tau_t=0.04):
    """DINO's cross-entropy between the centred, sharpened teacher and the student, over pairs of different views.

    Inputs:
    - student_out: (V_s, N, K) student logits for V_s views (the first V_t are the global views)
    - teacher_out: (V_t, N, K) teacher logits for the V_t global views
    - center: (K,) the running centre of the teacher's logits
    - tau_s, tau_t: student and teacher temperatures (tau_t < tau_s sharpens the teacher)
    Returns: a 0-dim tensor, the mean over pairs (t, s) with s != t of
        mean_n  sum_k  -P_t[n, k] * log P_s[n, k],
    P_t = softmax((teacher_out[t] - center) / tau_t) (no gradient: detach it), P_s = softmax(student_out[s] / tau_s).
    """
    loss = None
    ### BEGIN SOLUTION
    p_t = F.softmax((teacher_out - center) / tau_t, dim=-1).detach()  # (V_t, N, K)
    log_p_s = F.log_softmax(student_out / tau_s, dim=-1)  # (V_s, N, K)
    terms = []
    for t in range(p_t.shape[0]):
        for s in range(log_p_s.shape[0]):
            if s != t:
                terms.append(-(p_t[t] * log_p_s[s]).sum(-1).mean())
    loss = torch.stack(terms).mean()
    ### END SOLUTION
    return loss


def update_center(center, teacher_out, momentum=0.9):
    """The new centre: momentum * center + (1 - momentum) * the mean of teacher_out over all views and images.

    Inputs: center (K,); teacher_out (V_t, N, K). Returns (K,) (no gradient).
    """
    new_center = None
    ### BEGIN SOLUTION
    batch_mean = teacher_out.detach().reshape(-1, teacher_out.shape[-1]).mean(0)
    new_center = momentum * center + (1 - momentum) * batch_mean
    ### END SOLUTION
    return new_center


@torch.no_grad()
def momentum_update(teacher, student, momentum):
    """Exponential moving average of the weights, in place: teacher_p <- m * teacher_p + (1 - m) * student_p.

    Every parameter (named_parameters, same names in both); buffers (BatchNorm's running statistics) are left alone.
    """
    ### BEGIN SOLUTION
    student_params = dict(student.named_parameters())
    for name, p in teacher.named_parameters():
        p.mul_(momentum).add_(student_params[name].detach(), alpha=1 - momentum)
    ### END SOLUTION


def multi_crop(x, generator, n_local=4, local_size=16, global_scale=(0.4, 1.0), local_scale=(0.1, 0.4)):
    """DINO's views: 2 global crops (full size) and n_local small crops (local_size pixels), colour-jittered.

    Input x: (N, 3, H, W) in [0, 1]. Returns (globals list of 2 tensors (N, 3, H, W), locals list (N, 3, s, s)).
    """
    globals_ = [color_jitter(random_crop_flip(x, generator, scale=global_scale), generator) for _ in range(2)]
    locals_ = []
    for _ in range(n_local):
        v = color_jitter(random_crop_flip(x, generator, scale=local_scale), generator)
        locals_.append(F.interpolate(v, size=(local_size, local_size), mode="bilinear", align_corners=False))
    return globals_, locals_


def dino_step(student, teacher, center, x, optimizer, generator, n_local=4, tau_s=0.1, tau_t=0.04, m=0.996, m_c=0.9):
    """One DINO step on images x: views, losses, student update, teacher EMA, centre update. Returns (loss, center)."""
    if not isinstance(generator, torch.Generator):
        generator = torch.Generator().manual_seed(int(generator))
    globals_, locals_ = multi_crop(x, generator, n_local)
    with torch.no_grad():
        t_out = torch.stack([teacher(v) for v in globals_])  # (2, N, K)
    s_out = torch.stack([student(v) for v in globals_ + locals_])  # (2 + n_local, N, K)
    loss = dino_loss(s_out, t_out, center, tau_s, tau_t)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(student.parameters(), 3.0)
    optimizer.step()
    momentum_update(teacher, student, m)
    return loss.item(), update_center(center, t_out, m_c)


def train_dino(
    student,
    teacher,
    X,
    seconds,
    batch_size=128,
    lr=1e-3,
    warmup=0.05,
    m_start=0.996,
    seed=0,
    log=None,
    n_local=4,
    tau_s=0.1,
    tau_t=0.04,
    m_center=0.9,
    weight_decay=1e-4,
):
    """DINO training for a fixed time (given code): dino_step on random batches of X until `seconds` have passed.

    The schedules of the DINO paper, run on elapsed time instead of epochs: the learning rate warms up
    linearly over the first `warmup` share of the budget, then follows a cosine to 0; the teacher's
    momentum follows a cosine from m_start to 1 (the teacher changes less and less as training ends).

    Inputs:
    - student, teacher: DINONet and make_teacher(student)
    - X: float images (N, 3, H, W) in [0, 1]
    - seconds: the time budget; batch_size, lr, seed: as named
    - log: called as log(step, elapsed_seconds, loss) after each step, or None
    - n_local, tau_s, tau_t, m_center: dino_step's n_local, tau_s, tau_t, m_c; weight_decay: AdamW's
    Returns (losses list, the final centre (K,)).
    """
    optimizer = make_optimizer(student, lr=lr, weight_decay=weight_decay)
    center = torch.zeros(student.head[-1].out_features)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    losses, t0 = [], time.time()
    while (elapsed := time.time() - t0) < seconds:
        done = elapsed / seconds  # share of the budget used
        scale = done / warmup if done < warmup else 0.5 * (1 + math.cos(math.pi * (done - warmup) / (1 - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = lr * max(scale, 1e-3)
        m = 1 - (1 - m_start) * 0.5 * (1 + math.cos(math.pi * done))
        batch = torch.from_numpy(rng.choice(len(X), min(batch_size, len(X)), replace=False))
        loss, center = dino_step(
            student, teacher, center, X[batch], optimizer, gen, n_local, tau_s, tau_t, m=m, m_c=m_center
        )
        losses.append(loss)
        if log is not None:
            log(len(losses), time.time() - t0, loss)
    return losses, center
