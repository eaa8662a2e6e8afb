"""Execute the course notebooks with nbclient (smoke sizes on synthetic data, or full size).

    python -m tools.dev.run_notebooks --smoke                      # every notebook, CS231N_SMOKE=1, synthetic data
    python -m tools.dev.run_notebooks --full assignment1/knn.ipynb # real data, full sizes
    python -m tools.dev.run_notebooks --smoke 'assignment2/*.ipynb'

Each notebook runs with its assignment folder as working directory, a per-cell
timeout and a total time limit per notebook (--notebook-timeout), in a kernel that
talks over local IPC sockets (no TCP port, no "running over TCP without encryption"). --smoke sets CS231N_SMOKE=1 and points CS231N_DATASETS at build/smoke-data,
which it fills once with `datasets/get_datasets.py --synthetic` (the datasets each
assignment needs, see NEEDED). --full leaves CS231N_DATASETS as it is (default: the
repository's datasets/). Executed copies go to build/notebooks/<assignment>/ (never
over the sources). A failing notebook prints its cell number, source and error; the
others still run; the exit code is non-zero if any failed. --expect-stubs (used by
`python -m tools.release --notebooks` on the student release) accepts a notebook whose first error is
NotImplementedError: it ran up to the first fill-in.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSIGNMENTS = ["assignment1", "assignment2", "assignment3"]
# synthetic datasets each assignment's notebooks need in smoke mode (only those the
# datasets script knows are prepared)
NEEDED = {
    "assignment1": ["cifar10"],
    "assignment2": ["cifar10"],
    "assignment3": ["cifar10", "coco_captioning", "mnist"],
}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def log(msg=""):
    print(msg, flush=True)


def find_notebooks(patterns):
    if not patterns:
        found = []
        for a in ASSIGNMENTS:
            found += sorted(glob.glob(os.path.join(ROOT, a, "*.ipynb")))
        return found
    found = []
    for p in patterns:
        matches = sorted(glob.glob(p)) or sorted(glob.glob(os.path.join(ROOT, p)))
        if not matches:
            log(f"no notebook matches {p}")
        found += [m for m in matches if m.endswith(".ipynb")]
    return [os.path.abspath(m) for m in found]


def known_datasets():
    """Names of the datasets the datasets script can write synthetically (course_datasets' REGISTRY)."""
    try:
        from datasets.course_datasets.registry import REGISTRY
    except Exception as e:  # a broken package must not hide the notebooks' own errors
        log(f"note: could not read the dataset list from datasets/course_datasets: {e}")
        return {"cifar10"}
    return {k for k, v in REGISTRY.items() if v.synthetic is not None}


def prepare_smoke_data(data_dir, assignments):
    wanted = []
    for a in assignments:
        for d in NEEDED.get(a, ["cifar10"]):
            if d not in wanted:
                wanted.append(d)
    known = known_datasets()
    missing = [d for d in wanted if d not in known]
    if missing:
        log(f"note: the datasets script has no {', '.join(missing)} yet; notebooks needing it may fail")
    wanted = [d for d in wanted if d in known]
    if not wanted:
        return True
    os.makedirs(data_dir, exist_ok=True)
    cmd = [
        sys.executable,
        os.path.join(ROOT, "datasets", "get_datasets.py"),
        *wanted,
        "--synthetic",
        "--data-dir",
        data_dir,
        "--no-progress",
    ]
    log(
        f"smoke data: {' '.join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c for c in cmd[1:])}"
    )
    p = subprocess.run(cmd)
    if p.returncode != 0:
        log("could not prepare the synthetic smoke data (see above)")
    return p.returncode == 0


def _error_text(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = "\n".join(out.get("traceback", []))
            return ANSI.sub("", tb) or f"{out.get('ename')}: {out.get('evalue')}"
    return ""


def ipc_config(socket_dir):
    """Kernel-manager settings for local IPC sockets (files under socket_dir) instead of TCP ports."""
    from traitlets.config import Config

    # socket files socket_dir/kernel-1, -2, ... (keep the path short: AF_UNIX allows ~107 bytes)
    return Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(socket_dir, "kernel")}})


