"""The grading process's side of the worker: start it, send data-only requests, and the proxies tests use.

Tests stay as they are: `from cs231n.layers import affine_forward` is answered by an import
hook (`install`) with a proxy module whose names are references into the worker; calling one
sends the arguments as data and returns the result as data (plain ndarrays, numbers, strings,
lists, dicts, tuples). Objects the submitted code creates (a Solver, a model, an nn.Module)
stay in the worker; the test holds a `Handle` whose attribute reads, writes and method calls
are forwarded. Data attributes read from a handle (`model.params`, `solver.optim_configs`)
are mirrored: the test may change them in place (as num_grad does) and the change is sent
before the next request; changes the worker makes come back after each request. Arguments a
call changes in place (`bn_param`, an optimizer's `config`) are written back into the test's
own objects. Errors come back as exceptions of the same builtin type (custom ones as a local
class of the same name), with the student's traceback in the message.

Nothing here imports, unpickles or executes anything the worker sends: decoding builds only
plain Python values and numpy arrays of numeric dtypes (codec.py).
"""

import builtins
import importlib.abc
import importlib.machinery
import os
import select
import subprocess
import sys
import types

import numpy as np

from . import codec, sandbox


class WorkerError(Exception):
    """The worker died, sent something that is not valid data, or was stopped."""


class RemoteError(Exception):
    """An exception raised by submitted code that has no builtin counterpart."""


_exc_classes = {}


def _exc_class(names):
    """A local exception class for a remote one: builtins map to themselves, others are made here."""
    if not names or not all(isinstance(n, str) for n in names):
        return RemoteError
    first = names[0]
    if first.startswith("builtins."):
        cls = getattr(builtins, first.split(".", 1)[1], None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
        return RemoteError
    if first not in _exc_classes:
        base = RemoteError
        for n in names[1:]:
            if n.startswith("builtins."):
                b = getattr(builtins, n.split(".", 1)[1], None)
                if isinstance(b, type) and issubclass(b, Exception):
                    base = b
                    break
        bases = (base, RemoteError) if base is not RemoteError else (RemoteError,)
        try:
            _exc_classes[first] = type(first.rsplit(".", 1)[-1], bases, {"__module__": "submission"})
        except TypeError:
            _exc_classes[first] = type(first.rsplit(".", 1)[-1], (RemoteError,), {"__module__": "submission"})
    return _exc_classes[first]


def _deep_equal(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, Handle):
        return a is b
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return False


def _copy(v):
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_copy(x) for x in v)
    return v


