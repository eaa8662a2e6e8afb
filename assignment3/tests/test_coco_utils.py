"""Tests for the captioning data: load_coco_data on the generated set and on a hand-written one, decode_captions, corrupt files.

Given code, not graded: GRADED = False tells the release validator to skip this module
(these tests pass on the stub release too), but they guard the data pipeline.
"""

import json
import os
import sys

import numpy as np
import pytest

from cs231n.coco_utils import CocoDataError, decode_captions, load_coco_data, sample_coco_minibatch

GRADED = False
ASSIGNMENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the generator: datasets/ at the repository's top, or inside the assignment (release layout)
GENERATOR = os.path.join("course_datasets", "synthetic_coco.py")
DATASETS = next(
    (
        d
        for d in (os.path.join(os.path.dirname(ASSIGNMENT), "datasets"), os.path.join(ASSIGNMENT, "datasets"))
        if os.path.isfile(os.path.join(d, GENERATOR))
    ),
    os.path.join(ASSIGNMENT, "datasets"),
)


def _generator():
    """datasets/course_datasets/synthetic_coco.py, imported from the datasets folder found above."""
    if not os.path.isfile(os.path.join(DATASETS, GENERATOR)):
        pytest.skip("datasets/course_datasets/synthetic_coco.py not found (tests run outside the repository)")
    sys.path.insert(0, DATASETS)
    try:
        from course_datasets import synthetic_coco
    finally:
        sys.path.remove(DATASETS)
    return synthetic_coco


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    synthetic_coco = _generator()
    dest = str(tmp_path_factory.mktemp("coco") / "coco_captioning")
    synthetic_coco.write_synthetic_coco(dest, num_train=40, num_val=12, seed=3)
    return dest


def test_generated_set_shapes_and_dtypes(synth_dir):
    data = load_coco_data(synth_dir)
    assert data["train_captions"].shape == (160, 17) and data["train_captions"].dtype == np.int32
    assert data["val_captions"].shape == (48, 17) and data["val_captions"].dtype == np.int32
    assert data["train_image_idxs"].shape == (160,) and data["train_image_idxs"].dtype == np.int32
    assert data["train_features"].shape == (40, 512) and data["train_features"].dtype == np.float32
    assert data["val_features"].shape == (12, 512)
    assert data["train_urls"].shape == (40,) and data["val_urls"].shape == (12,)
    assert data["train_images"].shape == (40, 64, 64, 3) and data["train_images"].dtype == np.uint8
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    full = load_coco_data(synth_dir, pca_features=False)
    assert full["train_features"].shape == (40, 4096) and full["train_features"].dtype == np.float32
    assert np.all(full["train_features"] >= 0), "fc7 stand-in is a ReLU output"


def test_vocabulary_round_trip(synth_dir):
    data = load_coco_data(synth_dir)
    w2i, i2w = data["word_to_idx"], data["idx_to_word"]
    assert all(i2w[w2i[w]] == w for w in w2i) and len(w2i) == len(i2w)
    texts = decode_captions(data["train_captions"], i2w)
    for row, text in zip(data["train_captions"], texts):
        words = text.split()
        assert words[0] == "<START>" and words[-1] == "<END>" and "<NULL>" not in words
        again = [w2i[w] for w in words]
        assert np.array_equal(row[: len(again)], again) and np.all(row[len(again) :] == 0)
    assert decode_captions(data["train_captions"][0], i2w) == texts[0]  # single caption -> str


def test_generator_is_deterministic(synth_dir, tmp_path):
    synthetic_coco = _generator()
    again = str(tmp_path / "coco_captioning")
    synthetic_coco.write_synthetic_coco(again, num_train=40, num_val=12, seed=3)
    a, b = load_coco_data(synth_dir), load_coco_data(again)
    for k in ["train_captions", "val_image_idxs", "train_features", "val_images"]:
        assert np.array_equal(a[k], b[k]), f"{k} differs between two runs with the same seed"


