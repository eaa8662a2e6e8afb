"""Autograder test configuration: registers the `points` marker and puts the assignment on sys.path.

Points for a test are declared in exactly one place, on the test itself:

    @pytest.mark.points(3)
    def test_svm_loss_vectorized_matches_naive(): ...

A test without the marker is worth 1 point. The question a test belongs to is its
file name without `test_` (tests/test_knn.py -> "knn").
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ASSIGNMENT = os.path.dirname(HERE)
if ASSIGNMENT not in sys.path:
    sys.path.insert(0, ASSIGNMENT)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth in the autograder (default 1)")
