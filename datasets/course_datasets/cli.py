"""The command line of `datasets/get_datasets.py`: which datasets, which route (download or synthetic), the fallback.

    python datasets/get_datasets.py                    # CIFAR-10 (synthetic fallback offline)
    python datasets/get_datasets.py cifar10 --no-fallback
    python datasets/get_datasets.py --synthetic        # generated stand-in, no network
    python datasets/get_datasets.py --data-dir /data   # somewhere else

Data root: --data-dir, else the rule of layout.py ($CS231N_DATASETS, else the
`datasets/` folder holding get_datasets.py). Standard library only until a synthetic
set is written.
"""

import argparse
import os
import sys

from .core import (
    ChecksumError,
    DatasetError,
    DownloadError,
    OfflineError,
    banner,
    offline_help,
    prepare_download,
    prepare_synthetic,
    say,
)
from .layout import datasets_root
from .registry import DEFAULT_DATASETS, REGISTRY


def data_root(cli_value=None):
    """--data-dir, else $CS231N_DATASETS, else the datasets/ folder holding get_datasets.py."""
    return os.path.abspath(cli_value) if cli_value else datasets_root()


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Download, verify and unpack the course datasets (or write a synthetic stand-in).",
        epilog="Data root: --data-dir, else $CS231N_DATASETS, else the folder holding this script. "
        "Available: " + ", ".join(f"{k} ({v.notes})" for k, v in REGISTRY.items()),
    )
    ap.add_argument(
        "datasets", nargs="*", metavar="DATASET", help=f"datasets to prepare (default: {' '.join(DEFAULT_DATASETS)})"
    )
    ap.add_argument(
        "--synthetic", action="store_true", help="write the generated stand-in instead of downloading (no network)"
    )
    ap.add_argument(
        "--synthetic-per-batch",
        type=int,
        default=1000,
        metavar="N",
        help="images per batch for the synthetic CIFAR-10 (default 1000: 5,000 train, 1,000 test)",
    )
    ap.add_argument(
        "--no-fallback",
        action="store_true",
        help="when the download fails, stop with an error instead of writing synthetic data",
    )
    ap.add_argument("--data-dir", metavar="DIR", help="data root (default: $CS231N_DATASETS or this folder)")
    ap.add_argument(
        "--force",
        action="store_true",
        help="prepare again even if the dataset folder exists (replaces it, e.g. the synthetic one)",
    )
    ap.add_argument("--keep-archive", action="store_true", help="keep the downloaded archive after extraction")
    ap.add_argument("--retries", type=int, default=5, help="retries for transient download errors (default 5)")
    ap.add_argument("--timeout", type=float, default=30.0, help="socket timeout in seconds (default 30)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    args.datasets = args.datasets or list(DEFAULT_DATASETS)
    unknown = [d for d in args.datasets if d not in REGISTRY]
    if unknown:
        ap.error(f"unknown dataset(s) {', '.join(unknown)}; available: {', '.join(REGISTRY)}")
    if args.synthetic_per_batch < 10:
        ap.error("--synthetic-per-batch must be at least 10")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    root = data_root(args.data_dir)
    os.makedirs(root, exist_ok=True)
    status = 0
    for name in args.datasets:
        ds = REGISTRY[name]
        try:
            if args.synthetic:
                prepare_synthetic(ds, root, args.synthetic_per_batch, force=args.force)
            elif ds.prepare is not None:
                ds.prepare(ds, root, args)
            else:
                prepare_download(
                    ds,
                    root,
                    force=args.force,
                    keep_archive=args.keep_archive,
                    retries=args.retries,
                    timeout=args.timeout,
                    progress=not args.no_progress,
                )
        except (OfflineError, DownloadError, ChecksumError) as e:
            say(offline_help(ds, root, e))
            if ds.synthetic is None or args.no_fallback:
                status = 1
                continue
            final = os.path.join(root, ds.folder)
            banner(
                [
                    f"OFFLINE FALLBACK: {ds.name} could not be downloaded.",
                    f"Writing a SYNTHETIC stand-in to {final}.",
                    "Every notebook runs on it, but accuracies measured on it are NOT",
                    f"{ds.name}'s. Get the real data later with:",
                    f"    python datasets/get_datasets.py {ds.name} --force",
                ]
            )
            try:
                prepare_synthetic(ds, root, args.synthetic_per_batch, force=False)
            except DatasetError as e2:
                say(f"{ds.name}: {e2}")
                status = 1
        except DatasetError as e:
            say(f"{ds.name}: {e}")
            status = 1
        except KeyboardInterrupt:
            say(f"\n{ds.name}: interrupted; a partial download is kept and resumed next time.")
            return 130
    return status
