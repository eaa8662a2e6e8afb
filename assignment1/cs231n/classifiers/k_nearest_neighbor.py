"""k-nearest-neighbour classifier with L2 distances computed three ways (two loops, one loop, no loops)."""

import numpy as np


class KNearestNeighbor(object):
    """A kNN classifier with L2 distance.

    Training only memorises the data; prediction finds, for each test point, the k
    closest training points and takes a majority vote over their labels.
    """

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """
        Train the classifier. For k-nearest neighbours this is just memorising the data.

        Inputs:
        - X: A numpy array of shape (num_train, D) containing the training data,
          num_train samples each of dimension D.
        - y: A numpy array of shape (num_train,) containing the training labels,
          where y[i] is the label for X[i].
        """
        X = np.asarray(X)
        y = np.asarray(y)
        assert X.ndim == 2, f"X must be 2-D (num_train, D); got shape {X.shape}: reshape images with X.reshape(N, -1)"
        assert y.shape == (X.shape[0],), f"y must have shape ({X.shape[0]},) to match X; got {y.shape}"
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """
        Predict labels for test data using this classifier.

        Inputs:
        - X: A numpy array of shape (num_test, D) containing test data consisting
             of num_test samples each of dimension D.
        - k: The number of nearest neighbours that vote for the predicted labels.
        - num_loops: Determines which implementation to use to compute distances
          between training points and testing points (0, 1 or 2).

        Returns:
        - y: A numpy array of shape (num_test,) containing predicted labels for the
          test data, where y[i] is the predicted label for the test point X[i].
        """
        assert self.X_train is not None, "call train(X, y) before predict"
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError(f"Invalid value {num_loops!r} for num_loops: use 0, 1 or 2")

        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using a nested loop over both the training data and the
        test data.

        Inputs:
        - X: A numpy array of shape (num_test, D) containing test data.

        Returns:
        - dists: A numpy array of shape (num_test, num_train) where dists[i, j]
          is the Euclidean distance between the ith test point and the jth training
          point.
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                #####################################################################
                # TODO:                                                             #
                # Compute the l2 distance between the ith test point and the jth    #
                # training point, and store the result in dists[i, j]. You should   #
                # not use a loop over dimension, nor use np.linalg.norm().          #
                #####################################################################
                ### BEGIN SOLUTION
                diff = X[i].astype(np.float64) - self.X_train[j]
                dists[i, j] = np.sqrt(np.sum(diff * diff))
                ### END SOLUTION
        return dists

    def compute_distances_one_loop(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using a single loop over the test data.

        Input / Output: Same as compute_distances_two_loops
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            #######################################################################
            # TODO:                                                               #
            # Compute the l2 distance between the ith test point and all training #
            # points, and store the result in dists[i, :].                        #
            # Do not use np.linalg.norm().                                        #
            #######################################################################
            ### BEGIN SOLUTION
            diff = self.X_train - X[i].astype(np.float64)  # (num_train, D), broadcast
            dists[i, :] = np.sqrt(np.sum(diff * diff, axis=1))
            ### END SOLUTION
        return dists

    def compute_distances_no_loops(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using no explicit loops.

        Input / Output: Same as compute_distances_two_loops
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        #########################################################################
        # TODO:                                                                 #
        # Compute the l2 distance between all test points and all training      #
        # points without using any explicit loops, and store the result in      #
        # dists.                                                                #
        #                                                                       #
        # You should implement this function using only basic array operations; #
        # in particular you should not use functions from scipy,                #
        # nor use np.linalg.norm().                                             #
        #                                                                       #
        # HINT: Try to formulate the l2 distance using matrix multiplication    #
        #       and two broadcast sums: ||x - y||^2 = ||x||^2 - 2 x.y + ||y||^2. #
        #       Never build an array of shape (num_test, num_train, D).         #
        #       Rounding can make the squared distance slightly negative:       #
        #       clamp it at 0 before the square root.                           #
        #########################################################################
        ### BEGIN SOLUTION
        Xte = X.astype(np.float64, copy=False)
        Xtr = self.X_train.astype(np.float64, copy=False)
        te_sq = np.sum(Xte * Xte, axis=1)[:, None]  # (num_test, 1)
        tr_sq = np.sum(Xtr * Xtr, axis=1)[None, :]  # (1, num_train)
        dists = Xte.dot(Xtr.T)  # (num_test, num_train); then in place:
        dists *= -2.0
        dists += te_sq
        dists += tr_sq  # ||x||^2 - 2 x.y + ||y||^2
        np.maximum(dists, 0.0, out=dists)  # rounding can dip below 0
        np.sqrt(dists, out=dists)
        ### END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """
        Given a matrix of distances between test points and training points,
        predict a label for each test point.

        Inputs:
        - dists: A numpy array of shape (num_test, num_train) where dists[i, j]
          gives the distance betwen the ith test point and the jth training point.
        - k: The number of nearest neighbours that vote.

        Returns:
        - y: A numpy array of shape (num_test,) containing predicted labels for the
          test data, where y[i] is the predicted label for the test point X[i].
        """
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=self.y_train.dtype)
        for i in range(num_test):
            # A list of length k storing the labels of the k nearest neighbors to
            # the ith test point.
            closest_y = []
            #########################################################################
            # TODO:                                                                 #
            # Use the distance matrix to find the k nearest neighbors of the ith    #
            # testing point, and use self.y_train to find the labels of these       #
            # neighbors. Store these labels in closest_y.                           #
            # Hint: Look up the function numpy.argsort (use kind='stable' so equal  #
            # distances keep the training order).                                   #
            #                                                                       #
            # Now that you have found the labels of the k nearest neighbors, you    #
            # need to find the most common label in the list closest_y of labels.   #
            # Store this label in y_pred[i]. Break ties by choosing the smaller     #
            # label.                                                                #
            #########################################################################
            ### BEGIN SOLUTION
            nearest = np.argsort(dists[i], kind="stable")[:k]
            closest_y = self.y_train[nearest]
            labels, counts = np.unique(closest_y, return_counts=True)  # labels sorted ascending
            y_pred[i] = labels[np.argmax(counts)]  # first max = smallest label
            ### END SOLUTION
        return y_pred

    def save(self, fname):
        """Save the memorised training data to exactly the path `fname` (.npz format)."""
        assert self.X_train is not None, "nothing to save: call train(X, y) first"
        with open(fname, "wb") as f:  # a file object: np.savez would append ".npz" to a bare name
            np.savez(f, X_train=self.X_train, y_train=self.y_train)

    def load(self, fname):
        """Load training data saved by save(); returns self."""
        with np.load(fname, allow_pickle=False) as f:
            self.X_train = f["X_train"]
            self.y_train = f["y_train"]
        return self
