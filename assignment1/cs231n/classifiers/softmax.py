"""Softmax (cross-entropy) loss and its gradient: a naive looped version and a vectorised one, both numerically stable."""

import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """
    Softmax loss function, naive implementation (with loops)

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means
      that X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength; the loss includes reg * sum(W * W).

    Returns a tuple of:
    - loss as single float
    - gradient with respect to weights W; an array of same shape as W
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.float64)

    #############################################################################
    # TODO: Compute the softmax loss and its gradient using explicit loops.     #
    # Store the loss in loss and the gradient in dW. If you are not careful     #
    # here, it is easy to run into numeric instability: subtract the largest   #
    # score of each example before exponentiating (this does not change the     #
    # probabilities). Don't forget the regularization!                          #
    #############################################################################
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)  # shift: largest score becomes 0
        exp_scores = np.exp(scores)
        total = np.sum(exp_scores)
        loss += np.log(total) - scores[y[i]]  # -log softmax of the correct class
        for j in range(num_classes):
            p = exp_scores[j] / total
            dW[:, j] += (p - (j == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    ### END SOLUTION

    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """
    Softmax loss function, vectorized version.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.float64)

    #############################################################################
    # TODO: Compute the softmax loss and its gradient using no explicit loops.  #
    # Store the loss in loss and the gradient in dW. Here too, subtract each    #
    # row's maximum score before exponentiating. Don't forget the               #
    # regularization!                                                           #
    #############################################################################
    ### BEGIN SOLUTION
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)  # (N, C)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    log_probs = scores - log_norm  # (N, C), all <= 0
    loss = -np.sum(log_probs[rows, y]) / N + reg * np.sum(W * W)

    dscores = np.exp(log_probs)  # probabilities
    dscores[rows, y] -= 1.0
    dW = X.T.dot(dscores) / N + 2 * reg * W  # (D, C)
    ### END SOLUTION

    return loss, dW
