"""Recurrent layers for captioning in numpy: vanilla RNN, LSTM, word embeddings, temporal affine and masked softmax loss.

Every layer follows the course's contract: `*_forward(...) -> (out, cache)` and
`*_backward(dout, cache)` returning the gradients in the order of the forward's inputs.
Shape names: N minibatch, T time steps, D input size, H hidden size, V vocabulary size,
M output size.
"""

import numpy as np


def sigmoid(x):
    """Numerically stable logistic function 1 / (1 + exp(-x)), elementwise.

    exp is only ever taken of a non-positive number, so it cannot overflow:
    for x >= 0 it uses 1 / (1 + exp(-x)), for x < 0 it uses exp(x) / (1 + exp(x)).
    """
    x = np.asarray(x)
    pos = x >= 0
    z = np.exp(np.where(pos, -x, x))  # exp(-|x|), in (0, 1]
    return np.where(pos, 1.0 / (1.0 + z), z / (1.0 + z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN with tanh: next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: input for this time step, of shape (N, D)
    - prev_h: hidden state from the previous time step, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - cache: whatever the backward pass needs
    """
    next_h, cache = None, None
    # TODO: compute the next hidden state and store what the backward pass needs in cache.
    ### BEGIN SOLUTION
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)  # (N, H)
    cache = (x, prev_h, Wx, Wh, next_h)
    ### END SOLUTION
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass for one time step of a vanilla RNN.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - cache: cache from rnn_step_forward

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, D)
    - dprev_h: gradient of the previous hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # TODO: backpropagate through the step. Hint: d tanh(a)/da = 1 - tanh(a)**2,
    # and next_h already is tanh(a).
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)  # (N, H)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN forward over a whole sequence of T inputs (minibatch of N sequences).

    Inputs:
    - x: input data for the whole time series, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: hidden states for the whole time series, of shape (N, T, H)
    - cache: values needed by the backward pass
    """
    h, cache = None, None
    # TODO: loop over the time steps with rnn_step_forward, collecting the hidden states.
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=np.result_type(x, h0, Wx))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    ### END SOLUTION
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass for a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H)
      (only the loss's direct gradients: the part that flows through the next step
      is added inside this function)
    - cache: cache from rnn_forward

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: walk the time steps backwards with rnn_step_backward, carrying the gradient
    # of the hidden state from step t+1 into step t and summing the weight gradients.
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = 0.0, 0.0, 0.0
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = dprev
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    """Word embeddings: look up the vector of each word index.

    Inputs:
    - x: integer array of shape (N, T), each entry a word index in [0, V)
    - W: word vectors, of shape (V, D)

    Returns a tuple of:
    - out: the vectors of all the words, of shape (N, T, D)
    - cache: values needed by the backward pass
    """
    out, cache = None, None
    # TODO: one line with integer array indexing.
    ### BEGIN SOLUTION
    out = W[x]  # (N, T, D)
    cache = (x, W.shape)
    ### END SOLUTION
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings: only W gets a gradient (the indices are not differentiable).

    A word that occurs several times in the minibatch receives the sum of the gradients of
    all its occurrences. Hint: np.add.at.

    Inputs:
    - dout: upstream gradients, of shape (N, T, D)
    - cache: cache from word_embedding_forward

    Returns:
    - dW: gradient of the word vectors, of shape (V, D)
    """
    dW = None
    # TODO: accumulate dout into the rows of dW named by x.
    ### BEGIN SOLUTION
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, x, dout)
    ### END SOLUTION
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

    The activation a = x Wx + prev_h Wh + b, of shape (N, 4H), is split into four parts
    in this order: input gate i, forget gate f, output gate o (each through a sigmoid)
    and the candidate g (through tanh). Then
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs:
    - x: input, of shape (N, D)
    - prev_h: previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - next_c: next cell state, of shape (N, H)
    - cache: values needed by the backward pass
    """
    next_h, next_c, cache = None, None, None
    # TODO: implement the step; use the numerically stable sigmoid above.
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b  # (N, 4H)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    ### END SOLUTION
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for one time step of an LSTM.

    Inputs:
    - dnext_h: gradient of the next hidden state, of shape (N, H)
    - dnext_c: gradient of the next cell state, of shape (N, H)
    - cache: cache from lstm_step_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, D)
    - dprev_h: gradient of the previous hidden state, of shape (N, H)
    - dprev_c: gradient of the previous cell state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    # TODO: backpropagate through the step. The cell state receives gradient both from
    # dnext_c and, through next_h = o * tanh(next_c), from dnext_h.
    ### BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)  # total gradient of next_c
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)], axis=1)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dprev_c = dc * f
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM forward over a whole sequence; the initial cell state is zero.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - h: hidden states for all time steps, of shape (N, T, H)
    - cache: values needed by the backward pass
    """
    h, cache = None, None
    # TODO: loop over the time steps with lstm_step_forward (cell state starts at zeros).
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=np.result_type(x, h0, Wx))
    prev_h, prev_c = h0, np.zeros_like(h0)
    cache = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    ### END SOLUTION
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over a whole sequence.

    Inputs:
    - dh: upstream gradients of the hidden states, of shape (N, T, H)
    - cache: cache from lstm_forward

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: walk the time steps backwards with lstm_step_backward, carrying the gradients
    # of both the hidden and the cell state.
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx, dWh, db = 0.0, 0.0, 0.0
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = dprev_h
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    """The same affine layer applied at every time step (e.g. hidden states -> vocabulary scores).

    Inputs:
    - x: input data, of shape (N, T, D)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output data, of shape (N, T, M)
    - cache: values needed by the backward pass
    """
    out, cache = None, None
    # TODO: one matrix product over all N*T vectors at once.
    ### BEGIN SOLUTION
    N, T, D = x.shape
    out = x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b
    cache = (x, w)
    ### END SOLUTION
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass for the temporal affine layer.

    Inputs:
    - dout: upstream gradients, of shape (N, T, M)
    - cache: cache from temporal_affine_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D)
    - dw: gradient of the weights, of shape (D, M)
    - db: gradient of the biases, of shape (M,)
    """
    dx, dw, db = None, None, None
    ### BEGIN SOLUTION
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    dout2 = dout.reshape(N * T, M)
    dx = dout2.dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout2)
    db = dout2.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax cross-entropy at every time step, skipping masked-out steps.

    The loss is summed over all unmasked time steps and divided by N (the minibatch
    size, not the number of unmasked steps), as in the course. Padding positions
    (<NULL> words in the captions) have mask False and contribute nothing, neither to
    the loss nor to the gradient.

    Inputs:
    - x: scores over the vocabulary, of shape (N, T, V)
    - y: ground-truth word indices, of shape (N, T), each in [0, V)
    - mask: boolean array of shape (N, T); mask[i, t] tells whether x[i, t] counts
    - verbose: print the shapes of the intermediate arrays

    Returns a tuple of:
    - loss: scalar loss
    - dx: gradient of the loss with respect to the scores x, of shape (N, T, V)
    """
    loss, dx = None, None
    # TODO: flatten to (N*T, V), take a stable softmax (subtract the row max), sum
    # -log p(correct word) over the unmasked rows and divide by N; the gradient is
    # (p - onehot(y)) / N on unmasked rows and zero elsewhere.
    ### BEGIN SOLUTION
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T).astype(x.dtype)
    shifted = x_flat - np.max(x_flat, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(mask_flat * log_probs[np.arange(N * T), y_flat]) / N
    dx_flat = np.exp(log_probs)
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat *= mask_flat[:, None] / N
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    dx = dx_flat.reshape(N, T, V)
    ### END SOLUTION
    return loss, dx