def test_max_train_and_minibatch(synth_dir):
    np.random.seed(0)
    data = load_coco_data(synth_dir, max_train=25)
    assert data["train_captions"].shape == (25, 17) and data["train_image_idxs"].shape == (25,)
    caps, feats, urls = sample_coco_minibatch(data, batch_size=7, split="val")
    assert caps.shape == (7, 17) and feats.shape == (7, 512) and urls.shape == (7,)
    rows = [np.where((data["val_features"] == f).all(axis=1))[0] for f in feats]
    assert all(len(r) >= 1 for r in rows)


def _write_tiny_real_format(folder):
    """Two images, three captions, written by hand in the course's file layout."""
    import h5py

    os.makedirs(folder)
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "dog"]
    with open(os.path.join(folder, "coco2014_vocab.json"), "w") as f:
        json.dump({"idx_to_word": idx_to_word, "word_to_idx": {w: i for i, w in enumerate(idx_to_word)}}, f)
    caps = np.zeros((3, 17), dtype=np.int32)
    caps[0, :4] = [1, 4, 5, 2]  # <START> a cat <END>
    caps[1, :5] = [1, 4, 3, 6, 2]  # <START> a <UNK> dog <END>
    caps[2, :2] = [1, 2]
    with h5py.File(os.path.join(folder, "coco2014_captions.h5"), "w") as f:
        f["train_captions"], f["train_image_idxs"] = caps, np.array([0, 1, 1], dtype=np.int32)
        f["val_captions"], f["val_image_idxs"] = caps[:1], np.array([0], dtype=np.int32)
    for split in ("train", "val"):
        for suffix, dim in (("", 4096), ("_pca", 512)):
            with h5py.File(os.path.join(folder, f"{split}2014_vgg16_fc7{suffix}.h5"), "w") as f:
                f["features"] = np.ones((2, dim), dtype=np.float32)
        with open(os.path.join(folder, f"{split}2014_urls.txt"), "w") as f:
            f.write("http://example.org/1.jpg\nhttp://example.org/2.jpg\n")


def test_hand_written_real_layout(tmp_path):
    folder = str(tmp_path / "coco_captioning")
    _write_tiny_real_format(folder)
    data = load_coco_data(folder)
    assert "train_images" not in data  # the real set stores URLs only
    assert decode_captions(data["train_captions"], data["idx_to_word"]) == [
        "<START> a cat <END>",
        "<START> a <UNK> dog <END>",
        "<START> <END>",
    ]
    assert list(data["train_urls"]) == ["http://example.org/1.jpg", "http://example.org/2.jpg"]


def test_corrupt_h5_gives_clear_error(tmp_path):
    folder = str(tmp_path / "coco_captioning")
    _write_tiny_real_format(folder)
    path = os.path.join(folder, "coco2014_captions.h5")
    with open(path, "r+b") as f:  # truncate it
        f.truncate(os.path.getsize(path) // 3)
    with pytest.raises(CocoDataError) as err:
        load_coco_data(folder)
    msg = str(err.value)
    assert "coco2014_captions.h5" in msg and "get_datasets.py coco_captioning" in msg
    with open(os.path.join(folder, "train2014_vgg16_fc7_pca.h5"), "wb") as f:
        f.write(b"not an hdf5 file at all")
    _write_tiny_real_format(str(tmp_path / "again"))
    os.replace(
        os.path.join(folder, "train2014_vgg16_fc7_pca.h5"),
        os.path.join(str(tmp_path / "again"), "train2014_vgg16_fc7_pca.h5"),
    )
    with pytest.raises(CocoDataError, match="train2014_vgg16_fc7_pca.h5"):
        load_coco_data(str(tmp_path / "again"))


def test_missing_pieces(tmp_path):
    with pytest.raises(FileNotFoundError, match="get_datasets.py coco_captioning"):
        load_coco_data(str(tmp_path / "nowhere"))
    folder = str(tmp_path / "coco_captioning")
    _write_tiny_real_format(folder)
    os.remove(os.path.join(folder, "val2014_urls.txt"))
    with pytest.raises(CocoDataError, match="val2014_urls.txt"):
        load_coco_data(folder)
