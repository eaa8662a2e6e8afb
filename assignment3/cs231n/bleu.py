"""BLEU (Papineni et al., 2002) for captions, written for this course (no external package): corpus and sentence BLEU-n.

    from cs231n.bleu import corpus_bleu, caption_bleu
    corpus_bleu([["a red circle left of a blue square"]], ["a red circle left of a blue square"])  # 1.0
    bleu4 = caption_bleu(model, data, split="val")       # greedy captions vs all references

BLEU-n = BP * exp(sum_k w_k log p_k), k = 1..n, w_k = 1/n, where p_k is the modified
(clipped) k-gram precision: each k-gram of a candidate counts at most as often as it
occurs in the reference that holds it most often. For a corpus, the clipped counts and
the candidate k-gram totals are summed over all sentences before dividing (corpus BLEU,
as in the paper). BP = exp(1 - r/c) when the total candidate length c is below r, the
sum over sentences of the reference length closest to the candidate's (ties: the
shorter), else 1. Tokens are whitespace-separated words; <START>, <END> and <NULL> are
dropped before counting.
"""

import math
from collections import Counter

import numpy as np

SPECIAL_TOKENS = {"<START>", "<END>", "<NULL>"}


def tokens(caption):
    """A caption string (or list of words) -> list of words without <START>/<END>/<NULL>."""
    words = caption.split() if isinstance(caption, str) else list(caption)
    return [w for w in words if w not in SPECIAL_TOKENS]


def ngrams(words, k):
    """Counter of the k-grams (tuples) of a list of words."""
    return Counter(tuple(words[i : i + k]) for i in range(len(words) - k + 1))


def _stats(references, hypothesis, max_n):
    """Clipped matches and totals per order, candidate length, closest reference length."""
    hyp = tokens(hypothesis)
    refs = [tokens(r) for r in references]
    assert refs, "each hypothesis needs at least one reference"
    matches, totals = [0] * max_n, [0] * max_n
    for k in range(1, max_n + 1):
        counts = ngrams(hyp, k)
        max_ref = Counter()
        for r in refs:
            for g, c in ngrams(r, k).items():
                max_ref[g] = max(max_ref[g], c)
        matches[k - 1] = sum(min(c, max_ref[g]) for g, c in counts.items())
        totals[k - 1] = max(len(hyp) - k + 1, 0)
    ref_len = min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
    return matches, totals, len(hyp), ref_len


def _combine(matches, totals, hyp_len, ref_len, max_n, smooth):
    if hyp_len == 0:
        return 0.0
    log_p = 0.0
    for m, t in zip(matches, totals):
        if smooth:  # add-one smoothing (Lin & Och 2004) for sentence-level scores
            m, t = m + 1, t + 1
        if m == 0 or t == 0:
            return 0.0
        log_p += math.log(m / t) / max_n
    bp = 1.0 if hyp_len > ref_len else math.exp(1.0 - ref_len / hyp_len)
    return bp * math.exp(log_p)


def corpus_bleu(references, hypotheses, max_n=4):
    """Corpus BLEU-max_n.

    Inputs:
    - references: list (one entry per hypothesis) of lists of reference captions
    - hypotheses: list of candidate captions (strings or word lists)
    - max_n: highest n-gram order (4 for BLEU-4)

    Returns a float in [0, 1].
    """
    assert len(references) == len(hypotheses), f"{len(references)} reference lists for {len(hypotheses)} hypotheses"
    M, T, c, r = np.zeros(max_n), np.zeros(max_n), 0, 0
    for refs, hyp in zip(references, hypotheses):
        m, t, hl, rl = _stats(refs, hyp, max_n)
        M += m
        T += t
        c += hl
        r += rl
    return _combine(M, T, c, r, max_n, smooth=False)


def sentence_bleu(references, hypothesis, max_n=4, smooth=True):
    """BLEU-max_n of one caption against its references (add-one smoothed by default, so short
    captions with no 4-gram match do not all score 0)."""
    m, t, hl, rl = _stats(references, hypothesis, max_n)
    return _combine(m, t, hl, rl, max_n, smooth=smooth)


def references_by_image(data, split):
    """Dict image index -> list of decoded reference captions of that image."""
    idx_to_word = data["idx_to_word"]
    refs = {}
    for cap, img in zip(data[f"{split}_captions"], data[f"{split}_image_idxs"]):
        refs.setdefault(int(img), []).append(" ".join(idx_to_word[i] for i in cap))
    return refs


def caption_bleu(
    model, data, split="val", num_images=None, max_length=30, max_n=4, batch_size=500, return_samples=False
):
    """Corpus BLEU-max_n of the model's greedy captions for the images of a split.

    Each image with at least one caption is captioned once (model.sample) and scored
    against all of its reference captions.

    Inputs:
    - model: has sample(features, max_length) -> (N, max_length) word indices
    - data: dict from load_coco_data
    - split: 'train' or 'val'
    - num_images: score only the first this many images (None: all)
    Returns the BLEU score, or (score, image indices, sampled strings) with return_samples.
    """
    refs = references_by_image(data, split)
    images = sorted(refs)[:num_images]
    feats = data[f"{split}_features"]
    samples = []
    for s in range(0, len(images), batch_size):
        batch = images[s : s + batch_size]
        out = model.sample(feats[batch], max_length=max_length)
        for row in out:
            words = []
            for i in row:
                w = data["idx_to_word"][int(i)]
                if w == "<END>":
                    break
                if w != "<NULL>":
                    words.append(w)
            samples.append(" ".join(words))
    score = corpus_bleu([refs[i] for i in images], samples, max_n=max_n)
    return (score, images, samples) if return_samples else score
