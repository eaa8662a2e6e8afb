"""tools/dev/ddpm_probe.py keeps its own copy of train_ddpm's loop (to hold several weight averages): its --check must still find the two bit-for-bit equal."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_probe_loop_matches_train_ddpm():
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    r = subprocess.run(
        [sys.executable, "-m", "tools.dev.ddpm_probe", "check", "--check"],
        cwd=os.path.join(ROOT, "assignment3"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0 and "exactly" in r.stdout, r.stdout + r.stderr
