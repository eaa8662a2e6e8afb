"""`make bench`: run the benchmark sections and write build/bench/results.{json,md}.

Each section is a file tools/bench_sections/<aN>_<name>.py defining `run() -> dict`
(metric name -> number or string). It runs in its own process with its assignment
folder (assignmentN) as working directory, so it imports that assignment's `cs231n`.

    python tools/bench.py                 # every section
    python tools/bench.py --only a1       # sections whose name starts with a1 (comma list)

With --only, the new metrics are merged into the existing results.json.
Data: $CS231N_DATASETS or datasets/ (real CIFAR-10 when present; the result says
"synthetic" when only the generated stand-in is there).
"""
import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = os.path.join(ROOT, "tools", "bench_sections")
OUT_DIR = os.path.join(ROOT, "build", "bench")


def data_root():
    return os.environ.get("CS231N_DATASETS") or os.path.join(ROOT, "datasets")


def data_kind():
    """'cifar10', 'synthetic' or 'missing' for the CIFAR-10 folder the loaders will use."""
    folder = os.path.join(data_root(), "cifar-10-batches-py")
    if not os.path.isdir(folder):
        return "missing"
    readme = os.path.join(folder, "README.txt")
    if os.path.exists(readme):
        with open(readme, encoding="utf-8", errors="replace") as f:
            if f.readline().startswith("SYNTHETIC"):
                return "synthetic"
    return "cifar10"


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
    """Median wall time of fn() over `repeats` calls, after `warmup` untimed calls.

    For the sections: `from bench import median_seconds` (tools/ is on their path)."""
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


def section_files(only):
    files = sorted(glob.glob(os.path.join(SECTIONS, "a[0-9]_*.py")))
    if only:
        prefixes = [p.strip() for p in only.split(",") if p.strip()]
        files = [f for f in files if any(os.path.basename(f).startswith(p) for p in prefixes)]
    return files


def run_one(path):
    """Child process: import the section file and dump its metrics as JSON to stdout's last line."""
    sys.path.insert(0, os.getcwd())
    spec = importlib.util.spec_from_file_location("bench_section", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.run()


def write_markdown(results, path):
    lines = ["# Benchmark results", "",
             f"Data: **{results.get('data', '?')}**", "",
             "| metric | value |", "|---|---|"]
    for k in sorted(results):
        v = results[k]
        if isinstance(v, float):
            v = f"{v:.4g}"
        lines.append(f"| `{k}` | {v} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma list of section prefixes, e.g. a1 or a2_conv,a3")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        metrics = run_one(args.child)
        with open(args.child_out, "w") as f:
            json.dump(metrics, f)
        return 0

    kind = data_kind()
    if kind != "cifar10":
        print(f"NOTE: no real CIFAR-10 under {data_root()} ({kind}); accuracy figures below are "
              "on synthetic data and say nothing about the targets. Run `make data` online, or "
              "set CS231N_DATASETS to a folder holding cifar-10-batches-py/.", flush=True)
    files = section_files(args.only)
    if not files:
        print(f"no benchmark sections match {args.only!r} in {SECTIONS}")
        return 2
    os.makedirs(OUT_DIR, exist_ok=True)
    out_json = os.path.join(OUT_DIR, "results.json")
    results = {}
    if args.only and os.path.exists(out_json):
        with open(out_json) as f:
            results = json.load(f)
    results["data"] = kind
    failed = []
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        cwd = os.path.join(ROOT, "assignment" + name[1])
        print(f"\n== bench {name} (in {os.path.relpath(cwd, ROOT)})", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            tmp_path = tmp.name
        t0 = time.time()
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path,
                               "--child-out", tmp_path], cwd=cwd)
        if proc.returncode != 0:
            failed.append(name)
            print(f"!! section {name} failed (exit {proc.returncode})")
        else:
            with open(tmp_path) as f:
                metrics = json.load(f)
            results.update(metrics)
            for k, v in sorted(metrics.items()):
                print(f"   {k:50s} {v}")
        results[f"{name.split('_', 1)[0]}.{name.split('_', 1)[1]}.section_seconds"] = round(time.time() - t0, 2)
        os.unlink(tmp_path)
        # write after every section so a long run that dies keeps what it measured
        tmp_out = out_json + ".tmp"
        with open(tmp_out, "w") as f:
            json.dump(results, f, indent=2, sort_keys=True)
        os.replace(tmp_out, out_json)
        write_markdown(results, os.path.join(OUT_DIR, "results.md"))
    print(f"\nwrote {out_json} and results.md")
    if failed:
        print("failed sections: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
