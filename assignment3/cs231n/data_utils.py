"""Loading CIFAR-10 safely: a restricted unpickler, the course's splits, and where the data lives.

    from cs231n.data_utils import get_CIFAR10_data, load_CIFAR10, get_CIFAR10_raw, cifar10_dir

    data = get_CIFAR10_data()                    # nets: channels-first float32, mean subtracted
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir())   # (N, 32, 32, 3) float64
    raw = get_CIFAR10_raw(num_training=5000, num_test=500)           # kNN / linear notebooks

Where the data lives: `$CS231N_DATASETS` if set, else the nearest folder named
`datasets` that holds `get_datasets.py`, looking upwards from this package (the
repository's top, or the top of a release folder). Fetch it with
`python datasets/get_datasets.py` (or `make data`).

The CIFAR-10 batches are pickles. Unpickling an arbitrary file can run arbitrary code,
so batches are read with an unpickler that admits only what the real files contain:
dicts, lists, strings, numbers and numpy array reconstruction. Anything else (for
example a pickle whose reduce calls os.system) raises UnsafePickleError before any of
it runs.
"""

import os
import pickle

import numpy as np

CIFAR10_FOLDER = "cifar-10-batches-py"
FETCH_HINT = "python datasets/get_datasets.py   (or `make data`; offline: add --synthetic)"
_NOTIFIED = set()


class UnsafePickleError(pickle.UnpicklingError):
    """The file asks the unpickler for something the CIFAR-10 files never contain."""


class CIFARFormatError(ValueError):
    """A CIFAR-10 batch file is truncated, corrupt or not in the expected format."""


# --------------------------------------------------------------------------- restricted unpickling


def _numpy_globals():
    """(module, name) -> object for the numpy pieces CIFAR-10 pickles reference, under old and new names."""
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]  # multiarray._reconstruct
    scalar = np.float64(0).__reduce__()[0]  # multiarray.scalar
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]  # numeric._frombuffer
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for pkg in ("numpy.core", "numpy._core"):
        allowed[(pkg + ".multiarray", "_reconstruct")] = reconstruct
        allowed[(pkg + ".multiarray", "scalar")] = scalar
        allowed[(pkg + ".numeric", "_frombuffer")] = frombuffer
    # Python 3 protocol-2 pickles store bytes as _codecs.encode(str, 'latin1').
    import codecs

    allowed[("_codecs", "encode")] = codecs.encode
    return allowed


_ALLOWED_GLOBALS = _numpy_globals()


