"""Tests of `get_datasets.py mnist`: four files from a local server (mirrors, md5s, idx headers, resume, pre-placed files), offline fallback, the synthetic set.

Small idx files stand in for MNIST's; mnist.FILES / mnist.HEADERS are patched to their
sizes, md5s and counts, and the registry entry's mirrors to the server on 127.0.0.1.
"""

import dataclasses
import gzip
import hashlib
import http.server
import os
import socket
import threading

import numpy as np
import pytest

from course_datasets import cli, core, registry  # noqa: E402  (datasets/ is the tests' root)
from course_datasets import mnist  # noqa: E402
from course_datasets.synthetic_mnist import FILES, idx_bytes, synthetic_sizes, write_synthetic_mnist  # noqa: E402

N_TRAIN, N_TEST = 12, 6


def _gz(array):
    return gzip.compress(idx_bytes(array), mtime=0)


def _payloads():
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte.gz": _gz(rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte.gz": _gz(np.arange(N_TRAIN, dtype=np.uint8) % 10),
        "t10k-images-idx3-ubyte.gz": _gz(rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte.gz": _gz(np.arange(N_TEST, dtype=np.uint8) % 10),
    }


PAYLOADS = _payloads()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        base, name = self.path.rsplit("/", 1)
        rng = self.headers.get("Range")
        srv.requests.append((self.path, rng))
        body = srv.files.get(name) if base == srv.good_base else None
        if body is None:
            self.send_error(404)
            return
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        if rng:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])


def closed_port_base():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/mnist/"


def _small_synthetic(dest, per_batch=None):
    return write_synthetic_mnist(dest, num_train=100, num_test=50)


