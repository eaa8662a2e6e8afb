#!/usr/bin/env python3
"""Fetch the course datasets: download, verify, extract atomically; offline, write a synthetic stand-in.

    python datasets/get_datasets.py                    # CIFAR-10 (synthetic fallback offline)
    python datasets/get_datasets.py cifar10 coco_captioning
    python datasets/get_datasets.py --synthetic        # generated stand-in, no network
    python datasets/get_datasets.py --help             # every flag

The work is done by the package beside this script, course_datasets/ (its __init__ says
which module does what). This file is only the entry point, and its location marks the
data root (layout.py).
"""

import sys

from course_datasets.cli import main

if __name__ == "__main__":
    sys.exit(main())
