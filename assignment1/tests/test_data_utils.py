"""Tests of the given CIFAR-10 loader (cs231n/data_utils.py) on small generated CIFAR-format folders.

Given code, not graded: GRADED = False tells the release validator to skip this module
(it passes on the stub release by design), and every test is worth 0 points.
"""

import io
import os
import pickle
import struct

import numpy as np
import pytest

from cs231n import data_utils
from cs231n.data_utils import (
    CIFARFormatError,
    UnsafePickleError,
    get_CIFAR10_data,
    get_CIFAR10_raw,
    load_CIFAR10,
    load_CIFAR_batch,
)

GRADED = False
pytestmark = pytest.mark.points(0)

N = 20  # images per batch in the generated folders


class _Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 str opcodes, like the original CIFAR-10 files."""

    def _save_str2(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = _save_str2


def expected_label(g):
    return (7 * g + 3) % 10


def make_rows(start, n):
    """CIFAR rows for global indices start..start+n-1: R plane = g, G plane = pixel index % 256, B = 255 - g."""
    g = np.arange(start, start + n)
    R = np.repeat((g % 256)[:, None], 1024, axis=1)
    G = np.tile(np.arange(1024) % 256, (n, 1))
    B = 255 - R
    return np.concatenate([R, G, B], axis=1).astype(np.uint8), [int(expected_label(i)) for i in g]


def write_batch(path, rows, labels, style):
    if style in ("py2", "py2-numpy1-names"):
        d = {
            b"batch_label": b"training batch",
            b"labels": labels,
            b"data": rows,
            b"filenames": [b"img_%d.png" % i for i in range(len(labels))],
        }
        buf = io.BytesIO()
        _Py2Pickler(buf, protocol=2).dump(d)
        raw = buf.getvalue()
        if style == "py2-numpy1-names":  # as written by numpy 1.x (the original files)
            raw = raw.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
            assert b"cnumpy.core.multiarray\n_reconstruct" in raw
        with open(path, "wb") as f:
            f.write(raw)
    elif style == "py3-bytes-keys":
        with open(path, "wb") as f:
            pickle.dump({b"labels": labels, b"data": rows}, f, protocol=2)
    else:  # py3 str keys, newest protocol, numpy int labels
        with open(path, "wb") as f:
            pickle.dump({"labels": list(np.array(labels)), "data": rows}, f, protocol=5)


def make_folder(root, style="py2", n=N):
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    for b in range(5):
        rows, labels = make_rows(b * n, n)
        write_batch(os.path.join(folder, f"data_batch_{b + 1}"), rows, labels, style)
    rows, labels = make_rows(1000, n)
    write_batch(os.path.join(folder, "test_batch"), rows, labels, style)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        _Py2Pickler(f, protocol=2).dump(
            {b"label_names": [b"c%d" % i for i in range(10)], b"num_cases_per_batch": n, b"num_vis": 3072}
        )
    return folder


@pytest.fixture(params=["py2", "py2-numpy1-names", "py3-bytes-keys", "py3-str-keys"])
def folder(tmp_path, request):
    return make_folder(str(tmp_path), request.param)


def test_load_batch_shapes_and_layout(folder):
    X, y = load_CIFAR_batch(os.path.join(folder, "data_batch_2"))
    assert X.shape == (N, 32, 32, 3) and X.dtype == np.float64
    assert y.shape == (N,) and y.dtype == np.int64
    g = np.arange(N, 2 * N)
    np.testing.assert_array_equal(X[:, 5, 7, 0], g % 256)  # red plane
    np.testing.assert_array_equal(X[0, :, :, 1], (np.arange(1024) % 256).reshape(32, 32))  # row-major pixels
    np.testing.assert_array_equal(X[:, 0, 0, 2], 255 - g % 256)  # blue plane
    np.testing.assert_array_equal(y, expected_label(g))


def test_load_CIFAR10_order(folder):
    Xtr, ytr, Xte, yte = load_CIFAR10(folder)
    assert Xtr.shape == (5 * N, 32, 32, 3) and Xte.shape == (N, 32, 32, 3)
    g = np.arange(5 * N)
    np.testing.assert_array_equal(Xtr[:, 0, 0, 0], g % 256)
    np.testing.assert_array_equal(ytr, expected_label(g))
    np.testing.assert_array_equal(yte, expected_label(np.arange(1000, 1000 + N)))
    # the data root holding the folder is accepted too
    Xtr2, _, _, _ = load_CIFAR10(os.path.dirname(folder), dtype=np.uint8)
    assert Xtr2.dtype == np.uint8
    np.testing.assert_array_equal(Xtr2, Xtr)


def test_get_CIFAR10_data_splits_and_mean(folder):
    d = get_CIFAR10_data(num_training=60, num_validation=25, num_test=10, cifar10_dir=folder)
    assert set(d) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}
    assert d["X_train"].shape == (60, 3, 32, 32) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (25, 3, 32, 32) and d["X_test"].shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(d["y_train"], expected_label(np.arange(60)))
    np.testing.assert_array_equal(d["y_val"], expected_label(np.arange(60, 85)))
    np.testing.assert_array_equal(d["y_test"], expected_label(np.arange(1000, 1010)))
    # mean of the training images only, subtracted from every split
    mean_red = np.mean(np.arange(60) % 256)
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(d["X_val"][:, 0, 3, 3], np.arange(60, 85) % 256 - mean_red, atol=1e-4)
    np.testing.assert_allclose(d["X_test"][:, 2, 0, 0], 255 - np.arange(1000, 1010) % 256 - (255 - mean_red), atol=1e-4)
    raw = get_CIFAR10_data(num_training=60, num_validation=25, num_test=10, subtract_mean=False, cifar10_dir=folder)
    np.testing.assert_array_equal(raw["X_train"][:, 0, 0, 0], np.arange(60) % 256)  # channels first


def test_get_CIFAR10_raw(folder):
    d = get_CIFAR10_raw(num_training=50, num_validation=10, num_test=5, num_dev=8, cifar10_dir=folder)
    assert d["X_train"].shape == (50, 32, 32, 3) and d["X_dev"].shape == (8, 32, 32, 3)
    np.testing.assert_array_equal(d["X_val"][:, 0, 0, 0], np.arange(50, 60))
    assert set(d["X_dev"][:, 0, 0, 0]) <= set(range(50))


def test_data_root_from_environment(tmp_path, monkeypatch):
    make_folder(str(tmp_path))
    monkeypatch.setenv("CS231N_DATASETS", str(tmp_path))
    assert data_utils.cifar10_dir() == os.path.join(str(tmp_path), "cifar-10-batches-py")
    d = get_CIFAR10_data(num_training=40, num_validation=10, num_test=20)
    assert d["X_train"].shape == (40, 3, 32, 32)


def test_data_root_walks_up_to_datasets(monkeypatch):
    monkeypatch.delenv("CS231N_DATASETS", raising=False)
    root = data_utils.datasets_root()
    assert os.path.basename(root) == "datasets"
    assert os.path.isfile(os.path.join(root, "get_datasets.py"))


def test_too_many_examples_says_how_many(folder):
    with pytest.raises(ValueError, match=r"holds only 100"):
        get_CIFAR10_data(num_training=95, num_validation=10, num_test=5, cifar10_dir=folder)
    with pytest.raises(ValueError, match=r"holds only 20"):
        get_CIFAR10_data(num_training=10, num_validation=10, num_test=21, cifar10_dir=folder)


def test_missing_folder_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="get_datasets.py"):
        load_CIFAR10(str(tmp_path / "nothing-here"))


class _Payload:
    """Pickles to a call of os.system that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