def apply_in_place(old, new):
    """Make `old` equal `new`, keeping its identity where the kinds agree; returns the value to keep."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(old, torch.Generator) and isinstance(new, torch.Generator):
        old.set_state(new.get_state())
        return old
    if torch is not None and isinstance(old, torch.Tensor) and isinstance(new, torch.Tensor):
        if old.shape == new.shape and old.dtype == new.dtype:
            with torch.no_grad():
                old.copy_(new)
            return old
        return new
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        if old.shape == new.shape and old.dtype == new.dtype and old.flags.writeable:
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


def _tensor_to_array(v):
    t = sys.modules.get("torch")
    if t is not None and isinstance(v, t.Tensor):
        v = v.detach().cpu()
        if v.dtype in (t.bfloat16, t.float16):
            v = v.float()
        return v.numpy()
    return None


def _array_to_tensor(a):
    import torch

    return torch.from_numpy(a)


class Client:
    """One worker process and the requests to it. `spec`: see sandbox/plugin (python, lib, code, scratch, uid...)."""

    def __init__(self, spec):
        self.spec = spec
        self.proc = None
        self.gen = 0
        self.mirrors = {}  # key -> [local object, snapshot]
        self.broken = False
        self.reset_pending = False
        self.requests = 0
        self.rng = None  # global RNG states last in step with the worker's

    # --- process ------------------------------------------------------------------------------
    def start(self):
        s = self.spec
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": s["scratch"],
            "TMPDIR": s["scratch"],
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "CS231N_WORKER_CODE": s["code"],
            "CS231N_WORKER_HELPERS": ",".join(s.get("helpers", [])),
        }
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CS231N_SMOKE"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(s.get("env", {}))
        uid = s.get("uid")
        err = open(os.path.join(s["scratch"], ".worker-stderr"), "ab") if s.get("keep_stderr") else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [s["python"], "-I", "-B", os.path.join(s["lib"], "worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=s["scratch"],
            env=env,
            start_new_session=True,
            preexec_fn=sandbox.preexec(
                s.get("limits"),
                uid,
                s.get("hide", ()),
                s.get("readonly", ()),
                (s["scratch"],),
                s.get("expose", ()),
                s.get("stage"),
                s.get("needed"),
            ),
        )
        if err is not subprocess.DEVNULL:
            err.close()
        self.gen += 1
        self.rng = None
        self.mirrors.clear()
        self.broken = False

    def stop(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                pass
            try:
                self.proc.kill()
            except OSError:
                pass
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        sandbox.kill_uid(self.spec.get("uid"))
        sandbox.kill_descendants()
        self.mirrors.clear()

    def new_test(self):
        """Called between tests: mirrors of the previous test are dropped; a stopped worker is restarted lazily."""
        self.mirrors.clear()
        self.reset_pending = True
        if self.broken:
            self.stop()
            self.broken = False

    # --- encoding ------------------------------------------------------------------------------
    def _other(self, v):
        if isinstance(v, Handle):
            if v._gen != self.gen:
                raise WorkerError(
                    "this object was lost when the worker restarted (an earlier step timed out or crashed)"
                )
            return {"__h__": v._hid}
        if isinstance(v, Ref):
            return {"__ref__": v._path}
        if isinstance(v, BrokenRef):
            v._raise()
        raise TypeError(
            f"a test may pass only data (arrays, numbers, strings, lists, dicts, tensors) and objects made by the "
            f"submitted package to submitted code, not a {type(v).__name__}; see DEVELOPING.md, "
            "'Writing tests that grade safely'"
        )

    def _handle(self, hid, info):
        if hid is None:
            path = info.get("__ref__")
            if not isinstance(path, str):
                raise codec.WireError("bad reference")
            return Ref(self, path)
        if type(hid) is not int:
            raise codec.WireError("bad handle")
        return Handle(self, hid, info)

    def _encode(self, value):
        e = codec.Encoder(other=self._other, tensor=_tensor_to_array)
        return e.enc(value), e.arrays

    # --- requests ------------------------------------------------------------------------------
    def request(self, op, data=None, timeout=None, **fields):
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.stop()
            self.start()
        push = {}
        for key, pair in self.mirrors.items():
            if not _deep_equal(pair[0], pair[1]):
                push[key] = pair[0]
                pair[1] = _copy(pair[0])
        payload = dict(data or {})
        if push:
            payload["push"] = push
        rng = _rng_state()
        if not _deep_equal(rng, self.rng):  # the test seeded or drew from numpy's / torch's global RNG
            payload["rng"] = rng
        tree, arrays = self._encode(payload)
        msg = dict(fields, op=op, data=tree)
        if self.reset_pending:
            msg["reset"] = True
            self.reset_pending = False
        try:
            codec.write_frame(self.proc.stdin, msg, arrays)
            if timeout is not None and not select.select([self.proc.stdout], [], [], timeout)[0]:
                raise TimeoutError(f"no answer within {timeout:g} s")
            reply, rarrays = codec.read_frame(self.proc.stdout, self.spec.get("max_reply", 256 << 20))
        except BaseException as e:  # a time limit (raised by the alarm) or a dead worker
            self.broken = True
            proc = self.proc
            self.stop()
            if isinstance(e, TimeoutError):
                raise
            if isinstance(e, (EOFError, OSError, codec.WireError)):
                raise WorkerError(_died(proc, e)) from None
            raise
        self.requests += 1
        if not isinstance(reply, dict):
            self.broken = True
            raise WorkerError("the worker sent a malformed reply")
        out = reply.get("out")
        if isinstance(out, str) and out:
            sys.stdout.write(out)
        if not reply.get("ok"):
            err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            cls = _exc_class(err.get("names"))
            text = str(err.get("message", "error in submitted code"))
            tb = err.get("traceback")
            if isinstance(tb, str) and tb.strip():
                text += "\n(in the submitted code)\n" + tb
            raise cls(text)
        try:
            body = codec.decode(reply.get("data"), rarrays, handle=self._handle, tensor=_array_to_tensor)
        except codec.WireError as e:
            self.broken = True
            raise WorkerError(f"the worker sent something that is not valid data: {e}") from None
        if not isinstance(body, dict):
            raise WorkerError("the worker sent a malformed reply")
        if isinstance(body.get("rng"), dict):
            _set_rng_state(body["rng"])
        self.rng = _rng_state()
        for key, val in (body.get("mirrors") or {}).items():
            if key in self.mirrors:
                pair = self.mirrors[key]
                pair[0] = apply_in_place(pair[0], val)
                pair[1] = _copy(pair[0])
        return body

    def resolve(self, path):
        """What a name is; importing the student's module may take at most spec['import_s'] seconds."""
        body = self.request("resolve", path=path, timeout=float(self.spec.get("import_s", 10)))
        r = body.get("result")
        if not isinstance(r, dict):
            raise WorkerError("malformed resolve reply")
        if r.get("kind") == "data":
            return r.get("value")
        if r.get("kind") == "exception":
            return _exc_class(r.get("names"))
        return Ref(self, path)

    def call(self, target, args, kwargs, attr=None):
        fields = {"target": target}
        if attr:
            fields["attr"] = attr
        body = self.request("call", {"args": list(args), "kwargs": dict(kwargs)}, **fields)
        sync = body.get("argsync") or {}
        for k, v in sync.items():
            if k.isdigit() and int(k) < len(args):
                apply_in_place(args[int(k)], v)
            elif k in kwargs:
                apply_in_place(kwargs[k], v)
        return body.get("result")

    def getattr(self, h, name):
        body = self.request("getattr", target={"__h__": h._hid}, name=name)
        val = body.get("result")
        key = body.get("mirror")
        if isinstance(key, str):
            if key in self.mirrors:
                pair = self.mirrors[key]
                pair[0] = apply_in_place(pair[0], val)
                pair[1] = _copy(pair[0])
                return pair[0]
            self.mirrors[key] = [val, _copy(val)]
        return val


