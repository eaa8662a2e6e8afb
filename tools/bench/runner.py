"""`make bench`: run the benchmark sections and write build/bench/results.{json,md}.

Each section is a module tools/bench/sections/<aN>_<name>.py defining `run() -> dict`
(metric name -> number or string). It runs in its own process with its assignment
folder (assignmentN) as working directory, so it imports that assignment's `cs231n`;
the repository's top is on its PYTHONPATH, so it imports `tools.bench` for the timers.

    python -m tools.bench                 # every section
    python -m tools.bench --only a1       # sections whose name starts with a1 (comma list)

With --only, the new metrics are merged into the existing results.json. results.md starts
with the targets table: pass / margin / fail per target the issues set (tools/bench/targets.py).
Data: $CS231N_DATASETS or datasets/ (real CIFAR-10 when present; the result says
"synthetic" when only the generated stand-in is there).
"""

import argparse
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

from datasets.course_datasets.layout import datasets_root, is_synthetic
from tools.bench.targets import markdown_lines, text_lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = os.path.join(ROOT, "tools", "bench", "sections")
OUT_DIR = os.path.join(ROOT, "build", "bench")


def data_root():
    return datasets_root(start=ROOT)


def data_kind():
    """'cifar10', 'synthetic' or 'missing' for the CIFAR-10 folder the loaders will use."""
    folder = os.path.join(data_root(), "cifar-10-batches-py")
    if not os.path.isdir(folder):
        return "missing"
    return "synthetic" if is_synthetic(folder) else "cifar10"


def section_files(only):
    files = sorted(glob.glob(os.path.join(SECTIONS, "a[0-9]_*.py")))
    if only:
        prefixes = [p.strip() for p in only.split(",") if p.strip()]
        files = [f for f in files if any(os.path.basename(f).startswith(p) for p in prefixes)]
    return files


def run_one(path):
    """Child process (assignment folder as working directory): import the section and return its metrics."""
    name = os.path.splitext(os.path.basename(path))[0]
    return importlib.import_module(f"tools.bench.sections.{name}").run()


def write_markdown(results, path):
    """results.md: the data kind, the targets table (tools/bench/targets.py), then every metric."""
    lines = ["# Benchmark results", "", f"Data: **{results.get('data', '?')}**", ""]
    lines += markdown_lines(results) + ["", "## Metrics", "", "| metric | value |", "|---|---|"]
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
        print(
            f"NOTE: no real CIFAR-10 under {data_root()} ({kind}); accuracy figures below are "
            "on synthetic data and say nothing about the targets. Run `make data` online, or "
            "set CS231N_DATASETS to a folder holding cifar-10-batches-py/.",
            flush=True,
        )
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
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
        proc = subprocess.run(
            [sys.executable, "-m", "tools.bench", "--child", path, "--child-out", tmp_path], cwd=cwd, env=env
        )
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
    print("\ntargets (pass: cleared with margin; margin: met without it; fail: missed):")
    for line in text_lines(results):
        print("   " + line)
    print(f"\nwrote {out_json} and results.md")
    if failed:
        print("failed sections: " + ", ".join(failed))
        return 1
    return 0
