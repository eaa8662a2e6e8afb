"""Transformer building blocks in PyTorch: positional encoding, multi-head attention (fill-ins), patch embedding and the encoder/decoder layers.

Shapes: N is the batch size, S the length of the query sequence, T the length of the
key/value sequence, E (= embed_dim) the model width, H the number of heads. Masks
follow the course convention: attn_mask[i, j] == 0 means "query i may NOT look at key j"
(the opposite of torch.nn.MultiheadAttention, where True means "blocked").

    from cs231n.transformer_layers import PositionalEncoding, MultiHeadAttention
    attn = MultiHeadAttention(embed_dim=8, num_heads=2, dropout=0.0)
    out = attn(query, key, value, attn_mask=torch.tril(torch.ones(S, S)))   # (N, S, E)
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal position of each token to its embedding (Vaswani et al., 2017), then dropout.

    For position i and column j of a D-dimensional embedding:
        pe[i, j] = sin(i * 10000 ** (-j / D))          for even j
        pe[i, j] = cos(i * 10000 ** (-(j - 1) / D))    for odd j
    """

    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        """
        Inputs:
        - embed_dim: the size D of the embedding (must be even)
        - dropout: dropout probability applied after adding the encoding
        - max_len: the longest sequence the encoding covers
        """
        super().__init__()
        if embed_dim % 2 != 0:
            raise ValueError(f"PositionalEncoding needs an even embed_dim (sin/cos pairs), got {embed_dim}")
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(1, max_len, embed_dim)  # (1, max_len, D)
        ############################################################################
        # TODO: fill pe with the sinusoidal encoding described in the class         #
        # docstring, as a few tensor operations (no loop over positions).           #
        ############################################################################
        ### BEGIN SOLUTION
        position = torch.arange(max_len, dtype=torch.float32)[:, None]  # (max_len, 1)
        rates = torch.pow(10000.0, -torch.arange(0, embed_dim, 2, dtype=torch.float32) / embed_dim)  # (D / 2,)
        pe[0, :, 0::2] = torch.sin(position * rates)
        pe[0, :, 1::2] = torch.cos(position * rates)
        ### END SOLUTION
        # a buffer moves with .to(device) and is saved in state_dict, but is not a parameter
        self.register_buffer("pe", pe)

    def forward(self, x):
        """
        Inputs:
        - x: (N, S, D) embeddings of a sequence of S <= max_len tokens
        Returns: (N, S, D), x plus the encoding of positions 0..S-1, after dropout
        """
        N, S, D = x.shape
        if S > self.pe.shape[1] or D != self.pe.shape[2]:
            raise ValueError(
                f"input of shape {tuple(x.shape)} does not fit this encoding "
                f"(max_len={self.pe.shape[1]}, embed_dim={self.pe.shape[2]})"
            )
        ### BEGIN SOLUTION
        output = self.dropout(x + self.pe[:, :S, :])
        ### END SOLUTION
        return output