def _rng_state():
    """numpy's and (when loaded) torch's global RNG states, as data: the worker's follow the test's."""
    st = np.random.get_state()  # noqa: NPY002 - the global state is what tests seed
    out = {"np": [st[1], int(st[2]), int(st[3]), float(st[4])]}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch"] = torch.get_rng_state().numpy()
    return out


def _set_rng_state(rng):
    st = rng.get("np")
    if isinstance(st, list) and len(st) == 4 and isinstance(st[0], np.ndarray) and st[0].dtype == np.uint32:
        try:
            np.random.set_state(("MT19937", st[0], int(st[1]), int(st[2]), float(st[3])))  # noqa: NPY002
        except (ValueError, TypeError):
            pass
    torch = sys.modules.get("torch")
    t = rng.get("torch")
    if torch is not None and isinstance(t, np.ndarray) and t.dtype == np.uint8:
        try:
            torch.set_rng_state(torch.from_numpy(t.copy()))
        except (RuntimeError, ValueError):
            pass


def _died(proc, e):
    if isinstance(e, codec.WireError):
        return f"the submitted code's worker sent something that is not valid data ({e})"
    rc = None if proc is None else proc.returncode
    why = f"exit code {rc}" if rc is not None else str(e)
    if rc is not None and rc < 0:
        why = f"killed by signal {-rc} (a resource limit: memory, CPU time, processes or file size?)"
    return f"the submitted code's worker process stopped ({why})"


