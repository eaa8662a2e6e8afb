"""Classifiers for assignment 1: kNN, linear SVM / softmax, and the two-layer net."""

from cs231n.classifiers.k_nearest_neighbor import *
from cs231n.classifiers.linear_classifier import *
from cs231n.classifiers.fc_net import *
