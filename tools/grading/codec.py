"""The data-only wire format between the grader and the worker: JSON plus raw array bytes.

A message is one frame: an 8-byte header (two big-endian uint32: JSON length, blob length),
the JSON text, then the concatenated array bytes. Arrays travel as {"__a__": i, "dtype", "shape"}
whose dtype must be a plain numeric/bool/unicode dtype (never object, never structured), so
decoding cannot run code: nothing is pickled, no class is looked up by name. Kinds of values:
None, bool, int, float (NaN/inf included), str, list, tuple, dict (any such keys), ndarray,
numpy scalar, torch tensor (as its array, rebuilt only where torch is trusted) and handles
(references to objects that live in the worker). This file is copied into the worker's
runtime folder, so it imports only the standard library and numpy.
"""

import functools
import json
import struct
import sys

import numpy as np

ALLOWED_KINDS = "biufcU"
MAX_FRAME = 1 << 31  # bytes in one message


TORCH_DTYPES = ("float16 bfloat16 float32 float64 complex64 complex128 uint8 int8 int16 int32 int64 bool").split()


class WireError(Exception):
    """A message that is not valid data (malformed, a forbidden dtype, too large)."""


def check_dtype(name):
    try:
        dt = np.dtype(name)
    except (TypeError, ValueError) as e:
        raise WireError(f"bad dtype {name!r}: {e}")
    if dt.kind not in ALLOWED_KINDS or dt.hasobject or dt.fields is not None or dt.subdtype is not None:
        raise WireError(f"dtype {dt} is not allowed (only plain numeric, bool or unicode arrays)")
    return dt