class Ref:
    """A name in the submitted package (function, class, module), resolved in the worker when called."""

    __slots__ = ("_client", "_path")

    def __init__(self, client, path):
        self._client, self._path = client, path

    def __call__(self, *args, **kwargs):
        return self._client.call({"__ref__": self._path}, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._client.resolve(f"{self._path}.{name}")

    def __repr__(self):
        return f"<submitted {self._path}>"

    def __bool__(self):
        return True


class BrokenRef:
    """A name whose module could not be imported in the worker: using it raises that error."""

    def __init__(self, path, error):
        self._path, self._error = path, error

    def _raise(self):
        raise type(self._error)(*self._error.args)

    def __call__(self, *a, **k):
        self._raise()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._raise()


class Handle:
    """An object that lives in the worker; attribute reads/writes and calls are forwarded as data."""

    def __init__(self, client, hid, info):
        d = self.__dict__
        d["_client"], d["_hid"], d["_gen"] = client, hid, client.gen
        info = info if isinstance(info, dict) else {}
        methods = info.get("methods")
        d["_methods"] = (
            frozenset(m for m in methods if isinstance(m, str)) if isinstance(methods, list) else frozenset()
        )
        d["_type"] = str(info.get("type", "object"))[:100]
        mro = info.get("mro")
        d["_mro"] = tuple(m for m in mro if isinstance(m, str)) if isinstance(mro, list) else ()

    @property
    def __class__(self):
        """For isinstance checks: the first library class (torch, numpy) in the remote object's MRO."""
        for entry in self._mro:
            mod, _, qual = entry.partition(":")
            if mod.split(".")[0] in ("torch", "numpy") and mod in sys.modules and "." not in qual:
                cls = getattr(sys.modules[mod], qual, None)
                if isinstance(cls, type):
                    return cls
        return Handle

    def _check(self):
        if self._gen != self._client.gen:
            raise WorkerError("this object was lost when the worker restarted (an earlier step timed out or crashed)")

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._check()
        if name in self._methods:
            return _Method(self, name)
        return self._client.getattr(self, name)

    def __setattr__(self, name, value):
        self._check()
        self._client.mirrors.pop(f"{self._hid}:{name}", None)
        self._client.request("setattr", {"value": value}, target={"__h__": self._hid}, name=name)

    def __call__(self, *args, **kwargs):
        self._check()
        return self._client.call({"__h__": self._hid}, args, kwargs)

    def __getitem__(self, key):
        self._check()
        return self._client.request("item", {"key": key}, target={"__h__": self._hid}).get("result")

    def __setitem__(self, key, value):
        self._check()
        self._client.request("setitem", {"key": key, "value": value}, target={"__h__": self._hid})

    def __len__(self):
        self._check()
        n = self._client.request("len", target={"__h__": self._hid}).get("result")
        if type(n) is not int:
            raise TypeError("len() of a submitted object did not give an int")
        return n

    def __iter__(self):
        self._check()
        items = self._client.request("iter", target={"__h__": self._hid}).get("result")
        if not isinstance(items, list):
            raise TypeError("iterating a submitted object did not give a list")
        return iter(items)

    def __bool__(self):
        raise TypeError(f"a submitted {self._type} object was used as a truth value; the test expected data")

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def __array__(self, *a, **k):
        raise TypeError(f"a submitted {self._type} object is not an array")

    def __repr__(self):
        return f"<submitted {self._type} object>"


class _Method:
    __slots__ = ("_h", "_name")

    def __init__(self, h, name):
        self._h, self._name = h, name

    def __call__(self, *args, **kwargs):
        self._h._check()
        return self._h._client.call({"__h__": self._h._hid}, args, kwargs, attr=self._name)


# --- import hook -----------------------------------------------------------------------------
class RemoteModule(types.ModuleType):
    """`cs231n` and its submodules as the tests see them: every name is looked up in the worker."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        path = f"{self.__name__}.{name}"
        stuck = _STUCK.get(self.__name__)
        if stuck is not None:  # this module's import already ran out of time: do not wait again
            self.__dict__[name] = stuck
            return stuck
        try:
            val = _CLIENT[0].resolve(path)
        except TimeoutError as e:
            val = BrokenRef(path, TimeoutError(f"importing {path} did not finish ({e}): an endless loop at import?"))
            _STUCK[self.__name__] = val
        except Exception as e:  # the student's module does not import (or its worker died): only its tests fail
            val = BrokenRef(path, e)
        self.__dict__[name] = val
        return val


_CLIENT = [None]
_STUCK = {}  # module name -> BrokenRef, for modules whose import ran out of time


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, package, helpers, tests_dir):
        self.package, self.helpers, self.tests_dir = package, helpers, tests_dir

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.package or fullname.startswith(self.package + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        if fullname in self.helpers:
            return importlib.machinery.ModuleSpec(fullname, self, origin=os.path.join(self.tests_dir, fullname + ".py"))
        return None

    def create_module(self, spec):
        if spec.name in self.helpers:
            return None
        m = RemoteModule(spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module):
        if module.__name__ not in self.helpers:
            return
        with open(os.path.join(self.tests_dir, module.__name__ + ".py"), encoding="utf-8") as f:
            src = f.read()
        module.__file__ = os.path.join(self.tests_dir, module.__name__ + ".py")
        exec(compile(src, module.__file__, "exec"), module.__dict__)
        names = module.__dict__.get(
            "__worker_side__", DEFAULT_WORKER_SIDE if module.__name__ == "torch_helpers" else ()
        )
        for name in names:
            if callable(module.__dict__.get(name)):
                module.__dict__[name] = _forwarder(module.__name__, name)


DEFAULT_WORKER_SIDE = ("autograd_call", "torch_sequential")


def _forwarder(mod, name):
    def forward(*args, **kwargs):
        return _CLIENT[0].call({"__ref__": f"{mod}.{name}"}, args, kwargs)

    forward.__name__ = name
    forward.__doc__ = f"{mod}.{name}, run in the grading worker beside the submitted code."
    return forward


def install(client, package="cs231n", helpers=("torch_helpers",), tests_dir="tests"):
    """Route `import cs231n...` (and the tests' worker-side helper modules) to the worker."""
    _CLIENT[0] = client
    for name in list(sys.modules):
        if name == package or name.startswith(package + "."):
            del sys.modules[name]
    finder = _Finder(package, tuple(helpers), tests_dir)
    sys.meta_path.insert(0, finder)
    return finder
