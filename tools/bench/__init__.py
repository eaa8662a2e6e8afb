"""Benchmarks: speed against PyTorch / scikit-learn and accuracy on CIFAR-10, one section per file.

python -m tools.bench [--only a1,a2_conv]     # (make bench) -> build/bench/results.{json,md}

runner.py       runs each section in its own process (assignment folder as working directory)
timing.py       median_seconds, paired_median_seconds: what the sections time with
targets.py      the issues' targets per metric: pass / margin / fail lines in results.md
sections/       aN_<name>.py, each defining run() -> {metric: value}
"""

from .timing import median_seconds, paired_median_seconds  # noqa: F401
