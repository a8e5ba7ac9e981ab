"""Cutting one document into one source span per English unit: proportional cuts, and the
monotone DP under Model 1, a length prior and Old Assyrian clause cues."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from deep_past.corpus.align.model1 import NULL, AlignmentModel
from deep_past.corpus.align.tokens import english_words, source_key


def proportional_cuts(n_tokens: int, weights: Sequence[float]) -> list[int]:
    """Boundaries 0 = b_0 <= ... <= b_n = n_tokens cutting tokens in proportion to weights.

    Each piece gets at least one token while tokens last (boundaries strictly increase when
    n_tokens >= len(weights)).
    """
    n = len(weights)
    w = np.maximum(np.asarray(weights, dtype=float), 1e-9)
    cum = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    bounds = [int(round(c * n_tokens)) for c in cum]
    bounds[0], bounds[-1] = 0, n_tokens
    if n_tokens >= n:
        for k in range(1, n):  # push forward to keep pieces non-empty, then back from the end
            bounds[k] = max(bounds[k], bounds[k - 1] + 1)
        for k in range(n - 1, 0, -1):
            bounds[k] = min(bounds[k], bounds[k + 1] - 1)
    return bounds


def merge_units(units: list[str], max_units: int) -> list[str]:
    """Merge the shortest adjacent sentences until at most ``max_units`` remain."""
    units = list(units)
    while len(units) > max(max_units, 1):
        sizes = [len(units[i]) + len(units[i + 1]) for i in range(len(units) - 1)]
        i = int(np.argmin(sizes))
        units[i : i + 2] = [units[i] + " " + units[i + 1]]
    return units


def _span_scores(
    model: AlignmentModel,
    tokens: list[str],
    units: list[str],
) -> list[np.ndarray]:
    """Per English unit k, a (T+1, T+1) matrix: score of source span [a, b) for unit k.

    Score = log P(english words | span) + log P(span tokens | english words) (Model 1, both
    directions) + prior_weight * Gale-Church log density of the character lengths.
    """
    keys = [source_key(t) for t in tokens]
    n_tok = len(tokens)
    words = [english_words(u) for u in units]
    all_words = [w for ws in words for w in ws]
    fwd = model.forward.lookup(keys, all_words)  # (T, W)
    fwd_null = model.forward.lookup([NULL], all_words)[0]
    bwd = model.backward.lookup(all_words, keys).T  # (T, W): t(token | word)
    bwd_null = model.backward.lookup([NULL], keys)[0]
    cum_fwd = np.vstack([np.zeros(len(all_words)), np.cumsum(fwd, axis=0)])  # (T+1, W)
    tok_chars = np.array([len(t) + 1 for t in tokens], dtype=float)
    cum_chars = np.concatenate([[0.0], np.cumsum(tok_chars)])
    idx = np.arange(n_tok + 1)
    span_len = idx[None, :] - idx[:, None]  # b - a
    valid = span_len > 0
    safe_len = np.where(valid, span_len, 1)
    src_chars = np.maximum(cum_chars[None, :] - cum_chars[:, None] - 1, 1.0)
    out = []
    start = 0
    for k, ws in enumerate(words):
        m = len(ws)
        cols = slice(start, start + m)
        start += m
        score = np.zeros((n_tok + 1, n_tok + 1))
        if m:
            c = cum_fwd[:, cols]
            mass = c[None, :, :] - c[:, None, :] + fwd_null[cols][None, None, :]
            score += np.log(np.maximum(mass, 1e-300)).sum(axis=2) - m * np.log(safe_len + 1)
            per_tok = np.log(bwd[:, cols].sum(axis=1) + bwd_null) - math.log(m + 1)
        else:
            per_tok = np.log(bwd_null) - 0.0
        cum_tok = np.concatenate([[0.0], np.cumsum(per_tok)])
        score += cum_tok[None, :] - cum_tok[:, None]
        en_chars = len(units[k])
        delta = (en_chars - model.length_ratio * src_chars) / np.sqrt(model.length_var * src_chars)
        score += model.prior_weight * (-0.5 * delta**2)
        out.append(np.where(valid, score, -np.inf))
    return out


def monotone_viterbi(
    span_scores: Sequence[np.ndarray], allowed: Sequence[tuple[int, int]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Best scores and back-pointers of cutting positions 0..T into one span per unit, in order.

    ``span_scores[k][a, b]`` scores span [a, b) for unit k; ``allowed[k-1] = (lo, hi)`` restricts
    boundary b_k. ``best[k, b]``: best total of units 0..k-1 ending at b.
    """
    n, size = len(span_scores), span_scores[0].shape[0] if len(span_scores) else 1
    best = np.full((n + 1, size), -np.inf)
    back = np.zeros((n + 1, size), dtype=np.int64)
    best[0, 0] = 0.0
    for k in range(1, n + 1):
        total = best[k - 1][:, None] + span_scores[k - 1]
        back[k] = np.argmax(total, axis=0)
        best[k] = total[back[k], np.arange(size)]
        if allowed is not None and k < n:
            lo, hi = allowed[k - 1]
            mask = np.ones(size, dtype=bool)
            mask[max(lo, 0) : min(hi, size - 1) + 1] = False
            best[k][mask] = -np.inf
    return best, back