class _EvalPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w').close()",))


@pytest.mark.parametrize("kind", ["top-level system", "nested system", "nested eval"])
def test_malicious_pickle_refused_and_nothing_runs(tmp_path, kind):
    folder = make_folder(str(tmp_path))
    marker = str(tmp_path / "PWNED")
    if kind == "top-level system":
        payload = pickle.dumps(_Payload(marker), protocol=2)
    elif kind == "nested system":
        rows, labels = make_rows(0, N)
        payload = pickle.dumps({b"data": rows, b"labels": labels, b"x": _Payload(marker)}, protocol=2)
    else:
        payload = pickle.dumps({b"labels": [_EvalPayload(marker)], b"data": b""}, protocol=4)
    # the payload is live: plain pickle would run it
    pickle.loads(payload)
    assert os.path.exists(marker)
    os.remove(marker)

    path = os.path.join(folder, "data_batch_1")
    with open(path, "wb") as f:
        f.write(payload)
    with pytest.raises(pickle.UnpicklingError) as exc:
        load_CIFAR_batch(path)
    assert isinstance(exc.value, UnsafePickleError)
    assert "data_batch_1" in str(exc.value)
    with pytest.raises(UnsafePickleError):
        load_CIFAR10(folder)
    assert not os.path.exists(marker), "the malicious pickle ran"


