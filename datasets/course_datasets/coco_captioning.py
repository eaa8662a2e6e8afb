"""COCO captioning (the course's preprocessed set): download, verify (zip CRCs, members, arrays), extract atomically.

    python datasets/get_datasets.py coco_captioning              # download (about 1 GB)
    python datasets/get_datasets.py coco_captioning --synthetic  # generated stand-in, no network

The archive is the course's preprocessed set, https://cs231n.stanford.edu/coco_captioning.zip,
which unpacks to coco_captioning/ holding

    coco2014_captions.h5          train_captions / val_captions int32 (N, 17),
                                  train_image_idxs / val_image_idxs int32 (N,)
    coco2014_vocab.json           idx_to_word (list), word_to_idx (dict); <NULL> <START> <END> first
    train2014_vgg16_fc7.h5        features float32 (N_train_img, 4096)   (and val2014_...)
    train2014_vgg16_fc7_pca.h5    features float32 (N_train_img, 512)    (and val2014_...)
    train2014_urls.txt            one image URL per line                 (and val2014_...)

No checksum of the zip is published, so the download is verified by what can be checked:
the zip's own CRC-32 of every member (zipfile.testzip), the presence of the expected
members, and, after extraction into a temporary folder, the arrays' names, shapes and
dtypes and their mutual consistency (every image index points at a feature row, one URL
per image, word indices inside the vocabulary). Only then is the folder renamed into
place. Every read counts the bytes really inflated (not the sizes the zip declares):
more than inflate_cap() in all stops it: 20 times the zip's size (at least 64 MiB), at
most 4 GiB (the real set's features barely compress; it unpacks to about 1.1 GB). The download itself is core.download_any: resumable (`.part`), retried,
atomic. The array checks need h5py (the course's .venv has it); without it they are
skipped with a warning.
"""

import json
import os
import shutil
import sys
import zipfile

from . import core
from .spec import Dataset

URL = "https://cs231n.stanford.edu/coco_captioning.zip"
FILENAME = "coco_captioning.zip"
FOLDER = "coco_captioning"
REQUIRED = (
    "coco2014_captions.h5",
    "coco2014_vocab.json",
    "train2014_vgg16_fc7.h5",
    "val2014_vgg16_fc7.h5",
    "train2014_vgg16_fc7_pca.h5",
    "val2014_vgg16_fc7_pca.h5",
    "train2014_urls.txt",
    "val2014_urls.txt",
)
CAPTION_LEN = 17
MAX_INFLATED_BYTES = 4 << 30  # the real set inflates to ~1.1 GB; a zip bomb stops here at the latest
MAX_RATIO, MIN_CAP = 20, 64 << 20  # and at 20x the zip's own size (64 MiB for small zips)
FEATURE_DIMS = {"": 4096, "_pca": 512}


class CocoVerifyError(Exception):
    """The archive or the extracted files are not the captioning set we expect (message says what)."""


def _inflate_all(zf, path, cap):
    """Read every member to its end (zipfile checks each CRC-32 there), counting real inflated bytes.

    Returns the first member whose CRC is wrong, or None. Raises CocoVerifyError once more
    than `cap` bytes have come out, whatever the members declare.
    """
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            with zf.open(info) as f:
                while True:
                    block = f.read(1 << 20)
                    if not block:
                        break
                    total += len(block)
                    if total > cap:
                        raise CocoVerifyError(
                            f"{path}: inflates to more than {cap:,} bytes (stopped in {info.filename}); "
                            "the course's set is about 1.1 GB: not the captioning set"
                        )
        except zipfile.BadZipFile as e:
            if "CRC" in str(e):
                return info.filename
            raise
    return None


def inflate_cap(path):
    """The most bytes a zip of this size may inflate to: MAX_RATIO x its size, within [MIN_CAP, MAX_INFLATED_BYTES]."""
    return min(MAX_INFLATED_BYTES, max(MIN_CAP, MAX_RATIO * os.path.getsize(path)))


def verify_zip(path, cap=None):
    """Check a downloaded zip: readable, every member's CRC-32 right, every REQUIRED file present.

    Reads every member once, stopping after `cap` (default inflate_cap(path)) inflated
    bytes. Returns the list of member names. Raises CocoVerifyError naming the problem.
    """
    try:
        cap = inflate_cap(path) if cap is None else cap
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            have = {n.rstrip("/") for n in names}
            missing = [r for r in REQUIRED if f"{FOLDER}/{r}" not in have]
            if missing:
                raise CocoVerifyError(
                    f"{path}: lacks {', '.join(FOLDER + '/' + m for m in missing)}; "
                    "is it the course's coco_captioning.zip?"
                )
            bad = _inflate_all(zf, path, cap)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CocoVerifyError(f"{path}: not a readable zip archive ({e})") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as e:
        raise CocoVerifyError(f"{path}: cannot read the zip ({e})") from None
    if bad is not None:
        raise CocoVerifyError(f"{path}: member {bad} fails its CRC check (the download is corrupt)")
    return names


