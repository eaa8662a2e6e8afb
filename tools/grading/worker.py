"""The grading worker: the only process that imports and runs submitted code; it answers data-only requests.

Started by tools/grading/client.py (already contained by sandbox.py: own user, limits, scratch
folder as working directory); reads requests from fd 3 and writes replies to fd 4 in the
codec.py format. It is copied, with codec.py, into a runtime folder the worker may read, so
it imports nothing from the grader. Requests (JSON "op"):

    resolve  path                      what a dotted name is: data (its value), an exception class,
                                       or something callable / a module (a reference)
    call     target [attr] args kwargs call a function, a class, or a method of a held object
    getattr  target name               an attribute (data comes back as data, objects as handles)
    setattr  target name value
    item     target key / setitem / len / iter / helper (a test-side helper run here)

Every reply carries what the code printed during the request (capped) and the new values of
the attributes the grader mirrors (so in-place changes such as a Solver's state or a model's
params come back explicitly); every request may carry the grader's changes to them ("push").
"""

import builtins
import copy
import importlib
import io
import os
import sys
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves the script's folder out
import codec  # noqa: E402

OUT_CAP = 20000  # characters of printed output returned per request

_objects = {}  # handle id -> object
_ids = {}  # id(object) -> handle id
_mirrors = {}  # "hid:name" -> deep copy of the last value sent
_next = [1]
_torch = [None]


class _Cap(io.TextIOBase):
    """A print target that keeps the first OUT_CAP characters and counts the rest."""

    def __init__(self):
        self.parts, self.n, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = OUT_CAP - self.n
        if room > 0:
            self.parts.append(s[:room])
            self.n += min(len(s), room)
        self.dropped += max(len(s) - max(room, 0), 0)
        return len(s)

    def text(self):
        t = "".join(self.parts)
        return t + (f"\n... [{self.dropped} more characters of output dropped]" if self.dropped else "")


def _tensor_to_array(v):
    t = sys.modules.get("torch")
    if t is not None and isinstance(v, t.Tensor):
        v = v.detach().cpu()
        if v.dtype == t.bfloat16 or v.dtype == t.float16:
            v = v.float()
        return v.numpy()
    return None


def _array_to_tensor(a):
    _load_torch()
    return _torch[0].from_numpy(np.array(a))


def _load_torch():
    if _torch[0] is None:
        import torch

        _torch[0] = torch
    return _torch[0]


def _handle(obj):
    key = id(obj)
    hid = _ids.get(key)
    if hid is None or _objects.get(hid) is not obj:
        hid = _next[0]
        _next[0] += 1
        _objects[hid] = obj
        _ids[key] = hid
    info = {"type": type(obj).__name__, "callable": callable(obj)}
    try:
        info["mro"] = [f"{c.__module__}:{c.__qualname__}" for c in type(obj).__mro__][:50]
    except Exception:
        info["mro"] = []
    try:
        info["methods"] = sorted(
            n for n in dir(type(obj)) if not n.startswith("__") and callable(getattr(type(obj), n, None))
        )[:500]
    except Exception:
        info["methods"] = []
    if isinstance(obj, type) and issubclass(obj, BaseException):
        info["exception"] = _exc_names(obj)
    return {"__h__": hid, "info": info}


def _exc_names(cls):
    return [f"{c.__module__}.{c.__qualname__}" for c in cls.__mro__]


def _other(v):
    if isinstance(v, np.ndarray):  # a subclass or an odd dtype: send a plain copy if it is numeric
        a = np.asarray(v)
        if a.dtype.kind in codec.ALLOWED_KINDS and not a.dtype.hasobject:
            return enc.enc(np.array(a))
        return _handle(v)
    if isinstance(v, dict) and type(v).__module__ in ("collections", "builtins"):
        return enc.enc(dict(v))
    return _handle(v)


class _Enc(codec.Encoder):
    def __init__(self):
        super().__init__(other=_other, tensor=_tensor_to_array)


enc = _Enc()


def _encode(v):
    global enc
    enc = _Enc()
    tree = enc.enc(v)
    return tree, enc.arrays


def _decode(tree, arrays):
    def handle(hid, info):
        if hid is None:
            return _resolve(info["__ref__"])
        if hid not in _objects:
            raise LookupError(f"object {hid} no longer exists in the worker (it was restarted)")
        return _objects[hid]

    return codec.decode(tree, arrays, handle=handle, tensor=_array_to_tensor)


