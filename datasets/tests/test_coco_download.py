"""Tests of `get_datasets.py coco_captioning`: download from a local server, zip CRC / member / array checks, resume, synthetic set.

A generated zip with the course's layout (coco_captioning/ + the eight real files, made
from a tiny synthetic set) is served on 127.0.0.1; the registry entry's URL is patched to it.
"""

import dataclasses
import http.server
import io
import os
import threading
import zipfile

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASETS = os.path.join(ROOT, "datasets")


from course_datasets import cli, registry, synthetic_coco  # noqa: E402  (datasets/ is the tests' root)
from course_datasets import coco_captioning as cc  # noqa: E402


def _zip_of(folder, drop=(), replace=None):
    """Bytes of a zip holding coco_captioning/<required files> from `folder` (stored, not compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("coco_captioning/", b"")
        for name in cc.REQUIRED:
            if name in drop:
                continue
            data = (replace or {}).get(name)
            if data is None:
                with open(os.path.join(folder, name), "rb") as f:
                    data = f.read()
            zf.writestr("coco_captioning/" + name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("src") / "coco_captioning")
    synthetic_coco.write_synthetic_coco(folder, num_train=12, num_val=10, seed=1)
    return folder


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body, rng = self.server.payload, self.headers.get("Range")
        self.server.ranges.append(rng)
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        if rng:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.payload, srv.ranges = b"", []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/coco_captioning.zip"
    old = registry.REGISTRY["coco_captioning"]
    registry.REGISTRY["coco_captioning"] = dataclasses.replace(old, url=url)
    yield srv
    registry.REGISTRY["coco_captioning"] = old
    srv.shutdown()
    srv.server_close()


def _run(root, *extra):
    return cli.main(
        ["coco_captioning", "--data-dir", str(root), "--no-progress", "--retries", "0", "--no-fallback", *extra]
    )


def test_download_verify_place_and_second_run(server, tiny_set, tmp_path, capsys):
    server.payload = _zip_of(tiny_set)
    assert _run(tmp_path) == 0
    final = tmp_path / "coco_captioning"
    assert sorted(os.listdir(final)) == sorted(cc.REQUIRED)
    assert not (tmp_path / "coco_captioning.zip").exists(), "the archive is removed after extraction"
    assert [p for p in os.listdir(tmp_path) if p.startswith(".tmp")] == []
    out = capsys.readouterr().out
    assert "every CRC-32 right" in out and "arrays OK" in out
    n_requests = len(server.ranges)
    assert _run(tmp_path) == 0 and "already present" in capsys.readouterr().out
    assert len(server.ranges) == n_requests, "a second run must not download again"


def test_corrupt_member_fails_crc_and_nothing_is_placed(server, tiny_set, tmp_path, capsys):
    payload = bytearray(_zip_of(tiny_set))
    pos = payload.index(b'"idx_to_word"')
    payload[pos + 2] ^= 0x01  # one flipped bit inside a stored member
    server.payload = bytes(payload)
    assert _run(tmp_path) == 1
    out = capsys.readouterr().out
    assert "coco2014_vocab.json" in out and "CRC" in out
    assert not (tmp_path / "coco_captioning").exists()
    assert not (tmp_path / "coco_captioning.zip").exists(), "a corrupt download is deleted"


def test_missing_member_is_reported(server, tiny_set, tmp_path, capsys):
    server.payload = _zip_of(tiny_set, drop=("val2014_vgg16_fc7_pca.h5",))
    assert _run(tmp_path) == 1
    assert "val2014_vgg16_fc7_pca.h5" in capsys.readouterr().out
    assert not (tmp_path / "coco_captioning").exists()


def test_wrong_array_dtype_is_reported(server, tiny_set, tmp_path, capsys):
    import h5py

    buf = io.BytesIO()
    with h5py.File(os.path.join(tiny_set, "coco2014_captions.h5"), "r") as src, h5py.File(buf, "w") as dst:
        for k in src:
            dst[k] = np.asarray(src[k]).astype(np.float64 if k == "train_captions" else src[k].dtype)
    server.payload = _zip_of(tiny_set, replace={"coco2014_captions.h5": buf.getvalue()})
    assert _run(tmp_path) == 1
    out = capsys.readouterr().out
    assert "train_captions" in out and "float64" in out and "int32" in out
    assert not (tmp_path / "coco_captioning").exists()


def test_partial_download_is_resumed(server, tiny_set, tmp_path):
    payload = _zip_of(tiny_set)
    server.payload = payload
    (tmp_path / "coco_captioning.zip.part").write_bytes(payload[: len(payload) // 2])
    assert _run(tmp_path) == 0
    assert server.ranges[0] == f"bytes={len(payload) // 2}-"
    assert (tmp_path / "coco_captioning" / "coco2014_captions.h5").is_file()


def test_archive_put_in_place_by_hand_is_used_offline(tiny_set, tmp_path, capsys):
    (tmp_path / "coco_captioning.zip").write_bytes(_zip_of(tiny_set))
    assert _run(tmp_path) == 0  # the registry URL is unreachable here; not needed
    assert (tmp_path / "coco_captioning" / "train2014_urls.txt").is_file()
    assert (tmp_path / "coco_captioning.zip").exists(), "a user's own archive is kept"


def test_verify_extracted_checks_consistency(tiny_set, tmp_path):
    summary = cc.verify_extracted(tiny_set)
    assert summary["train_features_pca"] == (12, 512) and summary["val_captions"] == (40, 17)
    bad = tmp_path / "coco_captioning"
    import shutil

    shutil.copytree(tiny_set, bad)
    with open(bad / "val2014_urls.txt", "a") as f:
        f.write("http://example.org/extra.jpg\n")
    with pytest.raises(cc.CocoVerifyError, match="val2014_urls.txt"):
        cc.verify_extracted(str(bad))


def test_the_course_url_is_https():
    assert registry.REGISTRY["coco_captioning"].url.startswith("https://")
    assert all(u.startswith("https://") for u in registry.REGISTRY["coco_captioning"].urls)


def test_inflated_bytes_are_capped(server, tiny_set, tmp_path, capsys):
    """A ~200 KB zip whose member inflates to 200 MB is refused after the cap (64 MiB here), before any extraction."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("coco_captioning/", b"")
        for name in cc.REQUIRED:
            if name == "train2014_urls.txt":
                zf.writestr("coco_captioning/" + name, b"\0" * (200 << 20), compresslevel=9)
            else:
                zf.write(os.path.join(tiny_set, name), "coco_captioning/" + name)
    server.payload = buf.getvalue()
    assert len(server.payload) < 1 << 20
    read = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *a, **k):
        f = real_open(self, name, *a, **k)
        real_read = f.read

        def read_(n=-1):
            block = real_read(n)
            read.append(len(block))
            return block

        f.read = read_
        return f

    zipfile.ZipFile.open = counting_open
    try:
        assert _run(tmp_path) == 1
    finally:
        zipfile.ZipFile.open = real_open
    out = capsys.readouterr().out
    assert "inflates to more than" in out and "train2014_urls.txt" in out, out
    assert sum(read) <= cc.MIN_CAP + (1 << 20), f"{sum(read):,} bytes inflated before refusing"
    assert not (tmp_path / "coco_captioning").exists()
    assert [p for p in os.listdir(tmp_path) if p.startswith(".tmp")] == []
