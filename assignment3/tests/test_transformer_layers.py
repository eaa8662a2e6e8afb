"""Autograder tests for transformer_layers: positional encoding against its formula, multi-head attention against torch.nn.MultiheadAttention, masks, errors."""

import math

import numpy as np
import pytest
import torch

from cs231n.transformer_layers import MultiHeadAttention, PositionalEncoding

from torch_helpers import autograd_call


def _np(t):
    """A returned tensor as a float64 array (detached: the submitted module's outputs carry autograd)."""
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t, dtype=np.float64)


def _pe_formula(max_len, D):
    pe = np.zeros((max_len, D))
    for i in range(max_len):
        for j in range(D):
            if j % 2 == 0:
                pe[i, j] = math.sin(i * 10000 ** (-j / D))
            else:
                pe[i, j] = math.cos(i * 10000 ** (-(j - 1) / D))
    return pe


def _attention(E, H, seed):
    """A submitted MultiHeadAttention (no dropout, eval mode) with seeded non-zero weights and biases, and its state."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name in ("query", "key", "value", "proj"):
        state[f"{name}.weight"] = torch.randn(E, E, generator=gen) / math.sqrt(E)
        state[f"{name}.bias"] = 0.1 * torch.randn(E, generator=gen)
    attn = MultiHeadAttention(E, H, dropout=0.0)
    attn.load_state_dict(state)
    attn.eval()
    return attn, state


def _reference(E, H, state):
    """torch.nn.MultiheadAttention with the same weights (query, key, value stacked into in_proj)."""
    ref = torch.nn.MultiheadAttention(E, H, dropout=0.0, batch_first=True)
    ref.load_state_dict(
        {
            "in_proj_weight": torch.cat([state["query.weight"], state["key.weight"], state["value.weight"]]),
            "in_proj_bias": torch.cat([state["query.bias"], state["key.bias"], state["value.bias"]]),
            "out_proj.weight": state["proj.weight"],
            "out_proj.bias": state["proj.bias"],
        }
    )
    return ref.eval()


def _reference_call(ref, q, k, v, dout, mask):
    """The reference's output and gradients, computed here (torch's mask: True = blocked)."""
    q, k, v = (t.detach().clone().requires_grad_(True) for t in (q, k, v))
    ref.zero_grad(set_to_none=True)
    out, _ = ref(q, k, v, attn_mask=None if mask is None else mask == 0, need_weights=False)
    out.backward(dout)
    params = {name: p.grad.detach() for name, p in ref.named_parameters()}
    return out.detach(), [q.grad, k.grad, v.grad], params


def _close(a, b, what, tol=1e-5):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, expected {b.shape}"
    err = np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(b)))
    assert err < tol, f"{what}: relative error {err:.2e} against torch.nn.MultiheadAttention"


@pytest.mark.points(1)
def test_positional_encoding_matches_formula():
    D, max_len, S = 6, 12, 9
    pe = PositionalEncoding(D, dropout=0.0, max_len=max_len)
    pe.eval()
    x = torch.randn(2, S, D, generator=torch.Generator().manual_seed(0))
    out = pe(x)
    expected = x.numpy() + _pe_formula(max_len, D)[None, :S]
    np.testing.assert_allclose(_np(out), expected, atol=1e-5, err_msg="x + pe[:S] does not follow the formula")
    np.testing.assert_allclose(
        _np(pe.state_dict()["pe"])[0], _pe_formula(max_len, D), atol=1e-5, err_msg="the buffer pe"
    )


@pytest.mark.points(2)
def test_attention_matches_torch_values_and_gradients():
    """Cross-attention (S != T) for several head counts, with and without a mask: output, input and weight gradients."""
    gen = torch.Generator().manual_seed(1)
    E, N, S, T = 12, 3, 4, 5
    for H in (1, 2, 3, 6):
        attn, state = _attention(E, H, seed=H)
        ref = _reference(E, H, state)
        q, k, v = (torch.randn(N, L, E, generator=gen) for L in (S, T, T))
        dout = torch.randn(N, S, E, generator=gen)
        mask = (torch.rand(S, T, generator=gen) > 0.4).float()
        mask[:, 0] = 1  # every query sees at least one key
        for m in (None, mask):
            ours, in_grads, p_grads = autograd_call(attn, q, k, v, grad_output=dout, attn_mask=m)
            theirs, ref_in, ref_p = _reference_call(ref, q, k, v, dout, m)
            where = f"{H} heads, {'with' if m is not None else 'without'} mask"
            _close(ours, theirs, f"output ({where})")
            for name, g, r in zip(("query", "key", "value"), in_grads, ref_in):
                _close(g, r, f"gradient of {name} ({where})")
            stacked = torch.cat([p_grads["query.weight"], p_grads["key.weight"], p_grads["value.weight"]])
            _close(stacked, ref_p["in_proj_weight"], f"gradient of the query/key/value weights ({where})")
            stacked = torch.cat([p_grads["query.bias"], p_grads["key.bias"], p_grads["value.bias"]])
            _close(stacked, ref_p["in_proj_bias"], f"gradient of the query/key/value biases ({where})")
            _close(p_grads["proj.weight"], ref_p["out_proj.weight"], f"gradient of proj.weight ({where})")


@pytest.mark.points(1)
def test_causal_mask_blocks_the_future():
    """Self-attention with a lower-triangular mask: changing token j leaves the outputs before j unchanged."""
    E, H, N, S = 8, 2, 2, 6
    attn, _ = _attention(E, H, seed=5)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(N, S, E, generator=gen)
    mask = torch.tril(torch.ones(S, S))
    out = attn(x, x, x, attn_mask=mask)
    for j in (1, 3, 5):
        x2 = x.clone()
        x2[:, j] += torch.randn(N, E, generator=gen)
        out2 = attn(x2, x2, x2, attn_mask=mask)
        np.testing.assert_allclose(
            _np(out2[:, :j]), _np(out[:, :j]), atol=1e-6, err_msg=f"changing token {j} changed earlier outputs"
        )
        assert not np.allclose(_np(out2[:, j:]), _np(out[:, j:])), (
            f"changing token {j} changed nothing from position {j} on: is the mask the right way round?"
        )
    weights = attn.last_attention
    assert tuple(weights.shape) == (N, H, S, S), f"last_attention has shape {tuple(weights.shape)}, want (N, H, S, S)"
    np.testing.assert_allclose(_np(weights.sum(-1)), 1.0, atol=1e-5, err_msg="attention rows must sum to 1")
    assert np.all(_np(weights)[..., np.triu_indices(S, 1)[0], np.triu_indices(S, 1)[1]] == 0), (
        "future positions got attention weight"
    )


@pytest.mark.points(1)
def test_attention_shapes_and_errors():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)
    attn, _ = _attention(12, 4, seed=3)
    gen = torch.Generator().manual_seed(4)
    q, kv = torch.randn(2, 3, 12, generator=gen), torch.randn(2, 7, 12, generator=gen)
    out = attn(q, kv, kv)
    assert tuple(out.shape) == (2, 3, 12), f"output shape {tuple(out.shape)}, want (N, S, E) = (2, 3, 12)"
    # scaling by sqrt(head_dim): one head, identity projections, a query equal to a key
    one, _ = _attention(4, 1, seed=0)
    eye = {f"{n}.weight": torch.eye(4) for n in ("query", "key", "value", "proj")}
    one.load_state_dict({**eye, **{f"{n}.bias": torch.zeros(4) for n in ("query", "key", "value", "proj")}})
    q = torch.tensor([[[2.0, 0.0, 0.0, 0.0]]])
    keys = torch.tensor([[[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    one(q, keys, keys)
    w = _np(one.last_attention).reshape(-1)
    expected = np.exp([4 / 2, 0]) / np.exp([4 / 2, 0]).sum()  # scores q.k / sqrt(4)
    np.testing.assert_allclose(w, expected, atol=1e-5, err_msg="scores must be divided by sqrt(embed_dim / num_heads)")