def run_one(path, timeout, out_root, expect_stubs=False, total_timeout=None):
    """Execute one notebook; (ok, report). timeout: per cell; total_timeout: the whole notebook (None: none)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    cwd = os.path.dirname(path)
    state = {"index": None, "total": False}
    deadline = None if total_timeout is None else time.monotonic() + total_timeout

    def on_cell_start(cell, cell_index, **kw):
        state["index"] = cell_index

    def cell_timeout(cell):
        """The per-cell timeout, cut to what is left of the notebook's total time (never <= 0: that means none)."""
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        state["total"] = left < timeout
        return max(1, min(timeout, int(left)))

    socket_dir = tempfile.mkdtemp(prefix="nbrun-")
    client = NotebookClient(
        nb,
        config=ipc_config(socket_dir),
        timeout=timeout,
        timeout_func=cell_timeout,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": cwd}},
        on_cell_start=on_cell_start,
    )
    err = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        err = e
    except Exception as e:  # kernel failed to start, etc.
        err = e
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
    rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else os.path.basename(path)
    dest = os.path.join(out_root, os.path.basename(cwd), os.path.basename(path))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    nbformat.write(nb, dest)
    if err is None:
        return True, ""
    i = state["index"]
    if (
        expect_stubs
        and i is not None
        and isinstance(err, CellExecutionError)
        and getattr(err, "ename", "") == "NotImplementedError"
    ):
        return True, f"  stopped at the first fill-in (cell {i + 1}), as a student release should"
    lines = [f"FAILED {rel}"]
    if i is not None:
        cell = nb.cells[i]
        code_no = sum(1 for c in nb.cells[: i + 1] if c.cell_type == "code")
        lines.append(f"  at cell {i + 1} (code cell {code_no}):")
        lines.append("  " + "\n  ".join(("| " + l) for l in cell.source.splitlines()))
        detail = _error_text(cell)
        if isinstance(err, CellTimeoutError):
            detail = (
                f"the notebook ran longer than its total limit of {total_timeout} s (--notebook-timeout)"
                if state["total"]
                else f"the cell ran longer than the {timeout} s per-cell timeout"
            )
        lines.append("  error:")
        lines.append("  " + "\n  ".join((detail or ANSI.sub("", str(err))).strip().splitlines()[-25:]))
    else:
        lines.append(f"  error before any cell ran: {type(err).__name__}: {str(err).strip()[:2000]}")
    lines.append(f"  executed copy: {os.path.relpath(dest, ROOT) if dest.startswith(ROOT) else dest}")
    return False, "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Execute notebooks top to bottom (nbclient).")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--smoke", action="store_true", help="CS231N_SMOKE=1 on synthetic data (what make test runs)")
    mode.add_argument("--full", action="store_true", help="full sizes on the real data")
    ap.add_argument("notebooks", nargs="*", help="notebook paths or globs (default: every assignment's notebooks)")
    ap.add_argument(
        "--timeout", type=int, default=None, help="per-cell timeout in seconds (default 600 smoke, 7200 full)"
    )
    ap.add_argument(
        "--notebook-timeout",
        type=int,
        default=None,
        help="total seconds per notebook (default 1800 smoke, 36000 full)",
    )
    ap.add_argument("--data-dir", help="use this data root as it is (smoke: skip preparing build/smoke-data)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "notebooks"), help="folder for executed copies")
    ap.add_argument(
        "--expect-stubs",
        action="store_true",
        help="student release: a notebook also passes when its first error is NotImplementedError",
    )
    args = ap.parse_args(argv)
    notebooks = find_notebooks(args.notebooks)
    if not notebooks:
        log("no notebooks to run")
        return 0 if not args.notebooks else 1
    timeout = args.timeout or (600 if args.smoke else 7200)
    total_timeout = args.notebook_timeout or (1800 if args.smoke else 36000)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    if args.smoke:
        os.environ["CS231N_SMOKE"] = "1"
        if args.data_dir:
            os.environ["CS231N_DATASETS"] = os.path.abspath(args.data_dir)
        else:
            data_dir = os.path.join(ROOT, "build", "smoke-data")
            prepare_smoke_data(data_dir, sorted({os.path.basename(os.path.dirname(n)) for n in notebooks}))
            os.environ["CS231N_DATASETS"] = data_dir
    else:
        os.environ.pop("CS231N_SMOKE", None)
        if args.data_dir:
            os.environ["CS231N_DATASETS"] = os.path.abspath(args.data_dir)
    log(
        f"running {len(notebooks)} notebook(s), {'smoke' if args.smoke else 'full'} mode, "
        f"data: {os.environ.get('CS231N_DATASETS', 'datasets/')}, per-cell timeout {timeout} s, "
        f"{total_timeout} s per notebook"
    )
    failures, times = [], []
    for path in notebooks:
        rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
        t0 = time.time()
        ok, report = run_one(path, timeout, os.path.abspath(args.out), args.expect_stubs, total_timeout)
        dt = time.time() - t0
        times.append((rel, ok, dt))
        log(f"{'ok    ' if ok else 'FAILED'} {rel}  ({dt:.1f} s)")
        if report:
            log(report)
        if not ok:
            failures.append(rel)
    log("\nnotebook times:")
    for rel, ok, dt in times:
        log(f"  {'ok  ' if ok else 'FAIL'} {dt:7.1f} s  {rel}")
    if failures:
        log(f"{len(failures)} of {len(notebooks)} notebook(s) failed: {', '.join(failures)}")
        return 1
    log(f"all {len(notebooks)} notebook(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
