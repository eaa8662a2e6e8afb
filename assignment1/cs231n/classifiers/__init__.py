"""Classifiers for assignment 1: kNN, linear SVM / softmax, and the two-layer net.

`from cs231n.classifiers import KNearestNeighbor` imports only the module that defines it
(PEP 562 lazy attributes), so an error in one classifier's file does not break the others.
"""

import importlib

_WHERE = {
    "KNearestNeighbor": "k_nearest_neighbor",
    "LinearClassifier": "linear_classifier",
    "LinearSVM": "linear_classifier",
    "Softmax": "linear_classifier",
    "TwoLayerNet": "fc_net",
}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
