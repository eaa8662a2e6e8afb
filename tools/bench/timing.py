"""Timing helpers for the benchmark sections: medians of repeated wall-clock timings.

from tools.bench import median_seconds, paired_median_seconds
"""

import time


def _timings(fn, repeats, warmup):
    """Wall times of `repeats` calls of fn(), after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _median(times):
    return sorted(times)[len(times) // 2]


def median_seconds(fn, repeats=3, warmup=0):
    """Median wall time of fn() over `repeats` calls, after `warmup` untimed calls."""
    return _median(_timings(fn, repeats, warmup))


def paired_median_seconds(fns, repeats=9, warmup=2, rounds=3):
    """Median wall times of several functions, timed in blocks taken in turn.

    Each round runs every function in turn: `warmup` untimed calls, then `repeats` timed
    calls in a row. Blocks, not single calls, because a library's worker threads keep
    spinning for a while after a call (OpenBLAS, OpenMP) and would slow down the other
    library's next call; rounds, because a shared machine's speed drifts during a run and
    timing one function entirely before the other would turn that drift into a false ratio.
    Returns a list of medians (over all rounds), one per function."""
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, ts in zip(fns, times):
            ts.extend(_timings(fn, repeats, warmup))
    return [_median(ts) for ts in times]
