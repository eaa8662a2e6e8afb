"""ThreeLayerConvNet: conv - relu - 2x2 max pool - affine - relu - affine - softmax, on the fast layers."""

import numpy as np

from ..layers import affine_forward, affine_backward, softmax_loss
from ..layer_utils import affine_relu_forward, affine_relu_backward
from ..layer_utils import conv_relu_pool_forward, conv_relu_pool_backward


class ThreeLayerConvNet(object):
    """
    A three-layer convolutional network with the following architecture:

    conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The network operates on minibatches of data that have shape (N, C, H, W)
    consisting of N images, each with height H and width W and with C input
    channels.
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
    ):
        """
        Initialize a new network.

        Inputs:
        - input_dim: Tuple (C, H, W) giving size of input data
        - num_filters: Number of filters to use in the convolutional layer
        - filter_size: Width/height of filters to use in the convolutional layer
          (odd, so that the padding (filter_size - 1) // 2 keeps H and W)
        - hidden_dim: Number of units to use in the fully-connected hidden layer
        - num_classes: Number of scores to produce from the final affine layer.
        - weight_scale: Scalar giving standard deviation for random initialization
          of weights.
        - reg: Scalar giving L2 regularization strength
        - dtype: numpy datatype to use for computation.

        TODO: Initialize weights and biases for the three-layer convolutional network.
        Weights are drawn from a Gaussian centered at 0.0 with standard deviation
        weight_scale; biases are zero. Store them in self.params: 'W1' and 'b1' for the
        convolutional layer (filters (F, C, filter_size, filter_size)), 'W2' and 'b2'
        for the hidden affine layer (its input is the pooled conv output, of size
        F * H/2 * W/2), and 'W3' and 'b3' for the output affine layer.
        IMPORTANT: the convolutional layer keeps the input's width and height (stride 1,
        'same' padding) and the pool halves them.
        """
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        C, H, W = input_dim
        assert filter_size % 2 == 1, f"filter_size must be odd to keep H and W, got {filter_size}"
        assert H % 2 == 0 and W % 2 == 0, f"H and W must be even for the 2x2 pool, got {H}x{W}"

        ### BEGIN SOLUTION
        F = num_filters
        self.params["W1"] = weight_scale * np.random.randn(F, C, filter_size, filter_size)
        self.params["b1"] = np.zeros(F)
        self.params["W2"] = weight_scale * np.random.randn(F * (H // 2) * (W // 2), hidden_dim)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b3"] = np.zeros(num_classes)
        ### END SOLUTION

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Evaluate loss and gradient for the three-layer convolutional network.

        Input / output: Same API as TwoLayerNet in fc_net.py:
        - X: Array of input data of shape (N, C, H, W)
        - y: Array of labels, of shape (N,); y[i] gives the label for X[i].

        Returns:
        If y is None, run a test-time forward pass and return scores, of shape
        (N, num_classes). Otherwise return a tuple (loss, grads) with grads a dict
        holding the gradient of the loss for each entry of self.params.

        TODO: Implement the forward pass with conv_relu_pool_forward,
        affine_relu_forward and affine_forward (the fast layers are inside the
        sandwich layers), the loss with softmax_loss plus 0.5 * reg * (sum of the
        squared weights W1, W2, W3), and the backward pass. Nothing needs the
        gradient with respect to the images X: conv_relu_pool_backward(...,
        need_dx=False) skips it, which makes the backward pass about twice as fast.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        X = X.astype(self.dtype, copy=False)

        # pass conv_param to the forward pass for the convolutional layer
        # Padding and stride chosen to preserve the input spatial size
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}

        # pass pool_param to the forward pass for the max-pooling layer
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        ### BEGIN SOLUTION
        h1, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        h2, cache2 = affine_relu_forward(h1, W2, b2)
        scores, cache3 = affine_forward(h2, W3, b3)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0, {}
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))
        dh2, grads["W3"], grads["b3"] = affine_backward(dscores, cache3)
        dh1, grads["W2"], grads["b2"] = affine_relu_backward(dh2, cache2)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dh1, cache1, need_dx=False)
        grads["W3"] += self.reg * W3
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1
        ### END SOLUTION

        return loss, grads
