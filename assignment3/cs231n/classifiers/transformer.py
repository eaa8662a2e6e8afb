"""Transformer models in PyTorch: CaptioningTransformer (image feature -> caption) and VisionTransformer (CIFAR-10 classifier).

model = CaptioningTransformer(data["word_to_idx"], input_dim=512, wordvec_dim=256)
scores = model(torch.from_numpy(features), torch.from_numpy(captions_in))   # (N, T, V)
captions = model.sample(features, max_length=30)                           # numpy (N, 30)

vit = VisionTransformer(img_size=32, patch_size=4, embed_dim=128, num_layers=6)
scores = vit(images)                                                        # (N, 10)
"""

import numpy as np
import torch
import torch.nn as nn

from cs231n.transformer_layers import (
    PatchEmbedding,
    PositionalEncoding,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
)


def _init_weights(module):
    """Small normal weights (std 0.02) and zero biases for linear and embedding layers; LayerNorm at identity."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        module.weight.data.normal_(mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
    elif isinstance(module, nn.LayerNorm):
        module.bias.data.zero_()
        module.weight.data.fill_(1.0)


def causal_mask(T, device=None):
    """(T, T) lower-triangular 0/1 mask: position i may attend to positions 0..i only."""
    return torch.tril(torch.ones(T, T, device=device))


class TransformerDecoder(nn.Module):
    """num_layers decoder layers (each with its own weights) applied in turn. Given code."""

    def __init__(self, input_dim, num_heads, num_layers, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        self.layers = nn.ModuleList(
            [TransformerDecoderLayer(input_dim, num_heads, dim_feedforward, dropout) for _ in range(num_layers)]
        )

    def forward(self, tgt, memory, tgt_mask=None):
        for layer in self.layers:
            tgt = layer(tgt, memory, tgt_mask=tgt_mask)
        return tgt


class CaptioningTransformer(nn.Module):
    """A transformer decoder that writes a caption for an image feature vector.

    The image feature (N, D) is projected to one memory token (N, 1, W); the caption
    words are embedded (N, T, W), get positional encodings, and pass through the decoder
    layers, whose self-attention is causal (a word sees only the words before it) and whose
    cross-attention looks at the image token. A linear layer turns each output into scores
    over the vocabulary: scores[:, t] predicts word t + 1.
    """

    def __init__(
        self,
        word_to_idx,
        input_dim,
        wordvec_dim,
        num_heads=4,
        num_layers=2,
        max_length=50,
        dim_feedforward=2048,
        dropout=0.1,
    ):
        """
        Inputs:
        - word_to_idx: dict word -> index, V entries, with '<NULL>' (padding); sample()
          also needs '<START>' and '<END>'
        - input_dim: dimension D of the image features
        - wordvec_dim: dimension W of the word vectors (the model width)
        - num_heads: attention heads per layer (must divide wordvec_dim)
        - num_layers: number of decoder layers
        - max_length: longest caption the positional encoding covers
        - dim_feedforward: hidden size of each layer's feed-forward network
        - dropout: dropout probability everywhere (0.0 for overfitting experiments)
        """
        super().__init__()
        if "<NULL>" not in word_to_idx:
            raise ValueError("word_to_idx lacks '<NULL>' (the padding token); use the vocabulary from load_coco_data")
        vocab_size = len(word_to_idx)
        self.vocab_size = vocab_size
        self.word_to_idx = word_to_idx
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        self.visual_projection = nn.Linear(input_dim, wordvec_dim)
        self.embedding = nn.Embedding(vocab_size, wordvec_dim, padding_idx=self._null)
        self.positional_encoding = PositionalEncoding(wordvec_dim, dropout=dropout, max_len=max_length)
        self.transformer = TransformerDecoder(wordvec_dim, num_heads, num_layers, dim_feedforward, dropout)
        self.output = nn.Linear(wordvec_dim, vocab_size)
        self.apply(_init_weights)

    def forward(self, features, captions):
        """
        Inputs:
        - features: (N, D) image features (float tensor)
        - captions: (N, T) word indices (long tensor), starting with <START>
        Returns: scores (N, T, V); scores[n, t] are the scores of the word after captions[n, :t + 1]

        Steps: embed the captions and add positional encodings; project the features
        to a memory of one token; run the decoder with a causal mask (causal_mask above);
        apply the output layer.
        """
        N, T = captions.shape
        scores = torch.empty((N, T, self.vocab_size))
        ### BEGIN SOLUTION
        tgt = self.positional_encoding(self.embedding(captions))  # (N, T, W)
        memory = self.visual_projection(features).unsqueeze(1)  # (N, 1, W)
        h = self.transformer(tgt, memory, tgt_mask=causal_mask(T, device=captions.device))  # (N, T, W)
        scores = self.output(h)  # (N, T, V)
        ### END SOLUTION
        return scores

    def loss(self, features, captions):
        """Mean cross-entropy of the next word over the non-<NULL> positions (teacher forcing).

        Inputs: features (N, D) float tensor; captions (N, T + 1) long tensor
        Returns: a scalar tensor
        """
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        scores = self(features, captions_in)  # (N, T, V)
        return nn.functional.cross_entropy(
            scores.reshape(-1, self.vocab_size), captions_out.reshape(-1), ignore_index=self._null
        )

    @torch.no_grad()
    def sample(self, features, max_length=30):
        """Greedy decoding: start from <START>, append the highest-scoring word each step.

        A caption that has produced <END> is finished: its later positions are <NULL>; the
        loop stops early once every caption is finished.

        Inputs:
        - features: (N, D) numpy array or tensor of image features
        - max_length: number of words to generate at most
        Returns: numpy int array (N, max_length) of word indices
        """
        if self._start is None or self._end is None:
            raise ValueError("sample() needs '<START>' and '<END>' in word_to_idx")
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        features = torch.as_tensor(np.asarray(features), dtype=torch.float32, device=device)
        N = features.shape[0]
        captions = np.full((N, max_length), self._null, dtype=np.int64)
        partial = torch.full((N, 1), self._start, dtype=torch.long, device=device)  # (N, 1)
        done = np.zeros(N, dtype=bool)
        for t in range(max_length):
            scores = self.forward(features, partial)[:, -1, :]  # (N, V) scores of the next word
            word = scores.argmax(dim=1)  # (N,)
            words = word.cpu().numpy()
            captions[:, t] = np.where(done, self._null, words)
            done |= words == self._end
            if done.all():
                break
            partial = torch.cat([partial, word[:, None]], dim=1)  # (N, t + 2)
        self.train(was_training)
        return captions


class VisionTransformer(nn.Module):
    """A ViT (Dosovitskiy et al., 2021) for small images: patches -> tokens, a class token, learned positions, encoder layers.

    tokens = [cls; PatchEmbedding(x)] + pos_embed   (N, 1 + num_patches, E)
    -> num_layers pre-norm TransformerEncoderLayer -> LayerNorm -> head(token 0) = scores (N, num_classes)
    """

    def __init__(
        self,
        img_size=32,
        patch_size=4,
        in_channels=3,
        embed_dim=128,
        num_layers=6,
        num_heads=4,
        dim_feedforward=256,
        num_classes=10,
        dropout=0.1,
    ):
        super().__init__()
        self.patch_embed = PatchEmbedding(img_size, patch_size, in_channels, embed_dim)
        self.num_tokens = self.patch_embed.num_patches + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_tokens, embed_dim))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            [TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout) for _ in range(num_layers)]
        )
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)
        self.apply(_init_weights)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def tokens(self, x):
        """Images (N, C, H, W) -> the input tokens of the first encoder layer (N, 1 + num_patches, E)."""
        N = x.shape[0]
        ### BEGIN SOLUTION
        patches = self.patch_embed(x)  # (N, num_patches, E)
        cls = self.cls_token.expand(N, -1, -1)  # (N, 1, E)
        out = self.dropout(torch.cat([cls, patches], dim=1) + self.pos_embed)  # (N, 1 + num_patches, E)
        ### END SOLUTION
        return out

    def forward(self, x):
        """Images (N, C, H, W) -> class scores (N, num_classes), read from the class token."""
        ### BEGIN SOLUTION
        h = self.tokens(x)
        for layer in self.layers:
            h = layer(h)
        scores = self.head(self.norm(h[:, 0]))  # (N, num_classes)
        ### END SOLUTION
        return scores