def _resolve(path):
    """Import the longest importable module prefix of a dotted path, then follow attributes."""
    parts = path.split(".")
    if parts[0] != "cs231n" and parts[0] not in _HELPERS:
        raise ImportError(f"only the submitted package can be reached, not {path!r}")
    if parts[0] in _HELPERS:
        obj = _HELPERS[parts[0]]()
        rest = parts[1:]
    else:
        obj, rest = None, []
        for i in range(len(parts), 0, -1):
            name = ".".join(parts[:i])
            try:
                obj = importlib.import_module(name)
            except ModuleNotFoundError as e:
                if e.name is not None and (name == e.name or name.startswith(e.name + ".")) and i > 1:
                    continue
                raise
            rest = parts[i:]
            break
    for a in rest:
        obj = getattr(obj, a)
    return obj


def _load_helper(name):
    def load():
        return importlib.import_module(name)

    return load


_HELPERS = {}


def _target(req):
    t = req["target"]
    if "__ref__" in t:
        obj = _resolve(t["__ref__"])
    else:
        obj = _objects.get(t.get("__h__"))
        if obj is None:
            raise LookupError("that object no longer exists in the worker (it was restarted)")
    return obj


def _deep_equal(a, b):
    if type(a) is not type(b):
        return False
    t = _torch[0]
    if t is not None and isinstance(a, t.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and bool(t.equal(a.detach(), b.detach()))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float, str, bool, type(None), np.generic)):
        try:
            return bool(a == b) or (a != a and b != b)
        except Exception:
            return False
    return a is b


def _is_data(v):
    return isinstance(v, (dict, list, np.ndarray)) and type(v).__module__ in ("builtins", "numpy", "collections")


def _snapshot(v):
    try:
        return copy.deepcopy(v)
    except Exception:
        return None


def apply_in_place(old, new):
    """Make `old` equal `new` keeping its identity where the kinds agree; returns the value to store."""
    if (
        isinstance(old, np.ndarray)
        and isinstance(new, np.ndarray)
        and old.shape == new.shape
        and old.dtype == new.dtype
    ):
        if old.flags.writeable:
            old[...] = new
            return old
        return new
    if type(old) is dict and type(new) is dict:
        for k in list(old):
            if k not in new:
                del old[k]
        for k, v in new.items():
            old[k] = apply_in_place(old[k], v) if k in old else v
        return old
    if type(old) is list and type(new) is list:
        if len(old) == len(new):
            for i, v in enumerate(new):
                old[i] = apply_in_place(old[i], v)
        else:
            old[:] = new
        return old
    return new


def _apply_push(push):
    for key, val in (push or {}).items():
        hid, name = key.split(":", 1)
        obj = _objects.get(int(hid))
        if obj is None:
            continue
        cur = getattr(obj, name, None)
        newv = apply_in_place(cur, val)
        if newv is not cur:
            setattr(obj, name, newv)
        _mirrors[key] = _snapshot(getattr(obj, name, None))


def _changed_mirrors():
    out = {}
    for key, snap in list(_mirrors.items()):
        hid, name = key.split(":", 1)
        obj = _objects.get(int(hid))
        if obj is None:
            continue
        try:
            cur = getattr(obj, name)
        except Exception:
            continue
        if not _deep_equal(cur, snap):
            out[key] = cur
            _mirrors[key] = _snapshot(cur)
    return out


def _sync_args(args, kwargs, before):
    """Arguments (dicts, lists, arrays) the call changed in place: index -> new value."""
    out = {}
    items = list(enumerate(args)) + list(kwargs.items())
    for k, v in items:
        key = str(k)
        if key in before and not _deep_equal(v, before[key]):
            out[key] = v
        elif _torch[0] is not None and isinstance(v, _torch[0].Generator):
            out[key] = v  # a generator's state advances: the test's copy follows
    return out


def _rng():
    st = np.random.get_state()  # noqa: NPY002 - the global state is what tests seed
    out = {"np": [st[1], int(st[2]), int(st[3]), float(st[4])]}
    if _torch[0] is not None:
        out["torch"] = _torch[0].get_rng_state().numpy()
    return out


def _set_rng(rng):
    st = rng.get("np")
    if isinstance(st, list) and len(st) == 4:
        np.random.set_state(("MT19937", np.asarray(st[0], dtype=np.uint32), int(st[1]), int(st[2]), float(st[3])))  # noqa: NPY002
    if rng.get("torch") is not None:
        _load_torch().set_rng_state(_torch[0].from_numpy(np.array(rng["torch"], dtype=np.uint8)))


