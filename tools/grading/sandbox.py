"""Containment of the worker: its own user (under root), resource limits, and killing its whole process tree.

Under root (Gradescope, Docker) the worker runs as uid/gid WORKER_UID_BASE + slot (no
supplementary groups), in a new session, with rlimits on address space, CPU seconds, processes
(per uid, so a fork bomb stops at NPROC) and file size; when a mount namespace is available it
sees only the system folders (KEEP_TOP), its run folder and the Python installation: every other
top-level folder is an empty read-only tmpfs (`_minimal_view`; `_namespace` is the fallback that
hides the repository and makes /tmp read-only). The grading folders are root-only (0700), so it can read
neither the tests nor expected values nor results. `kill_all` ends every process of that uid
(a helper switched to the uid runs kill(-1, SIGKILL)), which also catches detached children.

Not under root the same worker runs with the same limits but as the grading user; `warn_once`
says so. The grading process is made a child subreaper, so detached grandchildren are
re-parented to it and `kill_descendants` finds and ends them.
"""

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
import time

WORKER_UID_BASE = 61000
DEFAULT_LIMITS = {
    "as_bytes": 4 << 30,  # address space
    "cpu_s": 900,  # CPU seconds for one worker's life
    "nproc": 128,  # processes and threads of the worker's uid
    "fsize": 64 << 20,  # largest file it may write
    "nofile": 256,
}
_warned = []


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def warn_once(stream=None):
    if not is_root() and not _warned:
        _warned.append(1)
        print(
            "NOTE: not running as root, so submitted code runs as you (not sandboxed by a separate user); "
            "grade untrusted submissions as root in a container (see tools/gradescope/README.md).",
            file=stream or sys.stderr,
        )


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def make_subreaper():
    """Orphaned descendants re-parent to this process (Linux), so none can hide from kill_descendants."""
    try:
        _libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _proc_table():
    """pid -> (ppid, uid) for every process we can see."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                ppid = uid = None
                for line in f:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        break
            table[int(d)] = (ppid, uid)
        except (OSError, ValueError, IndexError):
            pass
    return table


def kill_descendants(root_pid=None, rounds=20):
    """SIGKILL every descendant of root_pid (default: this process); returns how many were found."""
    root_pid = os.getpid() if root_pid is None else root_pid
    found = 0
    for _ in range(rounds):
        table = _proc_table()
        kids = {}
        for pid, (ppid, _uid) in table.items():
            kids.setdefault(ppid, []).append(pid)
        todo, desc = [root_pid], []
        while todo:
            p = todo.pop()
            for c in kids.get(p, []):
                desc.append(c)
                todo.append(c)
        desc = [p for p in desc if p != os.getpid()]
        if not desc:
            break
        found += len(desc)
        for p in desc:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        time.sleep(0.02)
    _reap()
    return found


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_uid(uid, rounds=50):
    """End every process of uid: a child switched to uid sends kill(-1, SIGKILL) until none is left."""
    if not is_root() or uid is None:
        return 0
    n = 0
    for _ in range(rounds):
        left = [p for p, (_pp, u) in _proc_table().items() if u == uid]
        if not left:
            break
        n += len(left)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        _reap()
        time.sleep(0.02)
    return n


# --- mount namespace (best effort) ------------------------------------------------------------
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
_CLONE_NEWNS = 0x20000
_MS_MOVE = 8192


def private_ancestor(path):
    """The highest folder above path that other users cannot enter (e.g. /root holding pyenv), or None."""
    parts = os.path.realpath(path).split(os.sep)
    for i in range(2, len(parts)):
        d = os.sep.join(parts[:i])
        try:
            if not os.stat(d).st_mode & 0o001:
                return d
        except OSError:
            return None
    return None


def _mount(lib, src, target, fstype, flags, data=None):
    r = lib.mount(
        src.encode() if src else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if r != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _namespace(hide, readonly, writable, expose=(), stage=None):
    """In the child before exec (as root): private mounts, hidden folders, read-only shared temp folders.

    expose: folders (the Python installation) inside a folder other users cannot enter: that
    folder is replaced by an empty one holding only them, so the worker can run Python but sees
    nothing else there.
    """
    lib = _libc()
    if lib.unshare(_CLONE_NEWNS) != 0:
        return False
    _mount(lib, None, "/", None, _MS_REC | _MS_PRIVATE)
    for k, d in enumerate(expose):
        top = private_ancestor(d)
        if top is None or stage is None:
            continue
        tmp = os.path.join(stage, f"expose{k}")
        os.makedirs(tmp, exist_ok=True)
        _mount(lib, d, tmp, None, _MS_BIND | _MS_REC)
        _mount(lib, "tmpfs", top, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=0755")
        os.makedirs(d, exist_ok=True)
        _mount(lib, tmp, d, None, _MS_MOVE)
    for d in hide:
        if os.path.isdir(d):
            _mount(lib, "tmpfs", d, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=4k,mode=0555")
    for d in readonly:
        if os.path.isdir(d):
            _mount(lib, d, d, None, _MS_BIND | _MS_REC)
            _mount(lib, None, d, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    for d in writable:  # a bind mount inside a read-only one starts read-only: remount it writable
        _mount(lib, d, d, None, _MS_BIND)
        _mount(lib, None, d, None, _MS_REMOUNT | _MS_BIND | _MS_NOSUID | _MS_NODEV)
    return True


# top-level folders the worker keeps (system files Python needs); every other one is replaced by an
# empty read-only folder holding only the paths the worker needs (its run folder, the Python install)
KEEP_TOP = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "dev", "proc", "sys"}
STAGE_TOPS = ("/mnt", "/media", "/srv", "/opt")


def _minimal_view(lib, needed):
    """Hide every top-level folder but KEEP_TOP, re-exposing the needed paths inside them."""
    needed = sorted({os.path.realpath(p) for p in needed if os.path.exists(p)})
    stage = next((d for d in STAGE_TOPS if os.path.isdir(d) and not any(p.startswith(d + "/") for p in needed)), None)
    if stage is None:
        return False
    _mount(lib, "tmpfs", stage, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=0700")
    tops = sorted(os.path.join("/", d) for d in os.listdir("/"))
    tops = [t for t in tops if t != stage] + [stage]
    for k, top in enumerate(tops):
        if os.path.basename(top) in KEEP_TOP or os.path.islink(top) or not os.path.isdir(top):
            continue
        inside = [p for p in needed if p.startswith(top + "/")]
        if top in needed:
            continue
        staged = []
        for j, p in enumerate(inside):
            tmp = os.path.join(stage, f"{k}-{j}")
            os.mkdir(tmp)
            _mount(lib, p, tmp, None, _MS_BIND | _MS_REC)
            staged.append((tmp, p))
        if top == stage:
            continue
        _mount(lib, "tmpfs", top, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=0755")
        for tmp, p in staged:
            os.makedirs(p, exist_ok=True)
            _mount(lib, tmp, p, None, _MS_MOVE)
        _mount(lib, None, top, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    if os.path.isdir("/dev/shm"):
        _mount(lib, "tmpfs", "/dev/shm", "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=4k,mode=0555")
    return True


def preexec(limits, uid=None, hide=(), readonly=(), writable=(), expose=(), stage=None, needed=None):
    """The function run in the worker's child process before exec."""
    lim = dict(DEFAULT_LIMITS)
    lim.update(limits or {})

    def run():
        if uid is not None:
            done = False
            if needed:
                try:
                    lib = _libc()
                    if lib.unshare(_CLONE_NEWNS) == 0:
                        _mount(lib, None, "/", None, _MS_REC | _MS_PRIVATE)
                        done = _minimal_view(lib, needed)
                except OSError:
                    done = False
            if not done:
                try:
                    _namespace(hide, readonly, writable, expose, stage)
                except OSError:
                    pass
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        for res, val in (
            (resource.RLIMIT_AS, lim["as_bytes"]),
            (resource.RLIMIT_CPU, lim["cpu_s"]),
            (resource.RLIMIT_FSIZE, lim["fsize"]),
            (resource.RLIMIT_NOFILE, lim["nofile"]),
            (resource.RLIMIT_CORE, 0),
        ):
            try:
                resource.setrlimit(res, (val, val))
            except (ValueError, OSError):
                pass
        if uid is not None:  # per-uid: only meaningful for the worker's own uid
            try:
                resource.setrlimit(resource.RLIMIT_NPROC, (lim["nproc"], lim["nproc"]))
            except (ValueError, OSError):
                pass

    return run
