"""Multiclass SVM (hinge) loss and its gradient: a naive looped version and a vectorised one."""

import numpy as np


def svm_loss_naive(W, X, y, reg):
    """
    Structured SVM loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples. The margin is delta = 1.

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
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    # compute the loss and the gradient
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                #############################################################
                # TODO:                                                     #
                # Accumulate the gradient of this margin term into dW:      #
                # it pushes column j up and column y[i] down by X[i].       #
                #############################################################
                ### BEGIN SOLUTION
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
                ### END SOLUTION

    # Right now the loss is a sum over all training examples, but we want it
    # to be an average instead so we divide by num_train.
    loss /= num_train

    # Add regularization to the loss.
    loss += reg * np.sum(W * W)

    #############################################################################
    # TODO:                                                                     #
    # Average the accumulated gradient over the minibatch and add the gradient  #
    # of the regularization term reg * sum(W * W).                              #
    #############################################################################
    ### BEGIN SOLUTION
    dW /= num_train
    dW += 2 * reg * W
    ### END SOLUTION

    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """
    Structured SVM loss function, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive.
    """
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    #############################################################################
    # TODO:                                                                     #
    # Implement a vectorized version of the structured SVM loss and its         #
    # gradient, storing the results in loss and dW, without explicit loops.     #
    #                                                                           #
    # Hint: Instead of computing the gradient from scratch, it may be easier    #
    # to reuse some of the intermediate values that you used to compute the     #
    # loss: a matrix of 0/1 "margin > 0" indicators gives the gradient in one   #
    # matrix product.                                                           #
    #############################################################################
    ### BEGIN SOLUTION
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)  # (N, C)
    margins = scores - scores[rows, y][:, None] + 1.0  # (N, C)
    margins[rows, y] = 0.0
    margins = np.maximum(margins, 0.0)
    loss = np.sum(margins) / N + reg * np.sum(W * W)

    coeff = (margins > 0).astype(scores.dtype)  # (N, C): 1 where margin counts
    coeff[rows, y] = -np.sum(coeff, axis=1)
    dW = X.T.dot(coeff) / N + 2 * reg * W  # (D, C)
    ### END SOLUTION

    return loss, dW