def _handle_req(req, arrays):
    op = req.get("op")
    payload = _decode(req.get("data"), arrays) if "data" in req else {}
    if req.get("reset"):
        _mirrors.clear()
    if isinstance(payload.get("rng"), dict):
        _set_rng(payload["rng"])
    _apply_push(payload.get("push"))
    extra = {}
    if op == "resolve":
        obj = _resolve(req["path"])
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return {"kind": "exception", "names": _exc_names(obj)}, extra
        if _is_data(obj) or isinstance(obj, (int, float, str, bool, type(None), np.generic)):
            return {"kind": "data", "value": obj}, extra
        return {"kind": "ref", "callable": callable(obj)}, extra
    obj = _target(req)
    if op == "call":
        args, kwargs = list(payload.get("args", [])), dict(payload.get("kwargs", {}))
        if req.get("attr"):
            obj = getattr(obj, req["attr"])
        before = {}
        for k, v in list(enumerate(args)) + list(kwargs.items()):
            if isinstance(v, (dict, list, np.ndarray)):
                before[str(k)] = _snapshot(v)
            elif _torch[0] is not None and isinstance(v, _torch[0].Tensor):
                before[str(k)] = v.detach().clone()  # a tensor changed in place comes back too
        if "torch" in sys.modules:
            _load_torch()
        result = obj(*args, **kwargs)
        extra["argsync"] = _sync_args(args, kwargs, before)
        return result, extra
    if op == "getattr":
        val = getattr(obj, req["name"])
        if _is_data(val) and "__h__" in req["target"]:
            key = f"{req['target']['__h__']}:{req['name']}"
            _mirrors[key] = _snapshot(val)
            extra["mirror"] = key
        return val, extra
    if op == "setattr":
        setattr(obj, req["name"], payload["value"])
        return None, extra
    if op == "item":
        return obj[payload["key"]], extra
    if op == "setitem":
        obj[payload["key"]] = payload["value"]
        return None, extra
    if op == "len":
        return len(obj), extra
    if op == "iter":
        return list(obj), extra
    raise ValueError(f"unknown request {op!r}")


def _submission_frames(tb):
    """Traceback lines inside the submitted package (the student's files), not the worker's."""
    frames = traceback.extract_tb(tb)
    keep = [f for f in frames if not f.filename.startswith((LIB, "<frozen"))]
    return "".join(traceback.format_list(keep[-8:]))


def _error(e):
    names = _exc_names(type(e))
    where = ""
    if isinstance(e, SyntaxError) and e.filename:
        where = f"{_rel(e.filename)}, line {e.lineno}: "
    msg = where + f"{type(e).__name__}: {e}"
    tb = _submission_frames(e.__traceback__)
    tb = tb.replace(CODE + os.sep, "") if CODE else tb
    return {"names": names, "message": msg[:4000], "traceback": tb[-6000:]}


def _rel(path):
    return os.path.relpath(path, CODE) if CODE and path.startswith(CODE) else path


CODE = None
LIB = os.path.dirname(os.path.abspath(__file__))


def main():
    global CODE
    CODE = os.environ.get("CS231N_WORKER_CODE", os.getcwd())
    sys.path[:] = [CODE, LIB] + [p for p in sys.path if p and p not in (CODE, LIB)]
    for name in os.environ.get("CS231N_WORKER_HELPERS", "").split(","):
        if name:
            _HELPERS[name] = _load_helper(name)
    # the channel is the stdin/stdout the grader gave us; the code's own fd 0/1 become /dev/null / stderr
    rfd = os.fdopen(os.dup(0), "rb", buffering=0)
    wfd = os.fdopen(os.dup(1), "wb", buffering=0)
    rin = io.BufferedReader(rfd, 1 << 20)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    real_out, real_err = sys.stdout, sys.stderr
    while True:
        try:
            req, arrays = codec.read_frame(rin)
        except EOFError:
            return
        cap = _Cap()
        sys.stdout = sys.stderr = cap
        try:
            rng0 = _rng()
            result, extra = _handle_req(req, arrays)
            mirrors = _changed_mirrors()
            reply = {"ok": True}
            body = {"result": result, "mirrors": mirrors}
            body.update(extra)
            rng1 = _rng()
            if not _deep_equal(rng0, rng1) or "rng" in (req.get("data") or {}):
                body["rng"] = rng1
        except BaseException as e:  # noqa: B036 - everything the code raises goes back as data
            if isinstance(e, (KeyboardInterrupt,)) and not isinstance(e, Exception):
                pass
            reply = {"ok": False, "error": _error(e)}
            body = {}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        reply["out"] = cap.text()
        try:
            tree, arrs = _encode(body)
            reply["data"] = tree
        except Exception as e:
            reply = {"ok": False, "error": _error(e), "out": cap.text()}
            arrs = []
        try:
            codec.write_frame(wfd, reply, arrs)
        except BrokenPipeError:
            return


if __name__ == "__main__":
    builtins.__dict__.pop("exit", None)
    main()
