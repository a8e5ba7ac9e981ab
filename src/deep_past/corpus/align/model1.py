"""IBM Model 1 word translation tables (vectorised EM) and the Gale-Church length statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from deep_past.corpus.align.tokens import english_words, source_key, source_tokens

NULL = "<null>"
# Floor for unseen word pairs: low enough to matter, high enough not to dominate one cut.
PROB_FLOOR = 1e-5


@dataclass(frozen=True)
class WordTable:
    """Sparse translation table t(target | source) learned by IBM Model 1 EM.

    ``keys`` are sorted int64 codes ``src_id * n_tgt + tgt_id`` so lookups are a searchsorted.
    """

    src_vocab: dict[str, int]
    tgt_vocab: dict[str, int]
    keys: np.ndarray
    probs: np.ndarray

    def lookup(self, src: Sequence[str], tgt: Sequence[str]) -> np.ndarray:
        """Matrix t(tgt[j] | src[i]) of shape (len(src), len(tgt)), floored."""
        s = np.array([self.src_vocab.get(w, -1) for w in src], dtype=np.int64)
        t = np.array([self.tgt_vocab.get(w, -1) for w in tgt], dtype=np.int64)
        out = np.full((len(s), len(t)), PROB_FLOOR)
        if len(s) == 0 or len(t) == 0 or len(self.keys) == 0:
            return out
        codes = s[:, None] * len(self.tgt_vocab) + t[None, :]
        pos = np.searchsorted(self.keys, codes).clip(0, len(self.keys) - 1)
        hit = (self.keys[pos] == codes) & (s[:, None] >= 0) & (t[None, :] >= 0)
        out[hit] = np.maximum(self.probs[pos[hit]], PROB_FLOOR)
        return out

    def best_translation(self, src: str, min_prob: float = 0.0) -> tuple[str, float] | None:
        """Most probable target word for a source word, if any reaches ``min_prob``."""
        sid = self.src_vocab.get(src)
        if sid is None:
            return None
        n = len(self.tgt_vocab)
        lo, hi = np.searchsorted(self.keys, [sid * n, (sid + 1) * n])
        if hi <= lo:
            return None
        i = lo + int(np.argmax(self.probs[lo:hi]))
        if self.probs[i] < min_prob:
            return None
        return self.tgt_words[int(self.keys[i] % n)], float(self.probs[i])

    @cached_property
    def tgt_words(self) -> list[str]:
        """Target words by id (the inverse of ``tgt_vocab``), built once per table: the table
        is frozen and its vocabularies are never changed after training."""
        words = [""] * len(self.tgt_vocab)
        for w, i in self.tgt_vocab.items():
            words[i] = w
        return words


def _vocab(seqs: Sequence[Sequence[str]], extra: Sequence[str] = ()) -> dict[str, int]:
    words = sorted({w for s in seqs for w in s} | set(extra))
    return {w: i for i, w in enumerate(words)}


def train_model1(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]], iterations: int = 5
) -> WordTable:
    """IBM Model 1 t(tgt | src) with a NULL source word, vectorised EM over co-occurrences.

    Every (source position incl. NULL, target position) of every pair is one instance; the E
    step normalises per target position (bincount over groups), the M step per source word.
    """
    src_vocab = _vocab([p[0] for p in pairs], extra=[NULL])
    tgt_vocab = _vocab([p[1] for p in pairs])
    n_tgt = max(len(tgt_vocab), 1)
    null_id = src_vocab[NULL]
    codes_parts: list[np.ndarray] = []
    group_parts: list[np.ndarray] = []
    group = 0
    for src, tgt in pairs:
        if not tgt:
            continue
        s = np.array([src_vocab[w] for w in src] + [null_id], dtype=np.int64)
        t = np.array([tgt_vocab[w] for w in tgt], dtype=np.int64)
        codes_parts.append((s[:, None] * n_tgt + t[None, :]).ravel())
        groups = np.broadcast_to(np.arange(group, group + len(t)), (len(s), len(t)))
        group_parts.append(groups.ravel())
        group += len(t)
    if not codes_parts:
        return WordTable(src_vocab, tgt_vocab, np.zeros(0, np.int64), np.zeros(0))
    codes = np.concatenate(codes_parts)
    groups = np.concatenate(group_parts)
    keys, inst_key = np.unique(codes, return_inverse=True)
    key_src = keys // n_tgt
    probs = np.ones(len(keys))
    for _ in range(iterations):
        weight = probs[inst_key]
        denom = np.bincount(groups, weights=weight, minlength=group)
        counts = np.bincount(inst_key, weights=weight / denom[groups], minlength=len(keys))
        totals = np.bincount(key_src, weights=counts, minlength=len(src_vocab))
        probs = counts / np.maximum(totals[key_src], 1e-300)
    return WordTable(src_vocab, tgt_vocab, keys, probs)


@dataclass(frozen=True)
class AlignmentModel:
    """Both Model 1 directions and the Gale-Church length statistics (characters)."""

    forward: WordTable  # t(english | source)
    backward: WordTable  # t(source | english)
    length_ratio: float  # English chars per source char
    length_var: float  # variance of (len_en - c * len_src) per source char
    prior_weight: float = 1.0


def fit_alignment_model(
    pairs: Sequence[tuple[str, str]], iterations: int = 5, prior_weight: float = 1.0
) -> AlignmentModel:
    """Train the word tables and length statistics on (source, target) text pairs."""
    tokenised = [([source_key(t) for t in source_tokens(s)], english_words(e)) for s, e in pairs]
    forward = train_model1(tokenised, iterations)
    backward = train_model1([(e, s) for s, e in tokenised], iterations)
    src_len = np.array([max(len(s), 1) for s, _ in pairs], dtype=float)
    tgt_len = np.array([len(e) for _, e in pairs], dtype=float)
    ratio = float(tgt_len.sum() / src_len.sum()) if len(pairs) else 1.0
    var = float(np.mean((tgt_len - ratio * src_len) ** 2 / src_len)) if len(pairs) else 1.0
    return AlignmentModel(forward, backward, ratio, max(var, 1e-3), prior_weight)
