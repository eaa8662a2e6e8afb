"""Weights the assignment ships: one checksum rule and one safe loader for every such file."""

import hashlib
import os

import torch


class WeightsError(RuntimeError):
    """A shipped weights file is missing or is not the file the kit was released with."""


class WeightsMissing(WeightsError, FileNotFoundError):
    """The weights file is not there."""


class WeightsAltered(WeightsError, ValueError):
    """The weights file's sha256 differs from the recorded one (altered, truncated or replaced)."""


def sha256_of(path):
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_verified(path, expected_sha256, restore_hint):
    """torch.load a shipped weights file after checking its sha256; nothing in it is executed.

    Inputs:
    - path: the weights file
    - expected_sha256: the hex digest recorded when the file was made
    - restore_hint: one sentence on how to get the right file back (said in every error)
    Returns what the file holds: tensors in plain containers (weights_only=True refuses anything else).
    Raises WeightsMissing (a FileNotFoundError) or WeightsAltered (a ValueError), both WeightsError.
    """
    if not os.path.isfile(path):
        raise WeightsMissing(f"the weights {path} are missing. {restore_hint}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise WeightsAltered(
            f"the weights {path} have sha256 {actual}, expected {expected_sha256}: the file was altered "
            f"or is incomplete. {restore_hint}"
        )
    return torch.load(path, map_location="cpu", weights_only=True)
