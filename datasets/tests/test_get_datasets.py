"""Tests of datasets/get_datasets.py (course_datasets) against a local HTTP server on 127.0.0.1 (no internet needed).

The server (started here) serves small generated archives; registry entries pointing at
it are patched into course_datasets.registry.REGISTRY for each test.
"""

import dataclasses
import hashlib
import http.server
import io
import os
import pickle
import pickletools
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import zipfile

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "datasets", "get_datasets.py")


from course_datasets import cli, core, registry, spec  # noqa: E402  (datasets/ is the tests' root)


# --------------------------------------------------------------------------- fixtures


def make_tarball(members, compression="gz"):
    """Bytes of a tar archive; members: list of (name, bytes) or (name, TarInfo-tweak callable)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:" + compression) as tf:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if callable(content):
                content(info)
                tf.addfile(info)
            elif content is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tf.addfile(info)
            else:
                info.size = len(content)
                tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


RNG = np.random.default_rng(0)
BIG = RNG.integers(0, 256, size=300_000, dtype=np.uint8).tobytes()  # several read chunks
GOOD_TAR = make_tarball([("toyset", None), ("toyset/a.txt", b"hello\n"), ("toyset/sub/b.bin", BIG)])


def md5(b):
    return hashlib.md5(b).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append(self.headers.get("Range"))
        mode = srv.modes.pop(0) if srv.modes else "ok"
        body = srv.payload
        if mode == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "404":
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and mode != "no_range":
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        self.send_header("Content-Length", str(len(chunk)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if mode == "drop":  # promise everything, send half, hang up
            self.wfile.write(chunk[: len(chunk) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(chunk)


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.payload = GOOD_TAR
    srv.modes = []  # per-request behaviour, consumed in order; then "ok"
    srv.requests = []  # Range header of every request (None for a plain GET)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/toy.tar.gz"
    yield srv
    srv.shutdown()
    srv.server_close()


def closed_port_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/nothing.tar.gz"


def toy_entry(url, payload=GOOD_TAR, **kw):
    fields = dict(
        name="toy",
        url=url,
        filename="toy.tar.gz",
        size=len(payload),
        md5=md5(payload),
        folder="toyset",
        required=("a.txt", "sub/b.bin"),
    )
    fields.update(kw)
    return spec.Dataset(**fields)


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def run(monkeypatch, entry, data_dir, *extra):
    monkeypatch.setitem(registry.REGISTRY, entry.name, entry)
    return cli.main([entry.name, "--data-dir", str(data_dir), "--no-progress", *extra])


def leftovers(d):
    """Everything in the data dir except the finished dataset folder."""
    return sorted(n for n in os.listdir(d) if n != "toyset")


# --------------------------------------------------------------------------- download + extract


def test_good_download_then_second_run_is_noop(server, data_dir, monkeypatch, capsys):
    entry = toy_entry(server.url)
    assert run(monkeypatch, entry, data_dir) == 0
    assert (data_dir / "toyset" / "a.txt").read_bytes() == b"hello\n"
    assert (data_dir / "toyset" / "sub" / "b.bin").read_bytes() == BIG
    assert leftovers(data_dir) == []  # archive removed, no .part, no temp folder
    assert server.requests == [None]
    capsys.readouterr()
    assert run(monkeypatch, entry, data_dir) == 0
    assert "already present" in capsys.readouterr().out
    assert server.requests == [None]  # no network on the second run


def test_keep_archive(server, data_dir, monkeypatch):
    assert run(monkeypatch, toy_entry(server.url), data_dir, "--keep-archive") == 0
    assert (data_dir / "toy.tar.gz").read_bytes() == GOOD_TAR


@pytest.mark.parametrize("bad", ["md5", "size"])
def test_checksum_mismatch_leaves_nothing(server, data_dir, monkeypatch, capsys, bad):
    entry = toy_entry(server.url, **({"md5": "0" * 32} if bad == "md5" else {"size": len(GOOD_TAR) + 10}))
    assert run(monkeypatch, entry, data_dir, "--retries", "0") == 1
    out = capsys.readouterr().out
    assert "deleted" in out and bad in out
    assert os.listdir(data_dir) == []


def test_dropped_connection_resumes_on_next_run(server, data_dir, monkeypatch):
    entry = toy_entry(server.url)
    server.modes = ["drop"]
    assert run(monkeypatch, entry, data_dir, "--retries", "0", "--no-fallback") == 1
    part = data_dir / "toy.tar.gz.part"
    half = len(GOOD_TAR) // 2
    assert part.exists() and 0 < part.stat().st_size <= half
    assert not (data_dir / "toyset").exists()
    have = part.stat().st_size
    assert run(monkeypatch, entry, data_dir) == 0
    assert server.requests == [None, f"bytes={have}-"]  # the second run asked only for the rest
    assert (data_dir / "toyset" / "sub" / "b.bin").read_bytes() == BIG
    assert leftovers(data_dir) == []


def test_retry_with_backoff_within_one_call(server, tmp_path):
    server.modes = ["503", "drop"]
    dest = str(tmp_path / "toy.tar.gz")
    core.download(server.url, dest, len(GOOD_TAR), md5(GOOD_TAR), retries=3, backoff=0.01, progress=False)
    assert open(dest, "rb").read() == GOOD_TAR
    assert server.requests[:2] == [None, None] and server.requests[2].startswith("bytes=")


def test_server_ignoring_range_restarts(server, tmp_path):
    server.modes = ["no_range"]
    dest = str(tmp_path / "toy.tar.gz")
    with open(dest + ".part", "wb") as f:
        f.write(b"x" * 1000)  # not even a prefix of the file
    core.download(server.url, dest, len(GOOD_TAR), md5(GOOD_TAR), retries=0, progress=False)
    assert open(dest, "rb").read() == GOOD_TAR


def test_http_404_fails_at_once(server, tmp_path, monkeypatch):
    server.modes = ["404"]
    monkeypatch.setattr(core.time, "sleep", lambda s: pytest.fail("404 must not be retried"))
    with pytest.raises(core.DownloadError, match="404"):
        core.download(server.url, str(tmp_path / "x"), retries=5, progress=False)


def test_name_resolution_failure_fails_fast(monkeypatch, tmp_path):
    calls = []

    def fake_urlopen(*a, **k):
        calls.append(1)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(core.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(core.time, "sleep", lambda s: pytest.fail("a DNS failure must not be retried"))
    with pytest.raises(core.OfflineError, match="resolve"):
        core.download("https://no-such-host.invalid/x.tar.gz", str(tmp_path / "x"), retries=5, progress=False)
    assert len(calls) == 1


def test_connect_timeouts_give_up_after_one_retry(monkeypatch, tmp_path):
    """A host that never answers (packets dropped) is declared unreachable after two timeouts."""
    calls, sleeps = [], []

    def fake_urlopen(*a, **k):
        calls.append(1)
        raise urllib.error.URLError(TimeoutError("timed out"))

    monkeypatch.setattr(core.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(core.time, "sleep", sleeps.append)
    with pytest.raises(core.OfflineError, match="timed out"):
        core.download("https://10.255.255.1/x.tar.gz", str(tmp_path / "x"), retries=5, progress=False)
    assert len(calls) == 2 and len(sleeps) == 1


def test_preplaced_archive_used_without_network(server, data_dir, monkeypatch, capsys):
    (data_dir / "toy.tar.gz").write_bytes(GOOD_TAR)
    assert run(monkeypatch, toy_entry(server.url), data_dir) == 0
    assert server.requests == []
    assert "already in place" in capsys.readouterr().out
    assert (data_dir / "toyset" / "a.txt").exists()
    assert (data_dir / "toy.tar.gz").exists()  # the user's own file is kept


def test_preplaced_wrong_archive_is_moved_aside_then_downloaded(server, data_dir, monkeypatch, capsys):
    wrong = b"y" * (len(GOOD_TAR) + 5)
    (data_dir / "toy.tar.gz").write_bytes(wrong)
    assert run(monkeypatch, toy_entry(server.url), data_dir) == 0
    out = capsys.readouterr().out
    assert "NOT toy's archive" in out and f"size {len(wrong):,} bytes, md5 {md5(wrong)}" in out, out
    assert f"expected {len(GOOD_TAR):,} bytes, md5 {md5(GOOD_TAR)}" in out
    assert "could not download" not in out
    assert (data_dir / "toy.tar.gz.not-toy").read_bytes() == wrong  # kept, under another name
    assert (data_dir / "toyset" / "a.txt").exists()  # then the real one was downloaded


def test_preplaced_wrong_cifar_archive_offline_is_kept_and_falls_back(tmp_path, monkeypatch, capsys):
    offline = dataclasses.replace(registry.REGISTRY["cifar10"], url=closed_port_url())
    monkeypatch.setitem(registry.REGISTRY, "cifar10", offline)
    wrong = b"not cifar" * 1000
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(wrong + b"x" * (offline.size - len(wrong) + 1))
    rc = cli.main(["cifar10", "--data-dir", str(tmp_path), "--synthetic-per-batch", "10", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "NOT cifar10's archive" in out and "moved aside, not deleted" in out
    assert out.index("NOT cifar10's archive") < out.index("OFFLINE FALLBACK")
    assert (tmp_path / "cifar-10-python.tar.gz.not-cifar10").exists()
    assert (tmp_path / "cifar-10-batches-py" / "README.txt").read_text().startswith("SYNTHETIC")


def test_stale_temporary_folders_are_removed(server, data_dir, monkeypatch, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = data_dir / f".tmp-toyset-{dead.pid}-abc123"  # a killed extraction's folder
    (killed / "toyset").mkdir(parents=True)
    (killed / "toyset" / "big.bin").write_bytes(b"0" * 1000)
    old_style = data_dir / ".tmp-toyset-k3j2h1"  # an older run's name, untouched for an hour
    old_style.mkdir()
    os.utime(old_style, (time.time() - 3600, time.time() - 3600))
    live = data_dir / f".tmp-toyset-{os.getppid()}-zzz"  # a running process's: left alone
    live.mkdir()
    assert run(monkeypatch, toy_entry(server.url), data_dir) == 0
    assert not killed.exists() and not old_style.exists() and live.exists()
    assert "left behind by an interrupted run" in capsys.readouterr().out
    assert leftovers(data_dir) == [live.name]


def _symlink(info):
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"


def _hardlink(info):
    info.type, info.linkname = tarfile.LNKTYPE, "toyset/a.txt"


def _device(info):
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3


@pytest.mark.parametrize(
    "evil",
    [
        ("../evil.txt", b"gotcha"),
        ("toyset/../../evil.txt", b"gotcha"),
        ("/tmp/evil-absolute.txt", b"gotcha"),
        ("toyset/link", _symlink),
        ("toyset/hard", _hardlink),
        ("toyset/dev", _device),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink", "device"],
)
def test_unsafe_tar_members_refused(server, data_dir, monkeypatch, capsys, evil):
    payload = make_tarball([("toyset/a.txt", b"hello\n"), ("toyset/sub/b.bin", b"1"), evil])
    (data_dir / "toy.tar.gz").write_bytes(payload)
    assert run(monkeypatch, toy_entry(server.url, payload=payload), data_dir) == 1
    assert "refusing" in capsys.readouterr().out
    assert not (data_dir / "toyset").exists()
    assert not (data_dir.parent / "evil.txt").exists() and not (data_dir / "evil.txt").exists()
    assert not os.path.exists("/tmp/evil-absolute.txt")
    assert leftovers(data_dir) == ["toy.tar.gz"]  # no temporary folder left behind


def test_zip_extraction_and_unsafe_zip(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("toyset/a.txt", b"hello\n")
        zf.writestr("toyset/sub/b.bin", b"12")
    out = tmp_path / "out"
    out.mkdir()
    assert core.safe_extract(str(good), str(out)) == ["toyset"]
    assert (out / "toyset" / "sub" / "b.bin").read_bytes() == b"12"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("toyset/a.txt", b"hello\n")
        zf.writestr("../escape.txt", b"x")
    out2 = tmp_path / "out2"
    out2.mkdir()
    with pytest.raises(core.UnsafeArchiveError):
        core.safe_extract(str(bad), str(out2))
    assert os.listdir(out2) == [] and not (tmp_path / "escape.txt").exists()  # checked before writing
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("toyset/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(core.UnsafeArchiveError):
        core.safe_extract(str(link), str(out2))


def test_archive_without_expected_folder(server, data_dir, monkeypatch, capsys):
    payload = make_tarball([("other/a.txt", b"x")])
    (data_dir / "toy.tar.gz").write_bytes(payload)
    assert run(monkeypatch, toy_entry(server.url, payload=payload), data_dir) == 1
    assert "does not hold toyset" in capsys.readouterr().out
    assert leftovers(data_dir) == ["toy.tar.gz"]


def test_data_root_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("CS231N_DATASETS", str(tmp_path))
    assert cli.data_root() == str(tmp_path)
    assert cli.data_root(str(tmp_path / "x")) == str(tmp_path / "x")
    monkeypatch.delenv("CS231N_DATASETS")
    assert cli.data_root() == os.path.dirname(SCRIPT)


# --------------------------------------------------------------------------- synthetic + fallback


def _synthetic(d, n=20):
    return cli.main(["--synthetic", "--synthetic-per-batch", str(n), "--data-dir", str(d)])


def test_synthetic_format_and_marking(tmp_path):
    assert _synthetic(tmp_path) == 0
    folder = tmp_path / "cifar-10-batches-py"
    names = ["data_batch_%d" % i for i in range(1, 6)] + ["test_batch"]
    assert sorted(os.listdir(folder)) == sorted(names + ["batches.meta", "README.txt"])
    assert (folder / "README.txt").read_text().startswith("SYNTHETIC")
    for name in names:
        raw = (folder / name).read_bytes()
        # Python-2-style pickle: protocol 2, str opcodes, only numpy globals
        ops = [(op.name, arg) for op, arg, _ in pickletools.genops(raw)]
        assert ops[0] == ("PROTO", 2)
        assert {a.split()[0] for n, a in ops if n == "GLOBAL"} <= {
            "numpy._core.multiarray",
            "numpy",
            "numpy.core.multiarray",
        }
        assert not any(n in ("BINBYTES", "SHORT_BINBYTES", "BINUNICODE") for n, _ in ops)
        d = pickle.loads(raw, encoding="bytes")
        assert set(d) == {b"batch_label", b"labels", b"data", b"filenames"}
        assert d[b"data"].dtype == np.uint8 and d[b"data"].shape == (20, 3072)
        assert isinstance(d[b"labels"], list) and sorted(d[b"labels"]) == sorted(list(range(10)) * 2)
        assert d[b"labels"] != sorted(d[b"labels"])  # shuffled, like the real batches
        assert len(d[b"filenames"]) == 20 and isinstance(d[b"filenames"][0], bytes)
        d2 = pickle.loads(raw, encoding="latin1")  # the course's usual way also works
        np.testing.assert_array_equal(d2["data"], d[b"data"])
    meta = pickle.loads((folder / "batches.meta").read_bytes(), encoding="bytes")
    assert meta[b"synthetic"] is True and meta[b"num_cases_per_batch"] == 20 and meta[b"num_vis"] == 3072
    assert meta[b"label_names"][:2] == [b"airplane", b"automobile"] and len(meta[b"label_names"]) == 10
    assert not [n for n in os.listdir(tmp_path) if n != "cifar-10-batches-py"]  # no temp folder left


def test_synthetic_deterministic_and_noop(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _synthetic(a) == 0 and _synthetic(b) == 0
    for name in ["data_batch_1", "data_batch_5", "test_batch", "batches.meta", "README.txt"]:
        assert (a / "cifar-10-batches-py" / name).read_bytes() == (b / "cifar-10-batches-py" / name).read_bytes()
    assert (a / "cifar-10-batches-py" / "data_batch_1").read_bytes() != (
        a / "cifar-10-batches-py" / "data_batch_2"
    ).read_bytes()
    capsys.readouterr()
    mtime = os.path.getmtime(a / "cifar-10-batches-py" / "data_batch_1")
    assert _synthetic(a) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert os.path.getmtime(a / "cifar-10-batches-py" / "data_batch_1") == mtime
    assert _synthetic(a, n=30) == 0  # another size: rewritten
    d = pickle.loads((a / "cifar-10-batches-py" / "test_batch").read_bytes(), encoding="bytes")
    assert d[b"data"].shape == (30, 3072)


def test_synthetic_is_learnable_but_not_trivial(tmp_path):
    """Ridge regression on raw pixels: well above chance (10%) but far from perfect."""
    assert _synthetic(tmp_path, n=200) == 0
    folder = tmp_path / "cifar-10-batches-py"

    def load(name):
        d = pickle.loads((folder / name).read_bytes(), encoding="bytes")
        return d[b"data"].astype(np.float64) / 255.0, np.array(d[b"labels"])

    parts = [load("data_batch_%d" % i) for i in range(1, 6)]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    Xt, yt = load("test_batch")
    mean = X.mean(axis=0)
    X, Xt = X - mean, Xt - mean
    alpha = np.linalg.solve(X @ X.T + 100.0 * np.eye(len(X)), np.eye(10)[y])  # dual ridge
    acc = np.mean(np.argmax(Xt @ (X.T @ alpha), axis=1) == yt)
    assert 0.25 < acc < 0.9, acc


def test_synthetic_never_replaces_real_data(tmp_path, capsys):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in registry.REGISTRY["cifar10"].required:
        (folder / name).write_bytes(b"real")
    assert _synthetic(tmp_path) == 0
    assert "REAL dataset" in capsys.readouterr().out
    assert (folder / "data_batch_1").read_bytes() == b"real"


def test_offline_falls_back_to_synthetic(tmp_path, monkeypatch, capsys):
    offline = dataclasses.replace(registry.REGISTRY["cifar10"], url=closed_port_url())
    monkeypatch.setitem(registry.REGISTRY, "cifar10", offline)
    monkeypatch.setattr(core.time, "sleep", lambda s: pytest.fail("refused connection must not be retried"))
    t0 = time.time()
    rc = cli.main(["--data-dir", str(tmp_path), "--synthetic-per-batch", "10", "--no-progress"])
    assert rc == 0 and time.time() - t0 < 10
    out = capsys.readouterr().out
    assert "OFFLINE FALLBACK" in out and "What to do" in out and "--synthetic" in out
    assert (tmp_path / "cifar-10-batches-py" / "README.txt").read_text().startswith("SYNTHETIC")
    # second run: nothing to do, no network
    assert cli.main(["--data-dir", str(tmp_path), "--synthetic-per-batch", "10"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_offline_no_fallback_fails(tmp_path, monkeypatch, capsys):
    offline = dataclasses.replace(registry.REGISTRY["cifar10"], url=closed_port_url())
    monkeypatch.setitem(registry.REGISTRY, "cifar10", offline)
    assert cli.main(["cifar10", "--data-dir", str(tmp_path), "--no-fallback"]) == 1
    assert "What to do" in capsys.readouterr().out
    assert os.listdir(tmp_path) == []


def test_placed_tarball_replaces_synthetic(server, tmp_path, monkeypatch):
    """A synthetic stand-in is upgraded when the real archive is dropped into the data root."""
    payload = make_tarball([("toyset/a.txt", b"real\n"), ("toyset/sub/b.bin", b"1")])
    entry = toy_entry(server.url, payload=payload, synthetic=lambda dest, n: _fake_synth(dest))
    monkeypatch.setitem(registry.REGISTRY, "toy", entry)
    assert cli.main(["toy", "--synthetic", "--data-dir", str(tmp_path)]) == 0
    assert (tmp_path / "toyset" / "README.txt").exists()
    (tmp_path / "toy.tar.gz").write_bytes(payload)
    assert cli.main(["toy", "--data-dir", str(tmp_path)]) == 0
    assert (tmp_path / "toyset" / "a.txt").read_bytes() == b"real\n"
    assert not (tmp_path / "toyset" / "README.txt").exists()


def _fake_synth(dest):
    os.makedirs(os.path.join(dest, "sub"))
    with open(os.path.join(dest, "README.txt"), "w") as f:
        f.write("SYNTHETIC toy\n")
    for name in ("a.txt", "sub/b.bin"):
        with open(os.path.join(dest, name), "w") as f:
            f.write("fake")


def test_script_runs_with_plain_python(tmp_path):
    """The command line works as a script (help text), without the venv's extras on the path."""
    import subprocess

    proc = subprocess.run([sys.executable, "-S", SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--synthetic" in proc.stdout


def test_extraction_stops_at_max_bytes_really_written(tmp_path):
    archive = tmp_path / "big.tar.gz"
    archive.write_bytes(make_tarball([("toyset/a.txt", b"0" * 100_000), ("toyset/sub/b.bin", b"1")]))
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(core.DatasetError, match="inflates to more than 50,000 bytes"):
        core.safe_extract(str(archive), str(dest), max_bytes=50_000)
    (tmp_path / "out2").mkdir()
    assert core.safe_extract(str(archive), str(tmp_path / "out2")) == ["toyset"]  # no limit by default
