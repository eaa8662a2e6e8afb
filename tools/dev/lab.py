"""`make lab`: start JupyterLab on the repository's top, adding --allow-root when run as root (Docker, cloud notebooks).

    python -m tools.dev.lab [more jupyter lab options]

Jupyter refuses to start as root ("Running as root is not recommended. Use --allow-root
to bypass."); in a container root is the only user, so the kit passes --allow-root
there and says so. Everything else is plain `jupyter lab --notebook-dir=<top>`;
tools/dev/browser_check.py starts the server through lab_command() too.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(extra=(), root=ROOT):
    """The argv that starts JupyterLab on `root` with this Python's jupyter (plus --allow-root as root)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={root}"]
    if running_as_root():
        cmd.append("--allow-root")
    return cmd + list(extra)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cmd = lab_command(argv)
    if running_as_root():
        print(
            "note: running as root (as in a container), so JupyterLab is started with --allow-root; "
            "on a shared machine run `make lab` as an ordinary user instead.",
            flush=True,
        )
    os.execv(cmd[0], cmd)  # JupyterLab replaces this process: Ctrl-C reaches it directly


if __name__ == "__main__":
    main()
