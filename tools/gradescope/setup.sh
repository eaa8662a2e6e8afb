#!/usr/bin/env bash
# Gradescope autograder set-up: Python 3 (3.11+; pick Gradescope's Ubuntu 24.04 base image) and the pinned requirements.
# Gradescope runs this once when it builds the autograder image; the zip is unpacked in /autograder/source.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip python3-venv > /dev/null
python3 -c 'import sys; assert sys.version_info >= (3, 11), "the course needs Python 3.11+: choose the Ubuntu 24.04 base image"'
python3 -m venv /autograder/venv
PIP="/autograder/venv/bin/python -m pip"
$PIP install --quiet --upgrade pip
# torch from PyTorch's CPU index first (the default index would pull a multi-GB CUDA build)
TORCH="$(grep -E '^torch==' /autograder/source/requirements.txt || echo torch)"
$PIP install --quiet "$TORCH" --index-url https://download.pytorch.org/whl/cpu
$PIP install --quiet -r /autograder/source/requirements.txt
echo "autograder set-up done"