def trace_back(back: np.ndarray, n_units: int, end: int) -> list[int]:
    """Boundaries [0, b_1, ..., end] of the best path through ``n_units`` units."""
    bounds = [end]
    for k in range(n_units, 0, -1):
        bounds.append(int(back[k, bounds[-1]]))
    bounds.reverse()
    return bounds


# Cues of Old Assyrian clause structure for the DP's cuts (found by an eye check of 50 cut
# documents, tuned on the dev split's segment boundaries: benchmarks/alignment.py). A sentence
# does not end on a preposition, conjunction, "son of", "witnessed by", "seal of", "thus", "if" or
# a negation; "thus (says)", "if", "witnessed by" and "seal of" open one.
NO_CUT_AFTER = frozenset(
    ["a-na", "i-na", "ša", "iš-tù", "a-dí", "ni-iš", "ù", "ú", "lá"]  # prepositions, "and", "not"
    + ["um-ma", "šu-ma", "IGI", "KIŠIB", "DUMU"]  # thus, if, witnessed by, seal of, son of
)
CUT_BEFORE = frozenset({"um-ma", "šu-ma", "IGI", "KIŠIB"})
BOUNDARY_WEIGHT = 3.0  # log-score units; 2-4 measured the same (benchmarks/alignment.py)


def boundary_prior(tokens: Sequence[str], weight: float = BOUNDARY_WEIGHT) -> np.ndarray:
    """Score added to a cut at each position 0..T (between tokens[b-1] and tokens[b])."""
    prior = np.zeros(len(tokens) + 1)
    for b in range(1, len(tokens)):
        if tokens[b - 1] in NO_CUT_AFTER:
            prior[b] -= weight
        if tokens[b] in CUT_BEFORE:
            prior[b] += weight
    return prior


def dp_cuts(
    model: AlignmentModel,
    tokens: list[str],
    units: list[str],
    allowed: Sequence[tuple[int, int]] | None = None,
    truncated: bool = False,
    boundary_weight: float = BOUNDARY_WEIGHT,
) -> tuple[list[int], int, list[float]]:
    """Best monotone cut of ``tokens`` into one non-empty span per unit (Viterbi).

    ``allowed[k-1] = (lo, hi)`` restricts boundary b_k to lo..hi. When ``truncated``, trailing
    units may stay unaligned (their source was cut off): units that start beyond the English
    length the source can cover (``length_ratio`` x its characters) are never aligned, and the
    DP may drop more at a fixed cost per English word. Cuts between units follow the clause cues
    of :func:`boundary_prior` (``boundary_weight`` 0 turns them off).
    Returns (boundaries of the aligned units, number of aligned units, per-unit scores).
    """
    n_tok = len(tokens)
    if truncated:
        covered = model.length_ratio * sum(len(t) + 1 for t in tokens)
        starts = np.concatenate([[0], np.cumsum([len(u) + 1 for u in units])])[: len(units)]
        units = units[: max(1, int(np.sum(starts < covered)))]
    n = len(units)
    scores = _span_scores(model, tokens, units)
    if boundary_weight and n > 1:
        prior = boundary_prior(tokens, boundary_weight)[None, :]
        # Unit k's span ends where unit k+1 starts: the prior scores that cut (not the last).
        cut_scores = [score + prior for score in scores[:-1]] + [scores[-1]]
    else:
        cut_scores = scores
    best, back = monotone_viterbi(cut_scores, allowed)
    end_k = n
    if truncated:
        # Dropping a unit costs as much as a poorly explained word per English word.
        drop = np.array([len(english_words(u)) for u in units], dtype=float) * -8.0
        tail_cost = np.concatenate([np.cumsum(drop[::-1])[::-1], [0.0]])  # cost of units k..n
        ends = np.array([best[k, n_tok] + tail_cost[k] for k in range(n + 1)])
        ends[0] = -np.inf
        end_k = int(np.argmax(ends))
    bounds = trace_back(back, end_k, n_tok)
    unit_scores = [float(scores[k][bounds[k], bounds[k + 1]]) for k in range(end_k)]
    return bounds, end_k, unit_scores


def pair_confidence(score: float, tokens: list[str], unit: str) -> float:
    """Geometric-mean per-word probability of a pair's score: comparable across lengths."""
    n = len(tokens) + len(english_words(unit))
    return float(math.exp(score / max(n, 1)))
