"""The datasets `get_datasets.py` knows: one module per dataset, each defining `DATASET`.

To add a dataset: write `course_datasets/mnist.py` with
`DATASET = Dataset(name="mnist", ...)` (spec.py says what each field means; a dataset of
several files, like MNIST's four idx files, gives a `prepare` function that calls
core.download_any / core.verify per file and core.place_folder for the finished folder, as
coco_captioning.prepare does), and a `synthetic` hook writing the stand-in in the same
format whose README.txt starts with SYNTHETIC (layout.py). Then add the module below.
"""

from . import cifar10, coco_captioning, mnist

REGISTRY = {m.DATASET.name: m.DATASET for m in (cifar10, coco_captioning, mnist)}
DEFAULT_DATASETS = ["cifar10"]