class Encoder:
    """Turns a value into (JSON-able tree, list of arrays). `other(obj)` handles anything else."""

    def __init__(self, other=None, tensor=None):
        self.arrays = []
        self.other = other
        self.tensor = tensor  # obj -> ndarray or None (torch tensors)

    def _arr(self, a, tag="__a__"):
        shape = np.shape(a)
        a = np.ascontiguousarray(a).reshape(shape)  # ascontiguousarray makes 0-d arrays 1-d
        if a.dtype.kind not in ALLOWED_KINDS or a.dtype.hasobject or a.dtype.fields is not None:
            if self.other is None:
                raise WireError(f"cannot send an array of dtype {a.dtype}")
            return self.other(a)
        self.arrays.append(a)
        return {tag: len(self.arrays) - 1, "dtype": a.dtype.str, "shape": list(a.shape)}

    def enc(self, v):
        t = type(v)
        if v is None or t in (bool, int, str):
            return v
        if t is float:
            if v != v or v in (float("inf"), float("-inf")):
                return {"__f__": repr(v)}
            return v
        if t is list:
            return [self.enc(x) for x in v]
        if t is tuple:
            return {"__tuple__": [self.enc(x) for x in v]}
        if t is dict:
            if all(type(k) is str and not k.startswith("__") for k in v):
                return {k: self.enc(x) for k, x in v.items()}
            return {"__dict__": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if t is np.ndarray:
            return self._arr(v)
        if isinstance(v, np.generic) and type(v).__module__ == "numpy":
            return self._arr(np.asarray(v), "__s__")
        if isinstance(v, np.dtype):
            return {"__dt__": check_dtype(v).str}
        if isinstance(v, type) and issubclass(v, np.generic) and v.__module__ == "numpy":
            return {"__dt__": check_dtype(v).str, "cls": True}
        if t is functools.partial:
            return {"__partial__": [self.enc(v.func), self.enc(list(v.args)), self.enc(dict(v.keywords))]}
        torch = sys.modules.get("torch")
        if torch is not None:
            if isinstance(v, torch.dtype):
                return {"__tdt__": str(v).split(".")[-1]}
            if isinstance(v, torch.Generator):
                return {"__gen__": self.enc(v.get_state().numpy())}
            if isinstance(v, torch.device):
                return {"__dev__": "cpu"}
            if isinstance(v, torch.Tensor):
                tree = self._arr(self.tensor(v) if self.tensor else v.detach().cpu().numpy(), "__t__")
                if v.requires_grad:
                    tree["rg"] = True
                return tree
        if self.tensor is not None:
            arr = self.tensor(v)
            if arr is not None:
                return self._arr(arr, "__t__")
        if self.other is not None:
            return self.other(v)
        raise WireError(f"cannot send a value of type {t.__name__}")


def decode(tree, arrays, handle=None, tensor=None):
    """Rebuild a value from the JSON tree and the arrays; `handle(id, info)` makes handles."""

    def dec(v):
        if isinstance(v, list):
            return [dec(x) for x in v]
        if isinstance(v, dict):
            if "__a__" in v or "__s__" in v or "__t__" in v:
                key = "__a__" if "__a__" in v else ("__s__" if "__s__" in v else "__t__")
                i = v[key]
                if type(i) is not int or not 0 <= i < len(arrays):
                    raise WireError("bad array reference")
                a = arrays[i]
                if key == "__s__":
                    return a[()]
                if key == "__t__":
                    if tensor is None:
                        return a
                    out = tensor(a)
                    if v.get("rg") is True and a.dtype.kind in "fc":
                        out.requires_grad_(True)
                    return out
                return a
            if "__dt__" in v:
                dt = check_dtype(v["__dt__"])
                return dt.type if v.get("cls") is True else dt
            if "__tdt__" in v or "__gen__" in v or "__dev__" in v:
                import torch

                if "__tdt__" in v:
                    if v["__tdt__"] not in TORCH_DTYPES:
                        raise WireError("bad torch dtype")
                    return getattr(torch, v["__tdt__"])
                if "__dev__" in v:
                    return torch.device("cpu")
                st = dec(v["__gen__"])
                if not isinstance(st, np.ndarray) or st.dtype != np.uint8 or st.ndim != 1:
                    raise WireError("bad generator state")
                g = torch.Generator()
                g.set_state(torch.from_numpy(st.copy()))
                return g
            if "__partial__" in v:
                parts = v["__partial__"]
                if not isinstance(parts, list) or len(parts) != 3:
                    raise WireError("bad partial")
                f, a, k = dec(parts[0]), dec(parts[1]), dec(parts[2])
                if not callable(f) or not isinstance(a, list) or not isinstance(k, dict):
                    raise WireError("bad partial")
                return functools.partial(f, *a, **k)
            if "__f__" in v:
                if v["__f__"] not in ("nan", "inf", "-inf"):
                    raise WireError("bad float")
                return float(v["__f__"])
            if "__tuple__" in v:
                return tuple(dec(x) for x in v["__tuple__"])
            if "__dict__" in v:
                out = {}
                for k, x in v["__dict__"]:
                    k = dec(k)
                    if isinstance(k, list):
                        k = tuple(k)
                    out[k] = dec(x)
                return out
            if "__h__" in v:
                if handle is None:
                    raise WireError("unexpected handle")
                return handle(v["__h__"], v.get("info") or {})
            if "__ref__" in v:
                if handle is None:
                    raise WireError("unexpected reference")
                return handle(None, v)
            return {k: dec(x) for k, x in v.items()}
        if v is None or type(v) in (bool, int, float, str):
            return v
        raise WireError(f"bad value {type(v).__name__}")

    return dec(tree)


def pack(obj, arrays):
    """One frame: header, JSON, raw array bytes (each array's metadata is already in obj)."""
    blobs = [a.tobytes() for a in arrays]
    blob = b"".join(blobs)
    offsets = []
    o = 0
    for b in blobs:
        offsets.append(o)
        o += len(b)
    js = json.dumps({"m": obj, "off": offsets}, allow_nan=False).encode()
    if len(js) + len(blob) > MAX_FRAME:
        raise WireError("message too large")
    return struct.pack(">II", len(js), len(blob)) + js + blob


def _read_exact(f, n):
    chunks = []
    while n:
        b = f.read(n)
        if not b:
            raise EOFError("the other side closed the channel")
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def read_frame(f, max_bytes=MAX_FRAME):
    """(message, arrays) from a binary stream; validates every array's dtype and size."""
    head = _read_exact(f, 8)
    nj, nb = struct.unpack(">II", head)
    if nj + nb > max_bytes:
        raise WireError(f"message of {nj + nb} bytes is over the limit ({max_bytes})")
    try:
        outer = json.loads(_read_exact(f, nj))
    except ValueError as e:
        raise WireError(f"malformed message: {e}")
    blob = _read_exact(f, nb)
    if not isinstance(outer, dict) or not isinstance(outer.get("off"), list):
        raise WireError("malformed message")
    msg = outer.get("m")
    metas = []
    _collect_meta(msg, metas)
    metas.sort(key=lambda m: m[0])
    arrays = [None] * len(outer["off"])
    for i, meta in metas:
        if type(i) is not int or not 0 <= i < len(arrays) or arrays[i] is not None:
            raise WireError("bad array reference")
        dt = check_dtype(meta.get("dtype"))
        shape = meta.get("shape")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            raise WireError("bad array shape")
        n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        off = outer["off"][i]
        if type(off) is not int or off < 0 or off + n > len(blob):
            raise WireError("array bytes out of range")
        arrays[i] = (
            np.frombuffer(blob, dtype=dt, count=n // dt.itemsize if dt.itemsize else 0, offset=off)
            .reshape(shape)
            .copy()
        )
    if any(a is None for a in arrays):
        raise WireError("array without metadata")
    return msg, arrays


def _collect_meta(v, out):
    if isinstance(v, list):
        for x in v:
            _collect_meta(x, out)
    elif isinstance(v, dict):
        for key in ("__a__", "__s__", "__t__"):
            if key in v:
                out.append((v[key], v))
                return
        for x in v.values():
            _collect_meta(x, out)


def write_frame(f, obj, arrays):
    f.write(pack(obj, arrays))
    f.flush()
