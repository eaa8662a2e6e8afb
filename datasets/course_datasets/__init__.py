"""The course datasets: one module per dataset behind one typed description, and the machinery to fetch them.

    layout.py             where the data lives ($CS231N_DATASETS or datasets/) and the SYNTHETIC marker rule
    spec.py               Dataset: URL and mirrors, archive name, size, md5, folder, required files, hooks
    core.py               download (resume, retries, mirrors), verify, safe extraction, atomic placement
    cifar10.py            CIFAR-10's Dataset (+ synthetic_cifar10.py, the offline stand-in)
    coco_captioning.py    COCO captioning's Dataset and its own verification (+ synthetic_coco.py)
    mnist.py              MNIST's four idx files from PyTorch's mirrors (+ synthetic_mnist.py, from scikit-learn's digits)
    registry.py           the list of datasets (add a new module there)
    cli.py                the command line behind datasets/get_datasets.py

Tests: datasets/tests/ (`cd datasets && python -m pytest tests`).
"""
