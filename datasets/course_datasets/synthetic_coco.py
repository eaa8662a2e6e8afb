"""Synthetic stand-in for the course's COCO captioning data: scenes of coloured shapes, their captions and features.

    python datasets/get_datasets.py coco_captioning --synthetic [--data-dir DIR]

writes DIR/coco_captioning/ with the real set's files, names and array formats:

    coco2014_captions.h5        train_captions int32 (N, 17), train_image_idxs int32 (N,),
                                val_captions int32 (M, 17), val_image_idxs int32 (M,)
    coco2014_vocab.json         {"idx_to_word": [...], "word_to_idx": {...}}
                                (0 <NULL>, 1 <START>, 2 <END>, 3 <UNK>, then the words)
    train2014_vgg16_fc7.h5      features float32 (N_img, 4096)
    train2014_vgg16_fc7_pca.h5  features float32 (N_img, 512)
    val2014_vgg16_fc7.h5, val2014_vgg16_fc7_pca.h5
    train2014_urls.txt, val2014_urls.txt   one line per image ("synthetic://train2014/000000.png")

plus what the real set does not have:

    train2014_images.h5, val2014_images.h5  images uint8 (N_img, 64, 64, 3) (the real set
                                            stores URLs; these let the notebooks show images offline)
    README.txt                              first line starts with SYNTHETIC

The scenes. Each 64x64 image shows two objects on a light background (its tint varies
per image), either side by side or one above the other (a few pixels of jitter, sizes
vary by a pixel). An object is one of 4 shapes (circle, square, triangle, diamond) in
one of 7 colours; 6 colours are in
the vocabulary, the rare 7th (magenta, ~4% of objects) is not, so its captions hold
<UNK> as rare words do in COCO. Each image has 4 captions, e.g. for a red circle left
of a blue square:

    a red circle left of a blue square        a red circle to the left of a blue square
    a blue square right of a red circle       a blue square to the right of a red circle

(vertical scenes use "above" / "on top of" / "below" / "under"; "an" goes before
"orange"). Captions are encoded like the real ones: <START> words <END>, padded with
<NULL> to 17 tokens.

The features, a fixed and documented stand-in for VGG-16 fc7:
    1. x = the image average-pooled 4x4 (16x16x3 = 768 values), scaled to [0, 1], minus 0.5
    2. fc7 = FC7_GAIN * relu(x @ P + c), FC7_GAIN = 5, P (768, 4096) ~ N(0, 4/768) and
       c ~ N(0, 0.25), both drawn from numpy's default_rng(PROJECTION_SEED) — the same for
       every run and every split (the gain gives values of a few units, as VGG's fc7 has)
    3. pca = (fc7 - mu) @ V[:, :512], mu and V the mean and principal directions of the
       first PCA_FIT training images' fc7 (signs fixed: largest |entry| of each column > 0)
Everything is deterministic given the seed and sizes.
"""

import json
import os

import numpy as np

IMG = 64  # image side in pixels
MAX_LEN = 17  # caption length with <START>, <END> and <NULL> padding (as in the real set)
FC7_DIM, PCA_DIM = 4096, 512
PROJECTION_SEED = 2311  # fixes the feature projection
PCA_FIT = 1024  # training images the PCA is fitted on
FC7_GAIN = 5.0  # scale of the fc7 stand-in
SPECIAL = ["<NULL>", "<START>", "<END>", "<UNK>"]
COLOURS = {  # name -> RGB; magenta is deliberately not in the vocabulary
    "red": (215, 35, 35),
    "green": (40, 170, 60),
    "blue": (40, 70, 215),
    "yellow": (235, 205, 30),
    "purple": (125, 45, 165),
    "orange": (245, 135, 25),
    "magenta": (245, 60, 235),
}
RARE_COLOUR = "magenta"
SHAPES = ["circle", "square", "triangle", "diamond"]
RELATIONS = {  # layout -> (phrases for first-before-second, phrases for second-before-first)
    "horizontal": (["left of", "to the left of"], ["right of", "to the right of"]),
    "vertical": (["above", "on top of"], ["below", "under"]),
}
WORDS = (
    ["a", "an"]
    + [c for c in COLOURS if c != RARE_COLOUR]
    + SHAPES
    + ["left", "right", "of", "to", "the", "above", "on", "top", "below", "under"]
)
DEFAULT_TRAIN_IMAGES, DEFAULT_VAL_IMAGES = 2000, 500


