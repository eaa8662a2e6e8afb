"""Tests of the given pretrained-network code: the shipped weights load and match their checksum; a missing or altered file is refused with a clear error.

Given code, not graded: GRADED = False tells the release validator to skip this module.
"""

import os
import shutil

import pytest
import torch

from cs231n.pretrained import WEIGHTS_FILE, WEIGHTS_SHA256, CifarNet, load_pretrained
from cs231n.weights_io import WeightsError, sha256_of

GRADED = False


def test_shipped_weights_match_their_checksum_and_load():
    assert os.path.isfile(WEIGHTS_FILE), f"{WEIGHTS_FILE} is missing (it must be committed)"
    assert sha256_of(WEIGHTS_FILE) == WEIGHTS_SHA256
    assert os.path.getsize(WEIGHTS_FILE) < 4_000_000, "the shipped weights should stay small"
    model = load_pretrained()
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    with torch.no_grad():
        assert tuple(model(torch.zeros(2, 3, 32, 32)).shape) == (2, 10)
        assert tuple(model(torch.zeros(1, 3, 48, 40)).shape) == (1, 10)  # any size of at least 8x8


def test_weights_load_without_executing_code():
    state = torch.load(WEIGHTS_FILE, map_location="cpu", weights_only=True)
    assert set(state) == set(CifarNet().state_dict())
    assert all(v.dtype in (torch.float16, torch.int64) for v in state.values())


def test_missing_weights_are_refused_with_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="missing"):
        load_pretrained(str(tmp_path / "nothing.pt"))


def test_altered_weights_are_refused(tmp_path):
    copy = tmp_path / "w.pt"
    shutil.copy(WEIGHTS_FILE, copy)
    with open(copy, "r+b") as f:
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 1]))
    with pytest.raises(WeightsError, match="altered"):
        load_pretrained(str(copy))
