"""Download, verify and extract any `Dataset` (spec.py): the machinery behind `datasets/get_datasets.py`.

Downloads use Python's own HTTP client (urllib; $https_proxy is honoured), show a
progress bar, retry transient failures with back-off, resume a partial file
(`<archive>.part`) with an HTTP Range request, and verify size and md5 before anything
is extracted. A bad checksum deletes the download. When a dataset lists mirrors, they
are tried in turn. Archives (tar or zip) are checked member by member (no absolute
paths, no `..`, no links or devices), extracted into a temporary folder inside the data
root and renamed into place, so an interrupted run never leaves half a dataset. A
dataset already in place is left alone (a second run does nothing and says so). An
archive you put into the data root yourself is used without the network.

Only the standard library is needed here; the synthetic generators need numpy.
"""

import errno
import hashlib
import http.client
import os
import shutil
import socket
import stat
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from .layout import is_synthetic

USER_AGENT = "cs231n-course-kit/1.0 (get_datasets.py; python urllib)"
CHUNK = 1 << 16


# --------------------------------------------------------------------------- errors


class DatasetError(Exception):
    """Base class: anything that stops a dataset from being prepared (the message says what to do)."""


class OfflineError(DatasetError):
    """The server cannot be reached at all (name resolution, refused, unreachable network)."""


class DownloadError(DatasetError):
    """The server was reached but the download failed (HTTP error, retries exhausted)."""


class ChecksumError(DatasetError):
    """The downloaded file has the wrong size or md5; it has been deleted."""


class UnsafeArchiveError(DatasetError):
    """The archive holds a member that could write outside the target folder (or is not a plain file/dir)."""


# --------------------------------------------------------------------------- small helpers


def say(msg=""):
    print(msg, flush=True)


def banner(lines):
    """Print a message nobody can miss (used for the synthetic fallback)."""
    width = max(len(s) for s in lines) + 4
    say("!" * width)
    for s in lines:
        say("! " + s.ljust(width - 4) + " !")
    say("!" * width)


def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0


def file_md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


is_synthetic_folder = is_synthetic  # the one marker rule (layout.py)


def is_complete(ds, folder):
    return os.path.isdir(folder) and all(os.path.isfile(os.path.join(folder, r)) for r in ds.required)


class _Progress:
    """tqdm when it is installed, else a plain text bar on stderr."""

    def __init__(self, total, initial, desc, enabled=True):
        self.total, self.n, self.desc, self.enabled = total, initial, desc, enabled
        self._bar, self._last = None, 0.0
        if not enabled:
            return
        try:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, file=sys.stderr
            )
        except ImportError:
            self._tty = sys.stderr.isatty()
            self._draw(force=True)

    def update(self, k):
        self.n += k
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(k)
        else:
            self._draw()

    def _draw(self, force=False):
        now = time.time()
        if not force and now - self._last < (0.2 if self._tty else 5.0):
            return
        self._last = now
        if self.total:
            frac = min(1.0, self.n / self.total)
            bar = "#" * int(30 * frac)
            text = f"{self.desc}: [{bar:<30}] {100 * frac:5.1f}% {human(self.n)} / {human(self.total)}"
        else:
            text = f"{self.desc}: {human(self.n)}"
        sys.stderr.write(("\r" + text) if self._tty else (text + "\n"))
        sys.stderr.flush()

    def close(self):
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        else:
            self._draw(force=True)
            if self._tty:
                sys.stderr.write("\n")


# --------------------------------------------------------------------------- download


