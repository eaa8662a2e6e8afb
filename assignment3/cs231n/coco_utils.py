"""Loading the COCO captioning data (real or synthetic) with h5py: captions, features, vocabulary, URLs, images.

    from cs231n.coco_utils import load_coco_data, decode_captions, sample_coco_minibatch

    data = load_coco_data(pca_features=True)          # dict of arrays, see load_coco_data
    captions, features, urls = sample_coco_minibatch(data, batch_size=25, split="val")
    print(decode_captions(captions, data["idx_to_word"]))

The folder is `<data root>/coco_captioning` (data root: $CS231N_DATASETS, else the
repository's `datasets/`). Fetch it with `python datasets/get_datasets.py coco_captioning`;
offline, `python datasets/get_datasets.py coco_captioning --synthetic` writes a generated
stand-in (scenes of coloured shapes) in the same format, plus the images themselves.
"""

import json
import os
import urllib.request

import numpy as np

from cs231n.data_utils import datasets_root, is_synthetic

COCO_FOLDER = "coco_captioning"
FETCH_HINT = (
    "python datasets/get_datasets.py coco_captioning   "
    "(offline: python datasets/get_datasets.py coco_captioning --synthetic)"
)
_NOTIFIED = set()


class CocoDataError(ValueError):
    """A file of the captioning data is missing, truncated, corrupt or not in the expected format."""


def coco_dir():
    """Path of the coco_captioning folder under the data root (it may not exist yet)."""
    return os.path.join(datasets_root(), COCO_FOLDER)


def _broken(path, why):
    return CocoDataError(
        f"{path}: {why}. The captioning data looks damaged or incomplete: delete the folder "
        f"{os.path.dirname(path)} and fetch it again with: {FETCH_HINT}"
    )


def _read_h5(path, keys=None):
    """Dict name -> numpy array of the datasets in an h5 file (only `keys` if given); clear errors."""
    import h5py

    if not os.path.isfile(path):
        raise _broken(path, "file not found")
    out = {}
    try:
        with h5py.File(path, "r") as f:
            names = list(f.keys()) if keys is None else keys
            for k in names:
                if k not in f:
                    raise _broken(path, f"no dataset {k!r} in it (it has {sorted(f.keys())})")
                out[k] = np.asarray(f[k])
    except CocoDataError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as e:
        raise _broken(path, f"cannot be read as HDF5 ({type(e).__name__}: {e})") from None
    return out


def _read_lines(path):
    if not os.path.isfile(path):
        raise _broken(path, "file not found")
    with open(path, encoding="utf-8") as f:
        return np.asarray([line.strip() for line in f])


