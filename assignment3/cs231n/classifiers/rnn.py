"""CaptioningRNN: image features -> caption, with a vanilla RNN or an LSTM (numpy, built from cs231n.rnn_layers)."""

import numpy as np

from cs231n.rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)


class CaptioningRNN(object):
    """
    A captioning model: it produces a caption from image features with a recurrent
    network.

    The network reads input vectors of size D, has a vocabulary of size V, works on
    sequences of length T, has hidden size H, uses word vectors of size W, and
    operates on minibatches of size N.

    There is no regularization here.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell_type="rnn", dtype=np.float32):
        """
        Construct a new CaptioningRNN instance.

        Inputs:
        - word_to_idx: dict giving the vocabulary: V entries mapping each string to a
          unique integer in [0, V); it must hold '<NULL>' (the padding that the loss
          masks out). sample() also needs '<START>' and '<END>'; the loss does not, so a
          small vocabulary such as {'<NULL>': 0, 'cat': 2, 'dog': 3} works for checks.
        - input_dim: dimension D of the image feature vectors
        - wordvec_dim: dimension W of the word vectors
        - hidden_dim: dimension H of the hidden state
        - cell_type: 'rnn' or 'lstm'
        - dtype: numpy dtype of the parameters; float32 for training, float64 for
          numeric gradient checks
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f"invalid cell_type {cell_type!r}: use 'rnn' or 'lstm'")
        if "<NULL>" not in word_to_idx:
            raise ValueError(
                "word_to_idx lacks '<NULL>' (the padding token the loss masks out); "
                "use the vocabulary from load_coco_data"
            )

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)

        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        # word vectors
        self.params["W_embed"] = np.random.randn(vocab_size, wordvec_dim) / 100

        # projection of the image features to the initial hidden state
        self.params["W_proj"] = np.random.randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)

        # the RNN / LSTM weights (the LSTM has 4 blocks: i, f, o, g)
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = np.random.randn(wordvec_dim, dim_mul * hidden_dim) / np.sqrt(wordvec_dim)
        self.params["Wh"] = np.random.randn(hidden_dim, dim_mul * hidden_dim) / np.sqrt(hidden_dim)
        self.params["b"] = np.zeros(dim_mul * hidden_dim)

        # hidden state -> vocabulary scores
        self.params["W_vocab"] = np.random.randn(hidden_dim, vocab_size) / np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)

        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    def loss(self, features, captions):
        """
        Compute the training loss and its gradients.

        The captions are split in two: captions_in (all but the last word) is fed to the
        RNN, and captions_out (all but the first word) is what it should predict at each
        step; e.g. captions "<START> a cat <END>" give captions_in "<START> a cat" and
        captions_out "a cat <END>". Positions where captions_out is <NULL> are masked out
        of the loss.

        Inputs:
        - features: image features, of shape (N, D)
        - captions: ground-truth captions, integers in [0, V), of shape (N, T)

        Returns a tuple of:
        - loss: scalar loss
        - grads: dict with the same keys as self.params, the gradient of each parameter
        """
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss, grads = 0.0, {}
        # TODO: the forward and backward pass of the captioning model:
        # (1) affine projection of the features to the initial hidden state h0 (N, H);
        # (2) word embedding of captions_in -> (N, T, W);
        # (3) rnn_forward or lstm_forward (by self.cell_type) -> hidden states (N, T, H);
        # (4) temporal affine -> vocabulary scores (N, T, V);
        # (5) temporal_softmax_loss against captions_out with the mask.
        # Then the backward pass, filling grads[k] for every key of self.params.
        ### BEGIN SOLUTION
        h0 = features.dot(W_proj) + b_proj  # (N, H)
        x, embed_cache = word_embedding_forward(captions_in, W_embed)  # (N, T, W)
        if self.cell_type == "rnn":
            h, rec_cache = rnn_forward(x, h0, Wx, Wh, b)  # (N, T, H)
        else:
            h, rec_cache = lstm_forward(x, h0, Wx, Wh, b)
        scores, aff_cache = temporal_affine_forward(h, W_vocab, b_vocab)  # (N, T, V)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, aff_cache)
        if self.cell_type == "rnn":
            dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, rec_cache)
        else:
            dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = lstm_backward(dh, rec_cache)
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        grads["W_proj"] = features.T.dot(dh0)
        grads["b_proj"] = dh0.sum(axis=0)
        ### END SOLUTION
        return loss, grads

    def sample(self, features, max_length=30):
        """
        Greedy sampling: generate a caption for each image, one word at a time.

        At each step the current word (first <START>) is embedded, one RNN/LSTM step is
        taken from the previous hidden state (initially the projected features; for the
        LSTM the cell state starts at zero), the hidden state is turned into vocabulary
        scores, and the highest-scoring word is the caption's next word and the next
        step's input. A row that has produced <END> is finished: every later position of
        that row is <NULL>.

        Inputs:
        - features: image features, of shape (N, D)
        - max_length: maximum length T of the generated captions

        Returns:
        - captions: integer array of shape (N, max_length), the sampled word indices
          (without the leading <START>)
        """
        missing = [tok for tok, idx in (("<START>", self._start), ("<END>", self._end)) if idx is None]
        if missing:
            raise ValueError(
                f"sample() needs {' and '.join(missing)} in word_to_idx (it starts every caption "
                "with <START> and stops a row at <END>); this vocabulary only works for the loss. "
                "Use the vocabulary from load_coco_data."
            )
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # TODO: the greedy loop described above, one step at a time with
        # rnn_step_forward / lstm_step_forward; stop a row once it has produced <END>
        # (you may stop the loop early when every row has).
        ### BEGIN SOLUTION
        h = features.dot(W_proj) + b_proj  # (N, H)
        c = np.zeros_like(h)
        words = np.full(N, self._start, dtype=np.int64)  # current input word of each row
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            x = W_embed[words]  # (N, W)
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, Wx, Wh, b)
            else:
                h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b)
            scores = h.dot(W_vocab) + b_vocab  # (N, V)
            words = np.argmax(scores, axis=1)
            captions[~done, t] = words[~done]
            done |= words == self._end
            if done.all():
                break
        ### END SOLUTION
        return captions