def _unreachable_reason(exc):
    """The reason string when `exc` means the host cannot be reached at all (no point retrying), else None."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror or reason})"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.errno in (
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.ENETDOWN,
        errno.EACCES,
    ):
        return f"network unreachable ({reason.strerror})"
    return None


def download(url, dest, expected_size=None, md5=None, retries=5, backoff=2.0, timeout=30.0, progress=True):
    """Download `url` to `dest`, resuming `dest + '.part'` and verifying size and md5.

    The data goes to `dest.part` first; a partial file from an earlier run is resumed
    with an HTTP Range request (a server that ignores Range restarts from zero). Once
    the whole file is there, its size and md5 are checked: on a mismatch the file is
    deleted and ChecksumError raised; otherwise it is renamed to `dest`.

    Transient failures (dropped connection, timeout, HTTP 5xx/429) are retried up to
    `retries` times with exponential back-off (backoff, 2*backoff, ...), continuing from
    the bytes already received. A host that cannot be reached at all (name resolution
    failure, connection refused, no route) raises OfflineError at once; other HTTP
    errors raise DownloadError at once.

    Inputs:
    - url: http(s) URL
    - dest: path of the finished file
    - expected_size: size in bytes, or None
    - md5: hex md5, or None
    - retries: how many times a transient failure is retried
    - backoff: seconds before the first retry (doubles each time)
    - timeout: socket timeout in seconds (connect and each read)
    - progress: show a progress bar
    Returns dest.
    """
    part = dest + ".part"
    desc = os.path.basename(dest)
    attempt = 0
    contacted = False  # has the server answered at all during this call?
    while True:
        have = os.path.getsize(part) if os.path.exists(part) else 0
        if expected_size is not None and have > expected_size:
            os.remove(part)  # longer than the real file: cannot be a prefix of it
            have = 0
        if expected_size is not None and have == expected_size:
            break  # complete from an earlier run; verify below
        headers = {"User-Agent": USER_AGENT}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                contacted = True
                if have and resp.status == 206 and _range_start(resp) == have:
                    mode = "ab"
                    say(f"{desc}: resuming at {human(have)}")
                else:
                    mode, have = "wb", 0  # full response (Range ignored): start over
                length = resp.headers.get("Content-Length")
                total = have + int(length) if length is not None else expected_size
                _receive(resp, part, mode, _Progress(total, have, desc, enabled=progress))
            got = os.path.getsize(part)
            if total is not None and got < total:
                raise http.client.IncompleteRead(b"", total - got)
            break
        except urllib.error.HTTPError as e:
            contacted = True
            if e.code == 416 and have:
                # Range not satisfiable: nothing after `have`; verification decides below
                if expected_size is None:
                    break
                os.remove(part)
                continue
            if e.code in (408, 429, 500, 502, 503, 504) and attempt < retries:
                attempt += 1
                _wait(backoff, attempt, retries, f"HTTP {e.code} {e.reason}")
                continue
            raise DownloadError(f"{url}: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            why = _unreachable_reason(e)
            if why is None and not contacted and attempt >= 1 and _is_timeout(e):
                why = "no answer (connection timed out twice)"
            if why is not None:
                raise OfflineError(f"{url}: {why}") from None
            if attempt >= retries:
                kept = os.path.getsize(part) if os.path.exists(part) else 0
                raise DownloadError(
                    f"{url}: gave up after {retries} retries ({_describe(e)}); "
                    f"{human(kept)} kept in {part} for the next run to resume"
                ) from None
            attempt += 1
            _wait(backoff, attempt, retries, _describe(e))
    verify(part, expected_size, md5, name=desc)
    os.replace(part, dest)
    return dest


def download_any(urls, dest, expected_size=None, md5=None, **kwargs):
    """download() from the first of `urls` that works (a dataset's URL, then its mirrors).

    A failure to reach or fetch one URL (OfflineError, DownloadError, ChecksumError) moves
    on to the next, saying so; the last one's error is raised. Returns dest.
    """
    for i, url in enumerate(urls):
        try:
            return download(url, dest, expected_size, md5, **kwargs)
        except (OfflineError, DownloadError, ChecksumError) as e:
            if i + 1 == len(urls):
                raise
            say(f"  {e}\n  trying the mirror {urls[i + 1]}")


def _range_start(resp):
    """First byte of a 206 response (from Content-Range: bytes START-END/TOTAL), or None."""
    value = resp.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _receive(resp, part, mode, bar):
    """Copy the response body to `part`; local file errors become DatasetError (not retried)."""
    try:
        try:
            f = open(part, mode)
        except OSError as e:
            raise DatasetError(f"cannot write {part}: {e}") from None
        with f:
            while True:
                block = resp.read(CHUNK)
                if not block:
                    break
                try:
                    f.write(block)
                except OSError as e:
                    raise DatasetError(f"cannot write {part}: {e}") from None
                bar.update(len(block))
    finally:
        bar.close()


def _is_timeout(e):
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    return isinstance(reason, (TimeoutError, socket.timeout))


def _describe(e):
    if isinstance(e, urllib.error.URLError):
        e = e.reason
    if isinstance(e, http.client.IncompleteRead):
        return "connection closed early"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _wait(backoff, attempt, retries, why):
    delay = backoff * 2 ** (attempt - 1)
    say(f"  download interrupted ({why}); retry {attempt}/{retries} in {delay:.0f} s")
    time.sleep(delay)


def verify(path, expected_size=None, md5=None, name=None, delete=True):
    """Check size and md5 of `path`; on a mismatch delete it (unless delete=False) and raise ChecksumError."""
    name = name or os.path.basename(path)
    size = os.path.getsize(path)
    problem = None
    if expected_size is not None and size != expected_size:
        problem = f"size {size:,} bytes, expected {expected_size:,}"
    elif md5 is not None:
        got = file_md5(path)
        if got != md5.lower():
            problem = f"md5 {got}, expected {md5}"
    if problem and not delete:
        raise ChecksumError(f"{name}: {problem}")
    if problem:
        os.remove(path)
        raise ChecksumError(f"{name}: {problem}. The file was deleted; run the command again to download it afresh.")


# --------------------------------------------------------------------------- temporary folders


STALE_SECONDS = 600  # a temporary folder without a pid in its name is stale after this long untouched


def temp_dir(root, folder):
    """A new temporary folder in root for `folder`'s extraction: .tmp-<folder>-<pid>-<random>."""
    return tempfile.mkdtemp(prefix=f".tmp-{folder}-{os.getpid()}-", dir=root)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its folder alone
    return True


def remove_stale_temp(root, folder):
    """Delete what killed runs left in root: .tmp-<folder>-* folders whose process is gone.

    A name holding a pid (temp_dir's) is stale when that process no longer runs; an
    older name (no pid) when it has not been touched for STALE_SECONDS. Returns the
    names removed (each is reported).
    """
    prefix = f".tmp-{folder}-"
    removed = []
    try:
        names = os.listdir(root)
    except OSError:
        return removed
    for name in names:
        path = os.path.join(root, name)
        if not name.startswith(prefix) or not os.path.isdir(path) or os.path.islink(path):
            continue
        head = name[len(prefix) :].split("-", 1)[0]
        if head.isdigit() and "-" in name[len(prefix) :]:
            stale = int(head) != os.getpid() and not _pid_alive(int(head))
        else:
            try:
                stale = time.time() - os.path.getmtime(path) > STALE_SECONDS
            except OSError:
                continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
            say(f"removed {path}: left behind by an interrupted run")
    return removed


def move_aside(path, why_name):
    """Rename a file we will not use to a free name beside it (<file>.<why_name>[-N]); returns the new path."""
    dest, n = f"{path}.{why_name}", 1
    while os.path.exists(dest):
        n += 1
        dest = f"{path}.{why_name}-{n}"
    os.rename(path, dest)
    return dest


# --------------------------------------------------------------------------- safe extraction


def _member_parts(name, archive):
    """Path components of an archive member after checking it stays inside the target folder."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} points outside the target folder (..); refusing to extract"
        )
    return parts


class _Budget:
    """Bytes still allowed out of an archive (None: no limit); counts what is really written."""

    def __init__(self, archive, max_bytes):
        self.archive, self.max_bytes, self.used = archive, max_bytes, 0

    def spend(self, n, member):
        self.used += n
        if self.max_bytes is not None and self.used > self.max_bytes:
            raise DatasetError(
                f"{self.archive}: inflates to more than {self.max_bytes:,} bytes (stopped in {member}); "
                "not the expected dataset. Delete it and run the command again."
            )


def _write_member(dest_dir, parts, src, budget=None):
    """Write one regular file (from file object `src`) or, with src None, one folder under dest_dir."""
    target = os.path.join(dest_dir, *parts)
    if src is None:
        os.makedirs(target, mode=0o755, exist_ok=True)
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    with src, open(target, "wb") as out:
        while True:
            block = src.read(CHUNK)
            if not block:
                break
            if budget is not None:
                budget.spend(len(block), "/".join(parts))
            out.write(block)
    os.chmod(target, 0o644)


def safe_extract(archive, dest_dir, max_bytes=None):
    """Extract a tar (any compression) or zip archive into the existing folder `dest_dir`.

    Each member is checked before it is written: absolute paths, `..` components,
    symbolic and hard links, devices and FIFOs raise UnsafeArchiveError (zip members are
    all checked before the first is written). Files are written by this function (mode
    0644, folders 0755), never by the archive library, so no metadata or link from the
    archive reaches the disk. On an error `dest_dir` may hold some members: extract into
    a temporary folder (as extract_into_place does) and delete it on failure.
    max_bytes: stop (DatasetError) once more than this many bytes have really been
    written, whatever the archive declares (None: no limit).
    Returns the sorted list of top-level names extracted.
    """
    tops = set()
    budget = _Budget(archive, max_bytes)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                plan = []
                for info in zf.infolist():
                    parts = _member_parts(info.filename, archive)
                    ftype = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip records no type
                    if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
                        raise UnsafeArchiveError(
                            f"{archive}: member {info.filename!r} is a link or special file; refusing to extract"
                        )
                    if parts:
                        plan.append((parts, info))
                for parts, info in plan:
                    _write_member(dest_dir, parts, None if info.is_dir() else zf.open(info), budget)
                    tops.add(parts[0])
            return sorted(tops)
        with tarfile.open(archive, "r:*") as tf:
            for m in tf:
                parts = _member_parts(m.name, archive)
                if m.issym() or m.islnk():
                    raise UnsafeArchiveError(f"{archive}: member {m.name!r} is a link; refusing to extract")
                if not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(
                        f"{archive}: member {m.name!r} is a device or special file; refusing to extract"
                    )
                if parts:
                    _write_member(dest_dir, parts, None if m.isdir() else tf.extractfile(m), budget)
                    tops.add(parts[0])
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as e:
        raise DatasetError(
            f"{archive}: not a readable tar or zip archive ({e}); delete it and run the command again"
        ) from None
    except OSError as e:
        raise DatasetError(f"{archive}: extraction failed ({e})") from None
    return sorted(tops)


def extract_into_place(archive, root, folder, required=()):
    """Safely extract `archive` into a temporary folder in `root`, then rename `folder` into place.

    Raises DatasetError if the archive lacks `folder` or any of `required` inside it.
    An existing `root/folder` is replaced only after the new one is complete.
    Returns the path of the placed folder.
    """
    final = os.path.join(root, folder)
    tmp = temp_dir(root, folder)
    try:
        safe_extract(archive, tmp)
        new = os.path.join(tmp, folder)
        missing = [r for r in required if not os.path.isfile(os.path.join(new, r))]
        if not os.path.isdir(new) or missing:
            raise DatasetError(
                f"{archive}: does not hold {folder}/"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + "; is it the right file?"
            )
        place_folder(new, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def place_folder(new, final):
    """Rename folder `new` to `final`, replacing an existing `final` (moved aside first)."""
    old = None
    if os.path.exists(final):
        old = tempfile.mkdtemp(prefix=".old-", dir=os.path.dirname(final))
        os.rename(final, os.path.join(old, "x"))
    try:
        os.rename(new, final)
    except OSError:
        if old:  # put the previous folder back
            os.rename(os.path.join(old, "x"), final)
        raise
    finally:
        if old:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- one dataset


def prepare_download(ds, root, force=False, keep_archive=False, retries=5, backoff=2.0, timeout=30.0, progress=True):
    """Generic route: archive in place or downloaded, verified, extracted atomically.

    Returns a one-word outcome: 'present' (nothing done), 'extracted' or 'downloaded'.
    """
    final = os.path.join(root, ds.folder)
    archive = os.path.join(root, ds.filename)
    remove_stale_temp(root, ds.folder)
    synthetic_there = is_complete(ds, final) and is_synthetic_folder(final)
    if is_complete(ds, final) and not force and not (synthetic_there and os.path.isfile(archive)):
        if synthetic_there:
            say(
                f"{ds.name}: the SYNTHETIC stand-in is in place at {final}; nothing to do.\n"
                f"  For the real data: once online run `python datasets/get_datasets.py {ds.name} --force`,\n"
                f"  or put {ds.filename} into {root} and run the command again."
            )
        else:
            say(f"{ds.name}: already present at {final}; nothing to do.")
        return "present"

    outcome = "extracted"
    user_archive = os.path.isfile(archive)
    if user_archive:
        say(f"{ds.name}: using the archive already in place: {archive}")
        size = os.path.getsize(archive)
        if ds.size is not None and size < ds.size:
            say(f"  it is shorter than expected ({size:,} of {ds.size:,} bytes); resuming its download")
            os.replace(archive, archive + ".part")
            user_archive = False
        else:
            try:
                verify(archive, ds.size, ds.md5, delete=False)
                say("  size and md5 OK")
            except ChecksumError:
                got = f"size {size:,} bytes, md5 {file_md5(archive)}"
                want = ", ".join(
                    x for x in (f"{ds.size:,} bytes" if ds.size else "", f"md5 {ds.md5}" if ds.md5 else "") if x
                )
                aside = move_aside(archive, f"not-{ds.name}")
                say(
                    f"  the file placed there is NOT {ds.name}'s archive: {got}; expected {want}.\n"
                    f"  It was moved aside, not deleted: {aside}\n"
                    "  Trying to download the real archive instead."
                )
                user_archive = False
    if not user_archive:
        say(f"{ds.name}: downloading {ds.url}" + (f" ({human(ds.size)})" if ds.size else ""))
        download_any(
            ds.urls, archive, ds.size, ds.md5, retries=retries, backoff=backoff, timeout=timeout, progress=progress
        )
        say("  size and md5 OK")
        outcome = "downloaded"
    say(f"{ds.name}: extracting into {final}")
    extract_into_place(archive, root, ds.folder, ds.required)
    if not user_archive and not keep_archive:
        os.remove(archive)
    say(f"{ds.name}: ready at {final}")
    return outcome


def prepare_synthetic(ds, root, per_batch, force=False):
    """Write the generated stand-in unless it (or the real data) is already there."""
    if ds.synthetic is None:
        raise DatasetError(f"{ds.name} has no synthetic stand-in; it must be downloaded")
    final = os.path.join(root, ds.folder)
    what = f"{per_batch} images per batch" if ds.synthetic_current is None else "default size"
    if os.path.exists(final):
        if is_complete(ds, final) and not is_synthetic_folder(final):
            say(
                f"{ds.name}: the REAL dataset is at {final}; not replacing it with synthetic data.\n"
                "  Use --data-dir (or $CS231N_DATASETS) to write the synthetic set elsewhere."
            )
            return "present"
        current = (
            ds.synthetic_current(final, per_batch) if ds.synthetic_current else _synthetic_per_batch(final) == per_batch
        )
        if is_complete(ds, final) and not force and current:
            say(f"{ds.name}: the synthetic stand-in ({what}) is already at {final}; nothing to do.")
            return "present"
    say(f"{ds.name}: writing the SYNTHETIC stand-in ({what}) to {final}")
    t0 = time.time()
    remove_stale_temp(root, ds.folder)
    tmp = temp_dir(root, ds.folder)
    try:
        ds.synthetic(os.path.join(tmp, ds.folder), per_batch)
        place_folder(os.path.join(tmp, ds.folder), final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(
        f"{ds.name}: synthetic data ready ({time.time() - t0:.1f} s). It is NOT the real dataset: "
        "numbers measured on it say nothing about it."
    )
    return "synthetic"


def _synthetic_per_batch(folder):
    """num_cases_per_batch from a synthetic folder's README (no unpickling needed), or None."""
    try:
        with open(os.path.join(folder, "README.txt"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    import re

    m = re.search(r"holds (\d+) generated images\s+per batch", text)
    return int(m.group(1)) if m else None


def offline_help(ds, root, err):
    reason = str(err)
    if reason.startswith(ds.url + ": "):
        reason = reason[len(ds.url) + 2 :]
    lines = [
        f"{ds.name}: could not download {ds.url}",
        f"  reason: {reason}",
        "  What to do:",
        "  - check the connection (a proxy is used when $https_proxy is set) and run again;",
        "    a partial download is resumed",
        f"  - or download {ds.filename} on another machine, put it into",
        f"    {root}/ and run `python datasets/get_datasets.py` again",
    ]
    if ds.synthetic is not None:
        lines.append("  - or work offline on generated data: python datasets/get_datasets.py --synthetic")
    return "\n".join(lines)
