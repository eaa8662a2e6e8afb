"""The typed description of one dataset: where its archive comes from, how to check it, what it unpacks to.

Each dataset module (cifar10.py, coco_captioning.py, ...) defines one `DATASET = Dataset(...)`;
registry.py lists them. core.py knows how to fetch any `Dataset`.
"""

from dataclasses import dataclass
from typing import Callable, Optional, Sequence


@dataclass
class Dataset:
    """How to obtain one dataset.

    - name: command-line name, e.g. 'cifar10'
    - url: where the archive is downloaded from
    - filename: archive name inside the data root
    - size, md5: published size in bytes and md5 of the archive (None: not checked)
    - folder: the folder the archive unpacks to (top-level member), placed in the data root
    - required: files that must exist inside `folder` for the dataset to count as present
    - mirrors: further URLs of the same archive, tried in order when `url` fails
    - synthetic: optional function(dest_folder, per_batch) writing a generated stand-in
    - synthetic_current: optional function(folder, per_batch) -> True when the stand-in
      already in `folder` needs no rewrite (default: CIFAR-10's per-batch count matches)
    - prepare: optional function(dataset, data_root, args) replacing the generic
      download + verify + extract (use it for datasets that need more, e.g. several files)
    - notes: one line for --help
    """

    name: str
    url: str
    filename: str
    size: Optional[int]
    md5: Optional[str]
    folder: str
    required: Sequence[str] = ()
    mirrors: Sequence[str] = ()
    synthetic: Optional[Callable] = None
    synthetic_current: Optional[Callable] = None
    prepare: Optional[Callable] = None
    notes: str = ""

    @property
    def urls(self):
        """`url` followed by the mirrors."""
        return [self.url, *self.mirrors]