def load_coco_data(base_dir=None, max_train=None, pca_features=True):
    """Load the captioning data into a dict of numpy arrays (the course's format).

    Inputs:
    - base_dir: the coco_captioning folder (default: <data root>/coco_captioning)
    - max_train: if given, keep a random subset of this many training captions
      (drawn with np.random without replacement; seed np.random for a fixed subset)
    - pca_features: True for the 512-d PCA features, False for the 4096-d fc7 features

    Returns a dict with:
    - train_captions, val_captions: int32 (N, 17) word indices
      (<START> words <END>, padded with <NULL>)
    - train_image_idxs, val_image_idxs: int32 (N,), the image of each caption
    - train_features, val_features: float32 (N_img, 512) or (N_img, 4096)
    - idx_to_word: list of V words; word_to_idx: dict word -> index
      (0 <NULL>, 1 <START>, 2 <END>, 3 <UNK>)
    - train_urls, val_urls: (N_img,) strings, the image URLs
    - train_images, val_images: uint8 (N_img, H, W, 3), only when the folder holds them
      (the synthetic set does; the real one stores URLs only)
    Raises FileNotFoundError when the folder is missing and CocoDataError (naming the file
    and the fix) when a file is missing, truncated or malformed.
    """
    base_dir = coco_dir() if base_dir is None else os.fspath(base_dir)
    if not os.path.isdir(base_dir):
        raise FileNotFoundError(f"no captioning data at {base_dir}. Fetch it with: {FETCH_HINT}")
    key = os.path.abspath(base_dir)
    if is_synthetic(base_dir) and key not in _NOTIFIED:
        _NOTIFIED.add(key)
        print(
            f"NOTE: {base_dir} holds the SYNTHETIC captioning stand-in (generated scenes of "
            "coloured shapes, not COCO; BLEU scores on it are not COCO's)."
        )

    caption_file = os.path.join(base_dir, "coco2014_captions.h5")
    data = _read_h5(caption_file, ["train_captions", "train_image_idxs", "val_captions", "val_image_idxs"])
    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        feat_file = os.path.join(base_dir, f"{split}2014_vgg16_fc7{suffix}.h5")
        data[f"{split}_features"] = _read_h5(feat_file, ["features"])["features"]

    vocab_file = os.path.join(base_dir, "coco2014_vocab.json")
    if not os.path.isfile(vocab_file):
        raise _broken(vocab_file, "file not found")
    try:
        with open(vocab_file, encoding="utf-8") as f:
            vocab = json.load(f)
        data["idx_to_word"] = list(vocab["idx_to_word"])
        data["word_to_idx"] = {w: int(i) for w, i in vocab["word_to_idx"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise _broken(vocab_file, f"not the expected vocabulary JSON ({type(e).__name__}: {e})") from None

    for split in ("train", "val"):
        data[f"{split}_urls"] = _read_lines(os.path.join(base_dir, f"{split}2014_urls.txt"))
        image_file = os.path.join(base_dir, f"{split}2014_images.h5")
        if os.path.exists(image_file):
            data[f"{split}_images"] = _read_h5(image_file, ["images"])["images"]

    _check_consistent(data, base_dir)

    if max_train is not None:
        num_train = data["train_captions"].shape[0]
        assert 0 < max_train, f"max_train must be positive, got {max_train}"
        keep = np.random.choice(num_train, size=min(max_train, num_train), replace=False)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data


def _check_consistent(data, base_dir):
    """Shapes, dtypes and index ranges that every later step relies on; CocoDataError otherwise."""
    V = len(data["idx_to_word"])
    if data["idx_to_word"][:3] != ["<NULL>", "<START>", "<END>"]:
        raise _broken(
            os.path.join(base_dir, "coco2014_vocab.json"),
            f"the vocabulary should start with <NULL>, <START>, <END>, not {data['idx_to_word'][:3]}",
        )
    for split in ("train", "val"):
        caps, idxs, feats = data[f"{split}_captions"], data[f"{split}_image_idxs"], data[f"{split}_features"]
        where = os.path.join(base_dir, "coco2014_captions.h5")
        if caps.ndim != 2 or not np.issubdtype(caps.dtype, np.integer) or idxs.shape != caps.shape[:1]:
            raise _broken(
                where,
                f"{split}_captions {caps.shape} {caps.dtype} / {split}_image_idxs {idxs.shape} "
                "do not match (expected integer (N, T) and (N,))",
            )
        if caps.size and (caps.min() < 0 or caps.max() >= V):
            raise _broken(where, f"{split}_captions hold word indices outside [0, {V})")
        if feats.ndim != 2 or (idxs.size and (idxs.min() < 0 or idxs.max() >= feats.shape[0])):
            raise _broken(
                where, f"{split}_image_idxs point outside the {feats.shape[0]} images of {split}2014_vgg16_fc7*.h5"
            )
        if len(data[f"{split}_urls"]) != feats.shape[0]:
            raise _broken(
                os.path.join(base_dir, f"{split}2014_urls.txt"),
                f"{len(data[split + '_urls'])} URLs for {feats.shape[0]} images",
            )
        if f"{split}_images" in data and len(data[f"{split}_images"]) != feats.shape[0]:
            raise _broken(
                os.path.join(base_dir, f"{split}2014_images.h5"),
                f"{len(data[split + '_images'])} images for {feats.shape[0]} feature rows",
            )


def decode_captions(captions, idx_to_word):
    """Word indices -> strings: <NULL> is dropped and a caption ends at its first <END> (kept).

    Inputs:
    - captions: integer array of shape (N, T), or a single caption of shape (T,)
    - idx_to_word: list (or dict) mapping index -> word

    Returns a list of N strings (a single string for a single caption).
    """
    single = np.ndim(captions) == 1
    rows = np.atleast_2d(captions)
    decoded = []
    for row in rows:
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word == "<NULL>":
                continue
            words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch of captions with their images' features and URLs.

    Inputs:
    - data: dict from load_coco_data
    - batch_size: number of captions
    - split: 'train' or 'val'

    Returns a tuple of:
    - captions: int32 (batch_size, T)
    - image_features: (batch_size, D) features of each caption's image
    - urls: (batch_size,) URLs of those images
    """
    split_size = data[f"{split}_captions"].shape[0]
    mask = np.random.choice(split_size, batch_size)
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    image_features = data[f"{split}_features"][image_idxs]
    urls = data[f"{split}_urls"][image_idxs]
    return captions, image_features, urls


def image_from_url(url, timeout=10):
    """Download an image and return it as uint8 (H, W, 3), or None (with a message) when that fails."""
    try:
        from PIL import Image
        import io

        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return np.asarray(Image.open(io.BytesIO(resp.read())).convert("RGB"))
    except Exception as e:  # offline, HTTP error, not an image: the caller shows a placeholder
        print(f"could not fetch {url}: {type(e).__name__}: {e}")
        return None


def get_image(data, split, image_idx):
    """The image `image_idx` of a split: from data['<split>_images'] when stored, else fetched from its URL (or None)."""
    if f"{split}_images" in data:
        return data[f"{split}_images"][image_idx]
    return image_from_url(str(data[f"{split}_urls"][image_idx]))