class MultiHeadAttention(nn.Module):
    """Multi-head scaled dot-product attention (Vaswani et al., 2017), from matrix products.

    Each of H heads projects queries, keys and values to E/H dimensions, computes
    softmax(Q K^T / sqrt(E/H)) with blocked positions set to -inf before the softmax,
    applies dropout to these attention weights and takes the weighted sum of the values.
    The H results are concatenated back to E dimensions and projected by `proj`.

    The four nn.Linear layers below are the only parameters; their names match the
    public course, so its notebook code runs unchanged.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.1):
        """
        Inputs:
        - embed_dim: dimension E of the token embeddings
        - num_heads: number of attention heads H; E must be divisible by H
        - dropout: dropout probability on the attention weights
        """
        super().__init__()
        if num_heads <= 0 or embed_dim % num_heads != 0:
            raise ValueError(
                f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads}): each head "
                f"gets embed_dim // num_heads dimensions; pick num_heads among the divisors of {embed_dim}"
            )
        self.key = nn.Linear(embed_dim, embed_dim)
        self.query = nn.Linear(embed_dim, embed_dim)
        self.value = nn.Linear(embed_dim, embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)
        self.attn_drop = nn.Dropout(dropout)
        self.n_head = num_heads
        self.emd_dim = embed_dim
        self.head_dim = embed_dim // num_heads
        self.last_attention = None  # (N, H, S, T) weights of the latest forward, for pictures

    def forward(self, query, key, value, attn_mask=None):
        """
        Inputs:
        - query: (N, S, E) the tokens that ask
        - key: (N, T, E) the tokens that are looked at
        - value: (N, T, E) what each looked-at token contributes
        - attn_mask: None, or (S, T) with attn_mask[i, j] == 0 where query i must not
          attend to key j (bool or 0/1 numbers)
        Returns: (N, S, E) the attended values after the output projection.
        Also stores the attention weights (N, H, S, T), detached, in self.last_attention.

        Hints: reshape (N, S, E) -> (N, S, H, E/H) -> (N, H, S, E/H) so one batched
        matrix product (torch.matmul or @) serves every head; masked_fill with -inf;
        F.softmax over the keys. Do not use nn.MultiheadAttention or
        F.scaled_dot_product_attention.
        """
        N, S, E = query.shape
        if key.dim() != 3 or value.shape != key.shape or key.shape[0] != N or E != self.emd_dim or key.shape[2] != E:
            raise ValueError(
                f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}: expected "
                f"(N, S, {self.emd_dim}), (N, T, {self.emd_dim}), (N, T, {self.emd_dim})"
            )
        T = key.shape[1]
        if attn_mask is not None and tuple(attn_mask.shape) != (S, T):
            raise ValueError(f"attn_mask has shape {tuple(attn_mask.shape)}, expected (S, T) = ({S}, {T})")
        output = torch.empty((N, S, E))
        ############################################################################
        # TODO: the attention described above. Store the weights (after the softmax,#
        # before dropout) with self.last_attention = weights.detach().              #
        ############################################################################
        ### BEGIN SOLUTION
        H, Dh = self.n_head, self.head_dim
        q = self.query(query).view(N, S, H, Dh).transpose(1, 2)  # (N, H, S, Dh)
        k = self.key(key).view(N, T, H, Dh).transpose(1, 2)  # (N, H, T, Dh)
        v = self.value(value).view(N, T, H, Dh).transpose(1, 2)  # (N, H, T, Dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(Dh)  # (N, H, S, T)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask.to(scores.device) == 0, float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (N, H, S, T)
        self.last_attention = weights.detach()
        y = self.attn_drop(weights) @ v  # (N, H, S, Dh)
        output = self.proj(y.transpose(1, 2).reshape(N, S, E))  # (N, S, E)
        ### END SOLUTION
        return output


class FeedForwardNetwork(nn.Module):
    """The position-wise MLP of a transformer layer: Linear(E -> F), GELU, dropout, Linear(F -> E). Given code."""

    def __init__(self, embed_dim, ffn_dim, dropout=0.1):
        super().__init__()
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.gelu = nn.GELU()
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(ffn_dim, embed_dim)

    def forward(self, x):
        """x: (N, S, E) -> (N, S, E)."""
        return self.fc2(self.dropout(self.gelu(self.fc1(x))))


class TransformerDecoderLayer(nn.Module):
    """One decoder layer: masked self-attention, cross-attention to the memory, feed-forward (post-norm). Given code.

    Each sub-layer is x = LayerNorm(x + dropout(sublayer(x))), as in Vaswani et al.
    """

    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        self.self_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.ffn = FeedForwardNetwork(input_dim, dim_feedforward, dropout)
        self.norm_self = nn.LayerNorm(input_dim)
        self.norm_cross = nn.LayerNorm(input_dim)
        self.norm_ffn = nn.LayerNorm(input_dim)
        self.dropout_self = nn.Dropout(dropout)
        self.dropout_cross = nn.Dropout(dropout)
        self.dropout_ffn = nn.Dropout(dropout)

    def forward(self, tgt, memory, tgt_mask=None):
        """
        Inputs:
        - tgt: (N, T, D) the caption so far
        - memory: (N, S, D) what to attend to (the projected image feature, S = 1)
        - tgt_mask: (T, T) mask for the self-attention (0 = blocked)
        Returns: (N, T, D)
        """
        tgt = self.norm_self(tgt + self.dropout_self(self.self_attn(tgt, tgt, tgt, attn_mask=tgt_mask)))
        tgt = self.norm_cross(tgt + self.dropout_cross(self.cross_attn(tgt, memory, memory)))
        return self.norm_ffn(tgt + self.dropout_ffn(self.ffn(tgt)))


class TransformerEncoderLayer(nn.Module):
    """One encoder layer (pre-norm, as in ViT): x + attn(LN(x)), then x + ffn(LN(x)). Given code."""

    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        self.self_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.ffn = FeedForwardNetwork(input_dim, dim_feedforward, dropout)
        self.norm_attn = nn.LayerNorm(input_dim)
        self.norm_ffn = nn.LayerNorm(input_dim)
        self.dropout_attn = nn.Dropout(dropout)
        self.dropout_ffn = nn.Dropout(dropout)

    def forward(self, src, src_mask=None):
        """src: (N, S, D) -> (N, S, D)."""
        h = self.norm_attn(src)
        src = src + self.dropout_attn(self.self_attn(h, h, h, attn_mask=src_mask))
        return src + self.dropout_ffn(self.ffn(self.norm_ffn(src)))


class PatchEmbedding(nn.Module):
    """Cuts images into non-overlapping P x P patches and maps each (flattened) patch linearly to embed_dim.

    An image of size img_size x img_size gives (img_size // P) ** 2 patches. The patch
    of row r and column c (counted in patches, row-major order) becomes token r * (img_size // P) + c;
    its flattened vector lists channel 0's P x P pixels row by row, then channel 1's, ...
    (the order of x[n, :, rows, cols].reshape(-1)).
    """

    def __init__(self, img_size, patch_size, in_channels=3, embed_dim=128):
        """
        Inputs:
        - img_size: height = width of the images
        - patch_size: P, which must divide img_size
        - in_channels: C
        - embed_dim: size of each token
        """
        super().__init__()
        if patch_size <= 0 or img_size % patch_size != 0:
            raise ValueError(f"patch_size ({patch_size}) must divide img_size ({img_size})")
        self.img_size, self.patch_size = img_size, patch_size
        self.num_patches = (img_size // patch_size) ** 2
        self.patch_dim = in_channels * patch_size * patch_size
        self.proj = nn.Linear(self.patch_dim, embed_dim)

    def forward(self, x):
        """
        Inputs:
        - x: (N, C, img_size, img_size) images
        Returns: (N, num_patches, embed_dim) patch tokens

        Hint: reshape to (N, C, H/P, P, W/P, P), permute, reshape to (N, num_patches, C*P*P),
        then self.proj.
        """
        N, C, H, W = x.shape
        if H != self.img_size or W != self.img_size or C * self.patch_size**2 != self.patch_dim:
            raise ValueError(
                f"images of shape {tuple(x.shape)}, expected (N, {self.patch_dim // self.patch_size**2}, "
                f"{self.img_size}, {self.img_size})"
            )
        ### BEGIN SOLUTION
        P = self.patch_size
        patches = x.reshape(N, C, H // P, P, W // P, P).permute(0, 2, 4, 1, 3, 5)  # (N, H/P, W/P, C, P, P)
        out = self.proj(patches.reshape(N, self.num_patches, self.patch_dim))  # (N, num_patches, embed_dim)
        ### END SOLUTION
        return out