def _declared_bytes(shape, dtype):
    """Bytes an array of `shape` and `dtype` would take (a huge value for nonsense shapes)."""
    try:
        n = 1
        for d in shape if isinstance(shape, (tuple, list)) else (shape,):
            n *= max(int(d), 0)
        return n * np.dtype(dtype).itemsize
    except (TypeError, ValueError):
        return 0  # numpy itself refuses it


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in _ALLOWED_GLOBALS (never imports anything).

    With `max_bytes`, any array the pickle asks numpy to allocate (ndarray(shape, dtype),
    _reconstruct, _frombuffer) may declare at most that many bytes: a real file holds its
    arrays' bytes, so a few hundred bytes cannot honestly ask for gigabytes.
    """

    def __init__(self, f, max_bytes=None, **kw):
        super().__init__(f, **kw)
        self.max_bytes = max_bytes

    def _check(self, shape, dtype, what):
        if self.max_bytes is not None and _declared_bytes(shape, dtype) > self.max_bytes:
            raise UnsafePickleError(
                f"{what} declares an array of shape {tuple(shape) if isinstance(shape, (tuple, list)) else shape} "
                f"({_declared_bytes(shape, dtype):,} bytes), more than the file itself could hold "
                f"({self.max_bytes:,} bytes): not a CIFAR-10 batch. Nothing was allocated."
            )

    def find_class(self, module, name):
        try:
            obj = _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load {module}.{name}: CIFAR-10 files contain only arrays, lists, "
                "dicts, strings and numbers, so this file is not a CIFAR-10 batch (it may be "
                "malicious). Nothing from it was run."
            ) from None
        if obj is np.ndarray:

            def ndarray(shape, dtype=float, *a, **k):
                self._check(shape, dtype, "numpy.ndarray(...)")
                return np.ndarray(shape, dtype, *a, **k)

            return ndarray
        if name == "_reconstruct":

            def reconstruct(subtype, shape, dtype):
                self._check(shape, dtype, "an array")
                if not isinstance(subtype, type):  # the pickle's numpy.ndarray came back as the checked wrapper
                    subtype = np.ndarray
                return obj(subtype, shape, dtype)

            return reconstruct
        if name == "_frombuffer":

            def frombuffer(buf, dtype, shape, order):
                self._check(shape, dtype, "an array")
                return obj(buf, dtype, shape, order)

            return frombuffer
        return obj

    def persistent_load(self, pid):
        raise UnsafePickleError("refusing persistent ids: not a CIFAR-10 batch")


def safe_load_pickle(f, max_bytes=None):
    """Unpickle a CIFAR-10 style file object with the restricted unpickler.

    Python 2 strings (as in the original files) are decoded as latin-1, so keys come
    back as str; Python 3 pickles with bytes keys are accepted too. Dict keys that are
    bytes are decoded to str, so callers always see 'data', 'labels', ...
    max_bytes: the most bytes any one array may declare (default: the file's size plus
    64 KiB when `f` is a real file; None for other file objects).
    """
    if max_bytes is None:
        try:
            max_bytes = os.fstat(f.fileno()).st_size + (1 << 16)
        except (AttributeError, OSError, ValueError):
            max_bytes = None
    obj = _RestrictedUnpickler(f, max_bytes=max_bytes, encoding="latin1").load()
    if isinstance(obj, dict):
        obj = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}
    return obj


# --------------------------------------------------------------------------- where the data lives


def datasets_root(start=None):
    """The data root: $CS231N_DATASETS, else the nearest `datasets/` holding get_datasets.py above `start`.

    Inputs:
    - start: folder to look upwards from (default: the folder of this file)
    Returns an absolute path. Raises FileNotFoundError (saying what to do) when neither exists.
    """
    env = os.environ.get("CS231N_DATASETS")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    here = os.path.abspath(start or os.path.dirname(os.path.abspath(__file__)))
    d = here
    while True:
        candidate = os.path.join(d, "datasets")
        if os.path.isfile(os.path.join(candidate, "get_datasets.py")):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    raise FileNotFoundError(
        f"cannot find the data root: $CS231N_DATASETS is not set and no folder above {here} "
        "holds datasets/get_datasets.py. Set CS231N_DATASETS to the folder that holds "
        "cifar-10-batches-py/ (or run from the course repository)."
    )


def cifar10_dir():
    """Path of the cifar-10-batches-py folder under the data root (it may not exist yet)."""
    return os.path.join(datasets_root(), CIFAR10_FOLDER)


def is_synthetic(folder):
    """True when `folder` holds a generated stand-in (README.txt starting with SYNTHETIC)."""
    try:
        with open(os.path.join(folder, "README.txt"), encoding="utf-8", errors="replace") as f:
            return f.readline().startswith("SYNTHETIC")
    except OSError:
        return False


def _notice_if_synthetic(folder):
    key = os.path.abspath(folder)
    if is_synthetic(folder) and key not in _NOTIFIED:
        _NOTIFIED.add(key)
        print(
            f"NOTE: {folder} holds the SYNTHETIC CIFAR-10 stand-in (generated images, not the "
            "real dataset; accuracies are not CIFAR-10's). Real data: " + FETCH_HINT.split("   ")[0]
        )


def _resolve_folder(ROOT):
    """ROOT as given, or its cifar-10-batches-py subfolder, or the default; checks it exists."""
    folder = cifar10_dir() if ROOT is None else os.fspath(ROOT)
    if not os.path.isfile(os.path.join(folder, "data_batch_1")) and os.path.isfile(
        os.path.join(folder, CIFAR10_FOLDER, "data_batch_1")
    ):
        folder = os.path.join(folder, CIFAR10_FOLDER)  # given the data root instead
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"no CIFAR-10 folder at {folder}. Fetch it with: {FETCH_HINT}")
    return folder


# --------------------------------------------------------------------------- loading


def _load_batch_uint8(filename):
    """One batch file -> (X uint8 of shape (N, 32, 32, 3), y int64 of shape (N,))."""
    try:
        with open(filename, "rb") as f:
            d = safe_load_pickle(f)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"missing CIFAR-10 file {filename}. Fetch the dataset again with: {FETCH_HINT}"
        ) from None
    except UnsafePickleError as e:
        raise UnsafePickleError(f"{filename}: {e}") from None
    except (
        EOFError,
        pickle.UnpicklingError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        MemoryError,
        UnicodeDecodeError,
    ) as e:
        raise CIFARFormatError(
            f"{filename} is truncated or corrupt ({type(e).__name__}: {e}). Delete the "
            f"{os.path.basename(os.path.dirname(os.path.abspath(filename)))} folder and fetch it again "
            f"with: {FETCH_HINT}"
        ) from None
    if not isinstance(d, dict) or "data" not in d or "labels" not in d:
        raise CIFARFormatError(
            f"{filename} is not a CIFAR-10 batch (expected a dict with 'data' and "
            f"'labels'). Fetch the dataset again with: {FETCH_HINT}"
        )
    try:
        data = np.asarray(d["data"])
        labels = np.asarray(d["labels"])
    except (ValueError, TypeError, OverflowError, MemoryError) as e:  # ragged or mixed lists
        raise CIFARFormatError(
            f"{filename}: 'data' or 'labels' is not a regular array ({type(e).__name__}: {e}). "
            f"Fetch the dataset again with: {FETCH_HINT}"
        ) from None
    if (
        data.ndim != 2
        or data.shape[1] != 3072
        or labels.shape != (data.shape[0],)
        or data.dtype != np.uint8
        or labels.dtype.kind not in "iu"
    ):
        raise CIFARFormatError(
            f"{filename}: unexpected contents (data {data.dtype} {data.shape}, labels {labels.dtype} "
            f"{labels.shape}; expected uint8 (N, 3072) and N integer labels). Fetch the dataset again "
            f"with: {FETCH_HINT}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise CIFARFormatError(f"{filename}: labels outside 0..9")
    X = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # channel-major rows -> (N, H, W, C)
    return X, labels.astype(np.int64)


def load_CIFAR_batch(filename):
    """Load a single CIFAR-10 batch file.

    Inputs:
    - filename: path of data_batch_i or test_batch
    Returns a tuple of:
    - X: float64 array of shape (N, 32, 32, 3), pixel values 0..255
    - y: int64 array of shape (N,), labels 0..9
    Raises CIFARFormatError (naming the file) if it is truncated or corrupt, and
    UnsafePickleError if it asks for anything a CIFAR-10 file never holds.
    """
    X, y = _load_batch_uint8(filename)
    return X.astype(np.float64), y


def _load_CIFAR10_uint8(folder):
    """All six batches as uint8: (Xtr (N, 32, 32, 3), ytr, Xte, yte)."""
    _notice_if_synthetic(folder)
    xs, ys = [], []
    for b in range(1, 6):
        X, y = _load_batch_uint8(os.path.join(folder, f"data_batch_{b}"))
        xs.append(X)
        ys.append(y)
    Xtr, ytr = np.concatenate(xs), np.concatenate(ys)
    Xte, yte = _load_batch_uint8(os.path.join(folder, "test_batch"))
    return Xtr, ytr, Xte, yte


def load_CIFAR10(ROOT=None, dtype=np.float64):
    """Load all of CIFAR-10 (the 5 training batches, then the test batch), in file order.

    Inputs:
    - ROOT: the cifar-10-batches-py folder (the data root holding it works too);
      None means cifar10_dir()
    - dtype: dtype of the images (float64 as in the course; np.uint8 keeps the raw bytes
      and uses an eighth of the memory)
    Returns a tuple of:
    - Xtr: array of shape (N_train, 32, 32, 3), pixel values 0..255 (50,000 images for the real data)
    - ytr: int64 array of shape (N_train,)
    - Xte: array of shape (N_test, 32, 32, 3)
    - yte: int64 array of shape (N_test,)
    """
    Xtr, ytr, Xte, yte = _load_CIFAR10_uint8(_resolve_folder(ROOT))
    return Xtr.astype(dtype, copy=False), ytr, Xte.astype(dtype, copy=False), yte


def _check_counts(folder, n_train_avail, n_test_avail, num_training, num_validation, num_test):
    for name, v in (("num_training", num_training), ("num_validation", num_validation), ("num_test", num_test)):
        if int(v) != v or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    kind = "synthetic stand-in" if is_synthetic(folder) else "dataset"
    if num_training + num_validation > n_train_avail:
        raise ValueError(
            f"asked for num_training={num_training} + num_validation={num_validation} = "
            f"{num_training + num_validation} training images, but the {kind} at {folder} holds only "
            f"{n_train_avail}. Ask for fewer (e.g. with cs231n.smoke.pick) or fetch the real CIFAR-10 "
            f"(50,000): {FETCH_HINT.split('   ')[0]}"
        )
    if num_test > n_test_avail:
        raise ValueError(
            f"asked for num_test={num_test} test images, but the {kind} at {folder} holds only "
            f"{n_test_avail}. Ask for fewer or fetch the real CIFAR-10 (10,000 test images)."
        )


def get_CIFAR10_raw(
    num_training=49000, num_validation=1000, num_test=1000, num_dev=0, dtype=np.float64, cifar10_dir=None, seed=0
):
    """The course's splits as raw images (no mean subtraction, channels last), for assignment 1's notebooks.

    Training images are the first num_training of the 50,000, validation the next
    num_validation, test the first num_test of the test batch (the course's split).
    A dev set (a small random subset of the training images, for quick experiments)
    is added when num_dev > 0.

    Inputs:
    - num_training, num_validation, num_test, num_dev: split sizes
    - dtype: dtype of the image arrays (cast after slicing, so memory stays small)
    - cifar10_dir: the cifar-10-batches-py folder; None means the default data root
    - seed: seed of the dev subset
    Returns a dict with:
    - 'X_train': (num_training, 32, 32, 3), 'y_train': (num_training,) int64
    - 'X_val': (num_validation, 32, 32, 3), 'y_val': (num_validation,)
    - 'X_test': (num_test, 32, 32, 3), 'y_test': (num_test,)
    - 'X_dev', 'y_dev' (only if num_dev > 0): (num_dev, 32, 32, 3), (num_dev,)
    """
    folder = _resolve_folder(cifar10_dir)
    Xtr, ytr, Xte, yte = _load_CIFAR10_uint8(folder)
    _check_counts(folder, Xtr.shape[0], Xte.shape[0], num_training, num_validation, num_test)
    n, v = num_training, num_validation
    out = {
        "X_train": Xtr[:n].astype(dtype),
        "y_train": ytr[:n].copy(),
        "X_val": Xtr[n : n + v].astype(dtype),
        "y_val": ytr[n : n + v].copy(),
        "X_test": Xte[:num_test].astype(dtype),
        "y_test": yte[:num_test].copy(),
    }
    if num_dev:
        if num_dev > n:
            raise ValueError(
                f"num_dev={num_dev} is larger than num_training={n}; the dev set is drawn from the training images"
            )
        idx = np.random.default_rng(seed).choice(n, num_dev, replace=False)
        out["X_dev"], out["y_dev"] = Xtr[idx].astype(dtype), ytr[idx].copy()
    return out


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, cifar10_dir=None):
    """CIFAR-10 prepared for the neural-network notebooks.

    Splits as in get_CIFAR10_raw; with subtract_mean the mean training image
    (computed on the num_training training images only) is subtracted from every split.
    Images come back channels-first, as the layers expect.

    Inputs:
    - num_training, num_validation, num_test: split sizes (their sum of training and
      validation must not exceed the training images available)
    - subtract_mean: subtract the mean training image
    - cifar10_dir: the cifar-10-batches-py folder; None means the default data root
    Returns a dict with:
    - 'X_train': float32 (num_training, 3, 32, 32), 'y_train': int64 (num_training,)
    - 'X_val': float32 (num_validation, 3, 32, 32), 'y_val': int64 (num_validation,)
    - 'X_test': float32 (num_test, 3, 32, 32), 'y_test': int64 (num_test,)
    """
    raw = get_CIFAR10_raw(num_training, num_validation, num_test, dtype=np.float32, cifar10_dir=cifar10_dir)
    if subtract_mean and num_training > 0:
        mean_image = raw["X_train"].mean(axis=0, dtype=np.float64).astype(np.float32)  # (32, 32, 3)
        for k in ("X_train", "X_val", "X_test"):
            raw[k] -= mean_image
    out = {}
    for split in ("train", "val", "test"):
        out["X_" + split] = np.ascontiguousarray(raw["X_" + split].transpose(0, 3, 1, 2))  # (N, C, H, W)
        out["y_" + split] = raw["y_" + split]
    return out


def load_CIFAR10_meta(ROOT=None):
    """The label names from batches.meta, e.g. ['airplane', 'automobile', ...]."""
    folder = _resolve_folder(ROOT)
    path = os.path.join(folder, "batches.meta")
    try:
        with open(path, "rb") as f:
            meta = safe_load_pickle(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}. Fetch the dataset again with: {FETCH_HINT}") from None
    except UnsafePickleError as e:
        raise UnsafePickleError(f"{path}: {e}") from None
    except (EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise CIFARFormatError(f"{path} is corrupt ({e}). Fetch the dataset again with: {FETCH_HINT}") from None
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, (str, bytes)) for n in names):
        raise CIFARFormatError(
            f"{path} is not CIFAR-10's batches.meta (expected a dict whose 'label_names' is a list of "
            f"strings, got {type(meta).__name__}). Fetch the dataset again with: {FETCH_HINT}"
        )
    return [n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names]


CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