def vocabulary():
    """(idx_to_word list, word_to_idx dict): the 4 special tokens, then WORDS."""
    idx_to_word = SPECIAL + WORDS
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def _draw(img, shape, colour, cy, cx, r):
    """Paint one shape of radius r centred at (cy, cx) into img (H, W, 3) uint8, in place."""
    yy, xx = np.mgrid[0:IMG, 0:IMG]
    dy, dx = yy - cy, xx - cx
    if shape == "circle":
        mask = dy**2 + dx**2 <= r**2
    elif shape == "square":
        mask = (np.abs(dy) <= r * 0.85) & (np.abs(dx) <= r * 0.85)
    elif shape == "triangle":  # apex up, base at the bottom
        mask = (dy <= r * 0.8) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
    elif shape == "diamond":
        mask = np.abs(dy) + np.abs(dx) <= r
    else:
        raise ValueError(f"unknown shape {shape!r}")
    img[mask] = colour


def _article(colour):
    """'an' before a vowel ('an orange square'), else 'a' (also before the rare colour, as if unseen)."""
    return "an" if colour[0] in "aeiou" else "a"


def _scene(rng):
    """Random scene: (image uint8 (IMG, IMG, 3), list of 4 caption strings)."""
    names = [c for c in COLOURS if c != RARE_COLOUR]
    objs = []
    while len(objs) < 2:
        colour = RARE_COLOUR if rng.random() < 0.04 else names[rng.integers(len(names))]
        shape = SHAPES[rng.integers(len(SHAPES))]
        if (colour, shape) not in objs:
            objs.append((colour, shape))
    layout = "horizontal" if rng.random() < 0.5 else "vertical"
    img = np.empty((IMG, IMG, 3), dtype=np.uint8)
    img[:] = rng.integers(215, 250, size=3)  # a light background, tinted per image
    centres = [(32, 18), (32, 46)] if layout == "horizontal" else [(18, 32), (46, 32)]
    for (colour, shape), (cy, cx) in zip(objs, centres):
        jy, jx = rng.integers(-3, 4, size=2)
        _draw(img, shape, COLOURS[colour], cy + jy, cx + jx, 10 + rng.integers(-1, 2))
    (c1, s1), (c2, s2) = objs  # object 1 is left of / above object 2
    forward, backward = RELATIONS[layout]
    a1, a2 = _article(c1), _article(c2)
    captions = [f"{a1} {c1} {s1} {p} {a2} {c2} {s2}" for p in forward]
    captions += [f"{a2} {c2} {s2} {p} {a1} {c1} {s1}" for p in backward]
    return img, captions


def encode(caption, word_to_idx):
    """Caption string -> int32 (MAX_LEN,) row: <START> words <END> <NULL>...; unknown words -> <UNK>."""
    words = caption.split()
    assert len(words) <= MAX_LEN - 2, f"caption too long for {MAX_LEN} tokens: {caption!r}"
    ids = [word_to_idx["<START>"]] + [word_to_idx.get(w, word_to_idx["<UNK>"]) for w in words]
    ids += [word_to_idx["<END>"]]
    ids += [word_to_idx["<NULL>"]] * (MAX_LEN - len(ids))
    return np.array(ids, dtype=np.int32)


def make_split(num_images, seed, word_to_idx):
    """Images uint8 (num_images, IMG, IMG, 3), captions int32 (4*num_images, MAX_LEN), image_idxs int32, texts."""
    rng = np.random.default_rng(seed)
    images = np.empty((num_images, IMG, IMG, 3), dtype=np.uint8)
    caps, idxs, texts = [], [], []
    for i in range(num_images):
        images[i], captions = _scene(rng)
        for c in captions:
            caps.append(encode(c, word_to_idx))
            idxs.append(i)
            texts.append(c)
    # captions in shuffled order, as in the real file (image_idxs maps each to its image)
    order = rng.permutation(len(caps))
    return (images, np.stack(caps)[order], np.array(idxs, dtype=np.int32)[order], [texts[k] for k in order])