def verify_extracted(folder):
    """Check the arrays of an extracted coco_captioning folder; returns a summary dict.

    Checked: the caption file's four datasets (int32 captions of shape (N, 17), int32 image
    indices of shape (N,)), each feature file's `features` (float32, 4096 or 512 columns, the
    same number of rows in the fc7 and PCA files of a split), one URL per image, image
    indices inside [0, number of images), the vocabulary's keys, its first three tokens and
    word indices inside it. Raises CocoVerifyError naming the file; returns None (after a
    warning) when h5py is not installed.
    """
    try:
        import h5py
        import numpy as np
    except ImportError:
        print(
            "  note: h5py/numpy not available to this Python; array checks skipped "
            "(run with the course's .venv to have them)"
        )
        return None

    def fail(name, why):
        raise CocoVerifyError(f"{os.path.join(folder, name)}: {why}")

    vocab_path = os.path.join(folder, "coco2014_vocab.json")
    try:
        with open(vocab_path, encoding="utf-8") as f:
            vocab = json.load(f)
        idx_to_word, word_to_idx = vocab["idx_to_word"], vocab["word_to_idx"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail("coco2014_vocab.json", f"not the vocabulary JSON ({type(e).__name__}: {e})")
    V = len(idx_to_word)
    if idx_to_word[:3] != ["<NULL>", "<START>", "<END>"] or len(word_to_idx) != V:
        fail("coco2014_vocab.json", "idx_to_word must start with <NULL>, <START>, <END> and match word_to_idx")

    summary = {"vocab_size": V}
    rows = {}
    for split in ("train", "val"):
        for suffix, dim in FEATURE_DIMS.items():
            name = f"{split}2014_vgg16_fc7{suffix}.h5"
            try:
                with h5py.File(os.path.join(folder, name), "r") as f:
                    if "features" not in f:
                        fail(name, f"no 'features' dataset (it has {sorted(f.keys())})")
                    shape, dtype = f["features"].shape, f["features"].dtype
            except (OSError, KeyError, ValueError) as e:
                fail(name, f"cannot be read as HDF5 ({e})")
            if len(shape) != 2 or shape[1] != dim or dtype != np.float32:
                fail(name, f"features are {dtype} {shape}, expected float32 (N, {dim})")
            if rows.setdefault(split, shape[0]) != shape[0]:
                fail(name, f"{shape[0]} rows, but the other {split} feature file has {rows[split]}")
            summary[f"{split}_features{suffix}"] = tuple(shape)
        with open(os.path.join(folder, f"{split}2014_urls.txt"), encoding="utf-8", errors="replace") as f:
            n_urls = sum(1 for line in f if line.strip())
        if n_urls != rows[split]:
            fail(f"{split}2014_urls.txt", f"{n_urls} URLs for {rows[split]} images")

    name = "coco2014_captions.h5"
    try:
        with h5py.File(os.path.join(folder, name), "r") as f:
            for split in ("train", "val"):
                for key in (f"{split}_captions", f"{split}_image_idxs"):
                    if key not in f:
                        fail(name, f"no dataset {key!r} (it has {sorted(f.keys())})")
                caps, idxs = f[f"{split}_captions"], f[f"{split}_image_idxs"]
                if caps.dtype != np.int32 or len(caps.shape) != 2 or caps.shape[1] != CAPTION_LEN:
                    fail(name, f"{split}_captions is {caps.dtype} {caps.shape}, expected int32 (N, {CAPTION_LEN})")
                if idxs.dtype != np.int32 or idxs.shape != caps.shape[:1]:
                    fail(name, f"{split}_image_idxs is {idxs.dtype} {idxs.shape}, expected int32 ({caps.shape[0]},)")
                c, i = np.asarray(caps), np.asarray(idxs)
                if c.size and (c.min() < 0 or c.max() >= V):
                    fail(name, f"{split}_captions hold word indices outside the vocabulary [0, {V})")
                if i.size and (i.min() < 0 or i.max() >= rows[split]):
                    fail(name, f"{split}_image_idxs point outside the {rows[split]} {split} images")
                summary[f"{split}_captions"] = tuple(caps.shape)
    except (OSError, ValueError) as e:
        fail(name, f"cannot be read as HDF5 ({e})")
    return summary


def prepare(ds, root, args):
    """Download (or take the archive in place), verify, extract and place coco_captioning/.

    Inputs:
    - ds: the registry entry (url, filename, folder, required)
    - root: the data root
    - args: get_datasets' parsed arguments (force, keep_archive, retries, timeout, no_progress)
    Returns 'present', 'extracted' or 'downloaded'.
    """
    final = os.path.join(root, ds.folder)
    archive = os.path.join(root, ds.filename)
    core.remove_stale_temp(root, ds.folder)
    user_archive = os.path.isfile(archive)
    complete = core.is_complete(ds, final)
    synthetic_there = complete and core.is_synthetic_folder(final)
    if complete and not args.force and not (synthetic_there and user_archive):
        if synthetic_there:
            core.say(
                f"{ds.name}: the SYNTHETIC stand-in is in place at {final}; nothing to do.\n"
                f"  For the real data: once online run `python datasets/get_datasets.py {ds.name} --force`,\n"
                f"  or put {ds.filename} into {root} and run the command again."
            )
        else:
            core.say(f"{ds.name}: already present at {final}; nothing to do.")
        return "present"

    outcome = "extracted"
    if user_archive:
        core.say(f"{ds.name}: using the archive already in place: {archive}")
    else:
        core.say(
            f"{ds.name}: downloading {ds.url} (about 1 GB; no published checksum: the zip's CRCs "
            "and the arrays are checked instead)"
        )
        core.download_any(
            ds.urls, archive, None, None, retries=args.retries, timeout=args.timeout, progress=not args.no_progress
        )
        outcome = "downloaded"
    try:
        names = verify_zip(archive)
    except CocoVerifyError as e:
        if user_archive:
            raise core.DatasetError(f"{e}. Replace {archive} with a good copy (or delete it to download).") from None
        os.remove(archive)
        raise core.ChecksumError(f"{e}. The file was deleted; run the command again to download it afresh.") from None
    core.say(f"  zip OK: {len(names)} members, every CRC-32 right")

    tmp = core.temp_dir(root, ds.folder)
    try:
        core.safe_extract(archive, tmp, max_bytes=inflate_cap(archive))
        try:
            summary = verify_extracted(os.path.join(tmp, ds.folder))
        except CocoVerifyError as e:
            raise core.DatasetError(
                f"the archive's contents are not as expected: {e}. Delete {archive} and run the command again."
            ) from None
        if summary:
            core.say("  arrays OK: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        core.place_folder(os.path.join(tmp, ds.folder), final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not user_archive and not args.keep_archive:
        os.remove(archive)
    core.say(f"{ds.name}: ready at {final}")
    return outcome


def write_synthetic(dest, per_batch=None):
    """The synthetic hook: the generated set (synthetic_coco.py) into `dest`.

    per_batch (CIFAR-10's --synthetic-per-batch) does not apply and is ignored.
    """
    from .synthetic_coco import write_synthetic_coco

    return write_synthetic_coco(dest)


def synthetic_is_current(folder, per_batch=None):
    """True when `folder` already holds the synthetic set with the default sizes (nothing to rewrite)."""
    from .synthetic_coco import DEFAULT_TRAIN_IMAGES, DEFAULT_VAL_IMAGES, synthetic_sizes

    return synthetic_sizes(folder) == (DEFAULT_TRAIN_IMAGES, DEFAULT_VAL_IMAGES, 0)


def _needs_numpy(fn):
    """fn, with a missing numpy/h5py reported as a DatasetError that says how to run it."""

    def wrapped(*args):
        try:
            return fn(*args)
        except ImportError as e:
            raise core.DatasetError(
                f"the COCO captioning step needs numpy and h5py, which this Python ({sys.executable}) lacks "
                f"({e}).\nRun it with the course's .venv: `.venv/bin/python datasets/get_datasets.py "
                "coco_captioning`."
            ) from None

    return wrapped


DATASET = Dataset(
    name="coco_captioning",
    url=URL,
    filename=FILENAME,
    size=None,  # nothing published: verify_zip / verify_extracted check CRCs and arrays
    md5=None,
    folder=FOLDER,
    required=REQUIRED,
    synthetic=_needs_numpy(write_synthetic),
    synthetic_current=_needs_numpy(synthetic_is_current),
    prepare=_needs_numpy(prepare),
    notes="COCO 2014 captions with VGG-16 fc7 features, the course's preprocessed set (assignment 3; ~1 GB)",
)