def test_truncated_batch_names_the_file(tmp_path):
    folder = make_folder(str(tmp_path))
    path = os.path.join(folder, "data_batch_3")
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(CIFARFormatError, match="data_batch_3"):
        load_CIFAR_batch(path)
    with pytest.raises(CIFARFormatError, match="data_batch_3"):
        load_CIFAR10(folder)


def test_garbage_and_wrong_contents_name_the_file(tmp_path):
    folder = make_folder(str(tmp_path))
    path = os.path.join(folder, "test_batch")
    with open(path, "wb") as f:
        f.write(b"\x00not a pickle at all" * 10)
    with pytest.raises(CIFARFormatError, match="test_batch"):
        load_CIFAR_batch(path)
    with open(path, "wb") as f:
        pickle.dump({b"data": np.zeros((3, 100), np.uint8), b"labels": [0, 1, 2]}, f, protocol=2)
    with pytest.raises(CIFARFormatError, match="test_batch"):
        load_CIFAR_batch(path)


def test_synthetic_folder_notice(tmp_path, capsys):
    folder = make_folder(str(tmp_path))
    with open(os.path.join(folder, "README.txt"), "w") as f:
        f.write("SYNTHETIC CIFAR-10 stand-in\n")
    assert data_utils.is_synthetic(folder)
    load_CIFAR10(folder)
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and len(out.strip().splitlines()) == 1
    assert not data_utils.is_synthetic(str(tmp_path))


class _Bomb:
    """Pickles as numpy.ndarray((100000, 3072), 'f8'): a 100-byte file asking for 2.4 GB."""

    def __reduce__(self):
        return (np.ndarray, ((100_000, 3072), "f8"))


def test_declared_sizes_checked_before_allocating(tmp_path):
    import tracemalloc

    folder = make_folder(str(tmp_path))
    path = os.path.join(folder, "data_batch_1")
    with open(path, "wb") as f:
        pickle.dump({"data": _Bomb(), "labels": [0]}, f, protocol=2)
    assert os.path.getsize(path) < 200
    tracemalloc.start()
    try:
        with pytest.raises(UnsafePickleError) as e:
            load_CIFAR_batch(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path in str(e.value) and "(100000, 3072)" in str(e.value)
    assert peak < 50e6, f"{peak:,} bytes allocated before refusing"


def test_ragged_data_and_array_meta_name_the_file(tmp_path):
    folder = make_folder(str(tmp_path))
    path = os.path.join(folder, "data_batch_2")
    with open(path, "wb") as f:
        pickle.dump({"data": [[1, 2, 3], [4]], "labels": [0, 1]}, f, protocol=2)
    with pytest.raises(CIFARFormatError) as e:
        load_CIFAR_batch(path)
    assert path in str(e.value)
    meta = os.path.join(folder, "batches.meta")
    for bad in (np.arange(10), {"label_names": np.arange(10)}, ["a"]):
        with open(meta, "wb") as f:
            pickle.dump(bad, f, protocol=2)
        with pytest.raises(CIFARFormatError) as e:
            data_utils.load_CIFAR10_meta(folder)
        assert meta in str(e.value)