def projection():
    """The fixed feature projection (P (768, 4096), c (4096,)) — see the module docstring."""
    rng = np.random.default_rng(PROJECTION_SEED)
    d_in = (IMG // 4) * (IMG // 4) * 3
    P = rng.normal(0.0, np.sqrt(4.0 / d_in), size=(d_in, FC7_DIM)).astype(np.float32)
    c = rng.normal(0.0, 0.5, size=FC7_DIM).astype(np.float32)
    return P, c


def fc7_features(images, P, c):
    """Images uint8 (N, IMG, IMG, 3) -> float32 (N, 4096): FC7_GAIN * relu((pool4x4(images)/255 - 0.5) @ P + c)."""
    N = images.shape[0]
    x = images.reshape(N, IMG // 4, 4, IMG // 4, 4, 3).mean(axis=(2, 4), dtype=np.float32) / 255.0 - 0.5
    return (FC7_GAIN * np.maximum(x.reshape(N, -1) @ P + c, 0.0)).astype(np.float32)


def fit_pca(fc7):
    """Mean (4096,) and the top PCA_DIM principal directions (4096, PCA_DIM) of fc7 (N, 4096), signs fixed.

    Computed through the N x N Gram matrix (N <= PCA_FIT is much smaller than 4096), which
    gives the same directions as an SVD of the centred data at a fraction of the cost.
    With fewer than PCA_DIM images the missing directions are zero columns.
    """
    mu = fc7.mean(axis=0)
    Xc = (fc7 - mu).astype(np.float64)  # (N, 4096)
    evals, U = np.linalg.eigh(Xc @ Xc.T)  # ascending
    keep = np.argsort(evals)[::-1][:PCA_DIM]
    s = np.sqrt(np.maximum(evals[keep], 1e-12))
    V = (Xc.T @ U[:, keep]) / s  # (4096, k) orthonormal columns
    V *= np.where(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])] < 0, -1.0, 1.0)
    if V.shape[1] < PCA_DIM:  # tiny sets: fewer directions than 512
        V = np.concatenate([V, np.zeros((V.shape[0], PCA_DIM - V.shape[1]))], axis=1)
    return mu, V.astype(np.float32)


def write_synthetic_coco(dest, num_train=DEFAULT_TRAIN_IMAGES, num_val=DEFAULT_VAL_IMAGES, seed=0):
    """Write the synthetic set into the (new or empty) folder `dest` (see the module docstring).

    Inputs:
    - dest: folder to create; the caller renames it into place (writing is not atomic here)
    - num_train, num_val: number of images per split (4 captions each)
    - seed: scene seed (the feature projection has its own fixed seed)
    Returns dest.
    """
    import h5py

    assert num_train >= 10 and num_val >= 10, "need at least 10 images per split"
    os.makedirs(dest, exist_ok=True)
    idx_to_word, word_to_idx = vocabulary()
    P, c = projection()
    splits = {
        "train": make_split(num_train, seed * 2 + 1, word_to_idx),
        "val": make_split(num_val, seed * 2 + 2, word_to_idx),
    }
    fc7 = {s: fc7_features(splits[s][0], P, c) for s in splits}
    mu, V = fit_pca(fc7["train"][:PCA_FIT])
    with h5py.File(os.path.join(dest, "coco2014_captions.h5"), "w") as f:
        for s, (_, caps, idxs, _) in splits.items():
            f.create_dataset(f"{s}_captions", data=caps)
            f.create_dataset(f"{s}_image_idxs", data=idxs)
    with open(os.path.join(dest, "coco2014_vocab.json"), "w") as f:
        json.dump({"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}, f)
    for s, (images, _, _, _) in splits.items():
        with h5py.File(os.path.join(dest, f"{s}2014_vgg16_fc7.h5"), "w") as f:
            f.create_dataset("features", data=fc7[s], compression="gzip", compression_opts=1, shuffle=True)
        with h5py.File(os.path.join(dest, f"{s}2014_vgg16_fc7_pca.h5"), "w") as f:
            f.create_dataset("features", data=((fc7[s] - mu) @ V).astype(np.float32))
        with h5py.File(os.path.join(dest, f"{s}2014_images.h5"), "w") as f:
            f.create_dataset("images", data=images, compression="gzip", compression_opts=4, shuffle=True)
        with open(os.path.join(dest, f"{s}2014_urls.txt"), "w") as f:
            f.write("".join(f"synthetic://{s}2014/{i:06d}.png\n" for i in range(len(images))))
    with open(os.path.join(dest, "README.txt"), "w") as f:
        f.write(
            f"SYNTHETIC COCO captioning stand-in written by datasets/get_datasets.py --synthetic.\n"
            f"It holds {num_train} train and {num_val} val generated images of coloured shapes, 4 captions\n"
            f"each, in the real set's file format. It is NOT COCO: BLEU scores measured on it say\n"
            f"nothing about COCO. See datasets/synthetic_coco.py for how it is made.\n"
            f"images: train {num_train} val {num_val} seed {seed}\n"
        )
    return dest


def synthetic_sizes(folder):
    """(num_train, num_val, seed) from a synthetic folder's README.txt, or None."""
    try:
        with open(os.path.join(folder, "README.txt"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("images: "):
                    p = line.split()
                    return int(p[2]), int(p[4]), int(p[6])
    except (OSError, ValueError, IndexError):
        pass
    return None