@pytest.fixture
def server(monkeypatch):
    """Serves PAYLOADS under /good/; registry mnist points at /bad/ (404) then /good/ (PyTorch's order: two mirrors)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.files, srv.requests, srv.good_base = dict(PAYLOADS), [], "/good"
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{srv.server_address[1]}"
    srv.good_url = host + "/good/"
    entry = dataclasses.replace(
        registry.REGISTRY["mnist"], url=host + "/bad/", mirrors=(srv.good_url,), synthetic=_small_synthetic
    )
    monkeypatch.setitem(registry.REGISTRY, "mnist", entry)
    monkeypatch.setattr(mnist, "FILES", {n: (len(b), hashlib.md5(b).hexdigest()) for n, b in PAYLOADS.items()})
    monkeypatch.setattr(
        mnist, "HEADERS", {n: (mnist.HEADERS[n][0], N_TRAIN if "train" in n else N_TEST) for n in PAYLOADS}
    )
    yield srv
    srv.shutdown()
    srv.server_close()


def _run(data_dir, *extra):
    return cli.main(["mnist", "--data-dir", str(data_dir), "--no-progress", "--retries", "0", *extra])


def test_registered_with_pytorch_mirrors_and_published_md5s():
    ds = registry.REGISTRY["mnist"]
    assert ds.urls == ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    assert mnist.FILES["train-images-idx3-ubyte.gz"] == (9_912_422, "f68b3c2dcbeaaa9fbdd348bbdeb94873")
    assert mnist.FILES["t10k-labels-idx1-ubyte.gz"] == (4_542, "ec29112dd5afa0611ce80d1b7f02629c")
    assert set(ds.required) == set(FILES.values())


def test_download_tries_mirrors_verifies_and_places(server, tmp_path, capsys):
    assert _run(tmp_path) == 0
    folder = tmp_path / "mnist"
    for name, body in PAYLOADS.items():
        assert (folder / name).read_bytes() == body
    assert sorted(os.listdir(tmp_path)) == ["mnist"], "no .part, no temporary folder, no loose files"
    paths = [p for p, _ in server.requests]
    assert "/bad/train-images-idx3-ubyte.gz" in paths and "/good/train-images-idx3-ubyte.gz" in paths
    assert "trying the mirror" in capsys.readouterr().out
    n = len(server.requests)
    assert _run(tmp_path) == 0
    assert "already present" in capsys.readouterr().out
    assert len(server.requests) == n, "a second run uses no network"


def test_checksum_mismatch_deletes_and_places_nothing(server, tmp_path, capsys):
    name = "t10k-images-idx3-ubyte.gz"
    body = bytearray(PAYLOADS[name])
    body[-5] ^= 0xFF  # same size, other md5
    server.files[name] = bytes(body)
    assert _run(tmp_path, "--no-fallback") == 1
    out = capsys.readouterr().out
    assert "md5" in out and "deleted" in out
    assert not (tmp_path / "mnist").exists()
    assert not (tmp_path / name).exists()


def test_partial_download_is_resumed(server, tmp_path):
    name = "train-images-idx3-ubyte.gz"
    half = len(PAYLOADS[name]) // 2
    (tmp_path / (name + ".part")).write_bytes(PAYLOADS[name][:half])
    assert _run(tmp_path) == 0
    assert ("/good/" + name, f"bytes={half}-") in server.requests
    assert (tmp_path / "mnist" / name).read_bytes() == PAYLOADS[name]


def test_files_put_in_place_by_hand_are_used_without_network(server, tmp_path):
    for name, body in PAYLOADS.items():
        (tmp_path / name).write_bytes(body)
    assert _run(tmp_path) == 0
    assert server.requests == []
    assert (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes() == PAYLOADS["train-labels-idx1-ubyte.gz"]
    assert (tmp_path / "train-labels-idx1-ubyte.gz").exists(), "a user's own file is kept"


def test_bad_hand_placed_file_is_reported(server, tmp_path, capsys):
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"x" * len(PAYLOADS["train-labels-idx1-ubyte.gz"]))
    assert _run(tmp_path, "--no-fallback") == 1
    out = capsys.readouterr().out
    assert "train-labels-idx1-ubyte.gz" in out and "md5" in out
    assert not (tmp_path / "mnist").exists()


def test_wrong_idx_header_names_the_file(server, tmp_path, monkeypatch, capsys):
    name = "train-labels-idx1-ubyte.gz"
    wrong = _gz(np.zeros((N_TRAIN, 2), np.uint8))  # an idx2 file where idx1 labels belong
    server.files[name] = wrong
    monkeypatch.setitem(mnist.FILES, name, (len(wrong), hashlib.md5(wrong).hexdigest()))
    assert _run(tmp_path, "--no-fallback") == 1
    out = capsys.readouterr().out
    assert name in out and "idx header" in out
    assert not (tmp_path / "mnist").exists()


def test_offline_falls_back_to_marked_synthetic(server, tmp_path, monkeypatch, capsys):
    entry = dataclasses.replace(registry.REGISTRY["mnist"], url=closed_port_base(), mirrors=(closed_port_base(),))
    monkeypatch.setitem(registry.REGISTRY, "mnist", entry)
    monkeypatch.setattr(core.time, "sleep", lambda s: pytest.fail("refused connection must not be retried"))
    assert _run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "OFFLINE FALLBACK" in out and "What to do" in out
    folder = tmp_path / "mnist"
    assert (folder / "README.txt").read_text().startswith("SYNTHETIC")
    assert synthetic_sizes(str(folder)) == (100, 50)
    assert _run(tmp_path) == 0  # second run: the stand-in is in place, no network
    assert "nothing to do" in capsys.readouterr().out


def test_offline_no_fallback_fails_cleanly(tmp_path, monkeypatch, capsys):
    entry = dataclasses.replace(registry.REGISTRY["mnist"], url=closed_port_base(), mirrors=())
    monkeypatch.setitem(registry.REGISTRY, "mnist", entry)
    assert _run(tmp_path, "--no-fallback") == 1
    assert "What to do" in capsys.readouterr().out
    assert os.listdir(tmp_path) == []


def _read(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    nd = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(nd))
    return int.from_bytes(raw[:4], "big"), np.frombuffer(raw[4 + 4 * nd :], np.uint8).reshape(shape)


def test_synthetic_format_balance_and_determinism(tmp_path):
    a = write_synthetic_mnist(str(tmp_path / "a"), num_train=200, num_test=100, seed=0)
    b = write_synthetic_mnist(str(tmp_path / "b"), num_train=200, num_test=100, seed=0)
    magic, X = _read(os.path.join(a, FILES["train_images"]))
    assert magic == 0x803 and X.shape == (200, 28, 28)
    magic, y = _read(os.path.join(a, FILES["train_labels"]))
    assert magic == 0x801 and y.shape == (200,)
    assert np.bincount(y, minlength=10).tolist() == [20] * 10
    assert X.max() == 255 and (X == 0).mean() > 0.4, "white strokes on an exactly black background, like MNIST"
    # digits are centred: the ink's centre of mass near the middle
    ys, xs = np.nonzero(X.sum(0))
    assert 8 < ys.mean() < 20 and 8 < xs.mean() < 20
    for name in FILES.values():
        assert open(os.path.join(a, name), "rb").read() == open(os.path.join(b, name), "rb").read()
    assert open(os.path.join(a, "README.txt")).readline().startswith("SYNTHETIC")
