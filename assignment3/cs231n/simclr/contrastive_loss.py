"""SimCLR's contrastive loss (NT-Xent): a naive version with loops and a vectorized one (fill-ins)."""

import torch


def sim(z_i, z_j):
    """Normalized dot product (cosine similarity) of two vectors.

    Inputs:
    - z_i, z_j: 1-D tensors of the same length D
    Returns: a 0-dim tensor, z_i . z_j / (||z_i|| ||z_j||)
    """
    norm_dot_product = None
    ### BEGIN SOLUTION
    norm_dot_product = torch.dot(z_i, z_j) / (torch.linalg.norm(z_i) * torch.linalg.norm(z_j))
    ### END SOLUTION
    return norm_dot_product


def simclr_loss_naive(out_left, out_right, tau):
    """The SimCLR loss with loops over the 2N views.

    Inputs:
    - out_left: (N, D) projections of the first view of each image
    - out_right: (N, D) projections of the second view; row k of both comes from image k
    - tau: the temperature
    Returns: a 0-dim tensor, the mean over all 2N views k of
        l(k, pos) = -log( exp(sim(z_k, z_pos) / tau) / sum_{i != k} exp(sim(z_k, z_i) / tau) ),
    where z is out_left stacked on out_right (2N, D) and pos is the other view of k's image.
    """
    N = out_left.shape[0]
    out = torch.cat([out_left, out_right], dim=0)  # (2N, D)
    total_loss = 0
    for k in range(N):
        ### BEGIN SOLUTION
        for a, b in ((k, k + N), (k + N, k)):
            num = torch.exp(sim(out[a], out[b]) / tau)
            den = sum(torch.exp(sim(out[a], out[i]) / tau) for i in range(2 * N) if i != a)
            total_loss = total_loss - torch.log(num / den)
        ### END SOLUTION
    total_loss = total_loss / (2 * N)
    return total_loss


def sim_positive_pairs(out_left, out_right):
    """Cosine similarity of each positive pair.

    Inputs: out_left, out_right: (N, D)
    Returns: (N, 1), row k the cosine similarity of out_left[k] and out_right[k].
    """
    pos_pairs = None
    ### BEGIN SOLUTION
    left = out_left / torch.linalg.norm(out_left, dim=1, keepdim=True)
    right = out_right / torch.linalg.norm(out_right, dim=1, keepdim=True)
    pos_pairs = (left * right).sum(dim=1, keepdim=True)
    ### END SOLUTION
    return pos_pairs


def compute_sim_matrix(out):
    """All pairwise cosine similarities.

    Inputs: out: (2N, D)
    Returns: (2N, 2N), entry (i, j) the cosine similarity of out[i] and out[j].
    """
    sim_matrix = None
    ### BEGIN SOLUTION
    unit = out / torch.linalg.norm(out, dim=1, keepdim=True)
    sim_matrix = unit @ unit.t()
    ### END SOLUTION
    return sim_matrix


def simclr_loss_vectorized(out_left, out_right, tau):
    """The SimCLR loss without loops, numerically stable for any temperature.

    Inputs and output as simclr_loss_naive. Hint: a log of a sum of exponentials is
    torch.logsumexp, which does not overflow when sim / tau is large; leave each row's
    own similarity (the diagonal) out of its sum.
    """
    N = out_left.shape[0]
    out = torch.cat([out_left, out_right], dim=0)  # (2N, D)
    loss = None
    ### BEGIN SOLUTION
    logits = compute_sim_matrix(out) / tau  # (2N, 2N)
    self_mask = torch.eye(2 * N, dtype=torch.bool, device=out.device)
    logits = logits.masked_fill(self_mask, float("-inf"))
    pos = sim_positive_pairs(out_left, out_right) / tau  # (N, 1)
    pos = torch.cat([pos, pos], dim=0).squeeze(1)  # (2N,)
    loss = (torch.logsumexp(logits, dim=1) - pos).mean()
    ### END SOLUTION
    return loss
