"""Tools' tests: shared fixtures. The fixture course under fixtures/ is test data, not a test suite."""
import os
import shutil
import subprocess
import sys

import pytest

collect_ignore = ["fixtures"]

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(TESTS)
FIXTURES = os.path.join(TESTS, "fixtures")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)


@pytest.fixture
def course(tmp_path):
    """A copy of the fixture course as a git work tree, with an ignored file and some 'data'."""
    root = tmp_path / "course"
    shutil.copytree(os.path.join(FIXTURES, "course"), root)
    (root / ".gitignore").write_text("*.npz\n__pycache__/\n")
    (root / "assignment1" / "weights.npz").write_bytes(b"ignored checkpoint")
    (root / "datasets" / "cifar-10-batches-py").mkdir()
    (root / "datasets" / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"data never ships")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root
