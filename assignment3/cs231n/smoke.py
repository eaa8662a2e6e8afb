"""Smoke mode: the one switch (CS231N_SMOKE=1) that shrinks notebook sizes so CI runs them fast."""

import os

SMOKE = os.environ.get("CS231N_SMOKE", "").strip().lower() not in ("", "0", "false", "no")


def pick(full, smoke):
    """Return `smoke` in smoke mode and `full` otherwise, e.g. num_iters = pick(1500, 20)."""
    return smoke if SMOKE else full
