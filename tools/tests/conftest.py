"""Tools' tests: shared fixtures. The fixture course under fixtures/ is test data, not a test suite."""

import json
import os
import shutil
import subprocess

import pytest

collect_ignore = ["fixtures"]

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
ROOT = os.path.dirname(TOOLS)
FIXTURES = os.path.join(TESTS, "fixtures")


def _give_outputs(path):
    """Make the notebook look executed (outputs, execution counts), as an instructor's working
    copy would be: the release must clear them. The committed fixture itself stays clean."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    for k, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = k + 3
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [f"output {k}\n"]}]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


@pytest.fixture
def course(tmp_path):
    """A copy of the fixture course as a git work tree, with an ignored file and some 'data'."""
    root = tmp_path / "course"
    shutil.copytree(os.path.join(FIXTURES, "course"), root)
    (root / ".gitignore").write_text("*.npz\n__pycache__/\n")
    (root / "assignment1" / "weights.npz").write_bytes(b"ignored checkpoint")
    (root / "datasets" / "cifar-10-batches-py").mkdir()
    (root / "datasets" / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"data never ships")
    _give_outputs(root / "assignment1" / "demo.ipynb")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root
