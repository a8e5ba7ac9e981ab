"""Alignment B: cut whole training documents into sentence pairs.

Training rows are whole tablets, the test is sentence-level, so the documents are cut into
sentence pairs in two ways:

1. ``sentence_file``: documents with OARE sentence rows (``Sentences_Oare_FirstWord_LinNum.csv``).
   Each row gives a sentence translation and one marked word of that sentence in the
   transliteration. The OARE translations are matched in order to consecutive groups of the
   document's own English sentences (they must cover the whole translation, each group similar
   enough to its OARE sentence), and the source cut before sentence k is searched between the
   marked words of sentences k-1 and k. Documents failing any check keep only the other kinds.
2. ``sentence_dp``: every document. The English translation is split into sentences, the source
   is first cut proportionally to their lengths; IBM Model 1 word translation tables (both
   directions) are trained by EM on those rough pairs, then each document is re-cut by dynamic
   programming under Model 1 plus a Gale-Church length prior (and the tables retrained once).
   ``window`` pairs join two consecutive sentences of the best segmentation.

Everything is pure numpy/pandas and deterministic (no randomness, stable sorts).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

KINDS = ("document", "sentence_file", "sentence_dp", "window")
NULL = "<null>"
# Floor for unseen word pairs: low enough to matter, high enough not to dominate one cut.
PROB_FLOOR = 1e-5
# The first data release cut transliterations at 1024 bytes; near that size a tail of the
# translation may have no source left, so the DP may leave trailing units unaligned. 950, not
# 1024: normalisation shortens the text (subscript digits are 3 bytes raw, 1 after), and the
# 145 cut documents of train.csv keep 958 bytes or more after it.
TRUNCATION_BYTES = 950

# ---------------------------------------------------------------------------------------------
# Tokenisation


_ABBREVIATIONS = frozenset(
    {"s", "d", "nr", "no", "cf", "ca", "obv", "rev", "l", "ll", "i.e", "e.g"}
)
# A sentence ends at . ! ? or : followed by a space and something that can open a sentence.
_SENT_END = re.compile(r"(?<=[.!?:])[\"'”’]?\s+(?=[A-ZÀ-ÖØ-Þ\u0100-\u024F\u1E00-\u1EFF\d<(\"“‘'])")
_EN_WORD = re.compile(r"\d+(?:[.,/]\d+)*|[½⅓⅔¼¾⅙⅚⅛]|\w+(?:['’-]\w+)*|<gap>", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Split an English translation into sentences, keeping all characters.

    Splits only after . ! ? : followed by a space and an opening character, and not after
    abbreviations such as ``s.`` (son of) or single initials, so pieces rejoin to the text.
    """
    text = " ".join(str(text).split())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        candidate = text[start : m.start()].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1):
            continue
        pieces.append(text[start : m.end()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def source_tokens(text: str) -> list[str]:
    """Whitespace tokens of a transliteration (the unit ``first_word_number`` indexes)."""
    return str(text).split()


def english_words(text: str) -> list[str]:
    """Lower-cased English words and numbers: the target vocabulary of the word table."""
    return [w.lower() for w in _EN_WORD.findall(str(text))]


def source_key(token: str) -> str:
    """Word-table key of a source token: case is kept (logograms vs syllables differ)."""
    return token.strip("[]⸢⸣˹˺!?*")


# ---------------------------------------------------------------------------------------------
# IBM Model 1


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
        inverse = _inverse_vocab(self.tgt_vocab)
        return inverse[int(self.keys[i] % n)], float(self.probs[i])


_INVERSE_CACHE: dict[int, list[str]] = {}


def _inverse_vocab(vocab: dict[str, int]) -> list[str]:
    key = id(vocab)
    if key not in _INVERSE_CACHE or len(_INVERSE_CACHE[key]) != len(vocab):
        words = [""] * len(vocab)
        for w, i in vocab.items():
            words[i] = w
        _INVERSE_CACHE[key] = words
    return _INVERSE_CACHE[key]


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


# ---------------------------------------------------------------------------------------------
# Cutting one document


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


def _confidence(score: float, tokens: list[str], unit: str) -> float:
    """Geometric-mean per-word probability of a pair's score: comparable across lengths."""
    n = len(tokens) + len(english_words(unit))
    return float(math.exp(score / max(n, 1)))


# ---------------------------------------------------------------------------------------------
# Sentence file


def _char_ngrams(text: str, n: int = 3) -> dict[str, int]:
    s = " " + " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split()) + " "
    grams: dict[str, int] = {}
    for i in range(len(s) - n + 1):
        g = s[i : i + n]
        grams[g] = grams.get(g, 0) + 1
    return grams


def text_similarity(a: str, b: str) -> float:
    """Character 3-gram F1 (a light chrF) between two English texts, in [0, 1]."""
    ga, gb = _char_ngrams(a), _char_ngrams(b)
    overlap = sum(min(c, gb.get(g, 0)) for g, c in ga.items())
    total = sum(ga.values()) + sum(gb.values())
    return 2.0 * overlap / total if total else 0.0


def match_translation_groups(
    oare: list[str], units: list[str]
) -> tuple[list[int], list[float]] | None:
    """Assign each OARE sentence a consecutive group of document sentences, covering all.

    Returns group starts (first unit index per OARE sentence) and similarities, or None when
    there are fewer units than OARE sentences. Monotone DP maximising summed similarity.
    """
    n, m = len(oare), len(units)
    if n == 0 or m < n:
        return None
    sim = np.full((n, m + 1, m + 1), -np.inf)
    for k in range(n):
        for a in range(k, m - (n - k) + 1):  # leave room for the other sentences
            for b in range(a + 1, m - (n - k - 1) + 1):
                sim[k, a, b] = text_similarity(oare[k], " ".join(units[a:b]))
    best, back = monotone_viterbi(list(sim))
    if not np.isfinite(best[n, m]):
        return None
    bounds = trace_back(back, n, m)
    sims = [float(sim[k, bounds[k], bounds[k + 1]]) for k in range(n)]
    return bounds[:-1], sims


def marked_word_index(tokens: list[str], number: int, spelling: str, max_shift: int = 5) -> int:
    """0-based token index of an OARE marked word: ``first_word_number`` (1-based) corrected
    by the nearest token equal to ``first_word_spelling`` within ``max_shift`` tokens."""
    guess = int(number) - 1
    spellings = {spelling, _normalised_spelling(spelling)}
    for shift in sorted(range(-max_shift, max_shift + 1), key=lambda d: (abs(d), d)):
        i = guess + shift
        if 0 <= i < len(tokens) and tokens[i] in spellings:
            return i
    return guess


def _normalised_spelling(spelling: str) -> str:
    """The spelling under the project's transliteration normaliser, so marked words are found
    in preprocessed documents too (the sentence file keeps the raw spelling)."""
    try:
        from deep_past.text.transliteration import normalize_transliteration
    except ImportError:
        return spelling
    try:
        return normalize_transliteration(spelling)
    except Exception:  # a one-word fragment may break a rule's post-condition: keep it raw
        return spelling


@dataclass(frozen=True)
class SentenceFileChecks:
    """Why a document was (not) cut by the sentence file; thresholds are documented here."""

    min_similarity: float = 0.30  # each OARE sentence vs its document sentences (char 3-gram F1)
    min_length_ratio: float = 0.45  # document group chars / OARE sentence chars
    max_length_ratio: float = 2.2


def sentence_file_units(
    tokens: list[str],
    translation: str,
    rows: pd.DataFrame,
    checks: SentenceFileChecks = SentenceFileChecks(),
) -> tuple[list[str], list[tuple[int, int]], list[float]] | str:
    """English units and allowed source-boundary ranges from a document's OARE rows.

    Returns (units, allowed ranges for b_1..b_{n-1}, similarities) or a reason string when a
    check fails: marked words must be inside the document and strictly increasing, and the
    OARE translations must cover the document's translation group by group.
    """
    # Numeric order: read_table gives strings, and "10" < "2" as text.
    order = pd.to_numeric(rows["sentence_obj_in_text"], errors="coerce")
    rows = rows.iloc[np.argsort(order.to_numpy(dtype=float), kind="stable")]
    oare = [str(t) if isinstance(t, str) else "" for t in rows["translation"]]
    if any(not t.strip() for t in oare):
        return "empty OARE translation"
    marks = [
        marked_word_index(tokens, n, str(s))
        for n, s in zip(rows["first_word_number"], rows["first_word_spelling"], strict=True)
    ]
    if any(i < 0 or i >= len(tokens) for i in marks):
        return "marked word outside the transliteration"
    if any(b <= a for a, b in zip(marks, marks[1:], strict=False)):
        return "marked words not increasing"
    doc_units = split_sentences(translation)
    grouped = match_translation_groups(oare, doc_units)
    if grouped is None:
        return "fewer document sentences than OARE sentences"
    starts, sims = grouped
    ends = starts[1:] + [len(doc_units)]
    units = [" ".join(doc_units[a:b]) for a, b in zip(starts, ends, strict=True)]
    for unit, ref, sim in zip(units, oare, sims, strict=True):
        ratio = len(unit) / max(len(ref), 1)
        if sim < checks.min_similarity:
            return "OARE sentence does not match its document sentences"
        if not checks.min_length_ratio <= ratio <= checks.max_length_ratio:
            return "length mismatch with the OARE sentence"
    # Sentence k starts after the previous marked word and no later than its own.
    allowed = [(marks[k - 1] + 1, marks[k]) for k in range(1, len(marks))]
    return units, allowed, sims


# ---------------------------------------------------------------------------------------------
# Whole corpus


def _is_truncated(transliteration: str) -> bool:
    return len(transliteration.encode("utf-8")) >= TRUNCATION_BYTES


def _doc_units(translation: str, n_tokens: int) -> list[str]:
    return merge_units(split_sentences(translation), n_tokens)


def _pair_rows(
    oare_id: str,
    tokens: list[str],
    units: list[str],
    bounds: list[int],
    kind: str,
    confidences: Sequence[float],
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        rows.append(
            {
                "oare_id": oare_id,
                "source": " ".join(tokens[a:b]),
                "target": units[k],
                "kind": kind,
                "confidence": float(confidences[k]),
                "segment": k,
                "word_start": a,
                "word_end": b,
            }
        )
    return rows


def _windows(sentence_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Two consecutive sentences of one segmentation joined into one pair."""
    out = []
    for r1, r2 in zip(sentence_rows, sentence_rows[1:], strict=False):
        out.append(
            {
                "oare_id": r1["oare_id"],
                "source": f"{r1['source']} {r2['source']}",
                "target": f"{r1['target']} {r2['target']}",
                "kind": "window",
                "confidence": min(float(r1["confidence"]), float(r2["confidence"])),  # type: ignore[arg-type]
                "segment": r1["segment"],
                "word_start": r1["word_start"],
                "word_end": r2["word_end"],
            }
        )
    return out


def _cuttable_documents(train: pd.DataFrame) -> Iterator[tuple[str, list[str], list[str]]]:
    """(transliteration, source tokens, English units) of every document that can be cut."""
    for translit, translation in zip(train["transliteration"], train["translation"], strict=True):
        tokens = source_tokens(translit)
        units = _doc_units(str(translation), len(tokens))
        if tokens and units:
            yield translit, tokens, units


def proportional_pairs(train: pd.DataFrame) -> list[tuple[str, str]]:
    """Rough (source, target) sentence pairs from proportional cuts of every document."""
    pairs: list[tuple[str, str]] = []
    for _, tokens, units in _cuttable_documents(train):
        bounds = proportional_cuts(len(tokens), [len(u) for u in units])
        for k, unit in enumerate(units):
            pairs.append((" ".join(tokens[bounds[k] : bounds[k + 1]]), unit))
    return pairs


def dp_pairs_text(train: pd.DataFrame, model: AlignmentModel) -> list[tuple[str, str]]:
    """(source, target) pairs of a DP segmentation, to retrain the word tables on."""
    pairs: list[tuple[str, str]] = []
    for translit, tokens, units in _cuttable_documents(train):
        bounds, n_aligned, _ = dp_cuts(model, tokens, units, truncated=_is_truncated(translit))
        pairs.extend(
            (" ".join(tokens[bounds[k] : bounds[k + 1]]), units[k]) for k in range(n_aligned)
        )
    return pairs


def train_alignment_model(
    train: pd.DataFrame, rounds: int = 2, iterations: int = 5, prior_weight: float = 1.0
) -> AlignmentModel:
    """Model 1 on proportional cuts, then ``rounds - 1`` retrainings on DP cuts."""
    model = fit_alignment_model(proportional_pairs(train), iterations, prior_weight)
    for _ in range(rounds - 1):
        model = fit_alignment_model(dp_pairs_text(train, model), iterations, prior_weight)
    return model


def align_documents(
    train: pd.DataFrame,
    sentences: pd.DataFrame | None,
    *,
    model: AlignmentModel | None = None,
    rounds: int = 2,
    windows: bool = True,
    dp: bool = True,
) -> pd.DataFrame:
    """Cut documents into pairs of every kind (see module docstring).

    Columns: oare_id, source, target, kind, confidence, segment, word_start, word_end,
    plus ``note`` (why a document was not cut by the sentence file, on its document row).
    With ``dp=False`` the ``sentence_dp`` pairs are proportional cuts (the ablation baseline).
    """
    train = train.dropna(subset=["transliteration", "translation"]).reset_index(drop=True)
    if model is None and dp:
        model = train_alignment_model(train, rounds=rounds)
    by_doc: dict[str, pd.DataFrame] = {}
    if sentences is not None and len(sentences):
        for oid, rows in sentences.groupby("text_uuid", sort=True):
            by_doc[str(oid)] = rows
    rows: list[dict[str, object]] = []
    for oid, translit, translation in zip(
        train["oare_id"], train["transliteration"], train["translation"], strict=True
    ):
        oid, translation = str(oid), str(translation)
        tokens = source_tokens(translit)
        note = "no sentence rows" if oid not in by_doc else ""
        file_rows: list[dict[str, object]] = []
        if oid in by_doc and model is not None:
            result = sentence_file_units(tokens, translation, by_doc[oid])
            if isinstance(result, str):
                note = result
            else:
                units, allowed, sims = result
                bounds, n_aligned, _ = dp_cuts(model, tokens, units, allowed=allowed)
                if n_aligned == len(units) and all(
                    bounds[k] < bounds[k + 1] for k in range(n_aligned)
                ):
                    file_rows = _pair_rows(oid, tokens, units, bounds, "sentence_file", sims)
                    note = "aligned"
                else:
                    note = "no monotone source cut inside the marked words"
        rows.append(
            {
                "oare_id": oid,
                "source": " ".join(tokens),
                "target": translation,
                "kind": "document",
                "confidence": 1.0,
                "segment": 0,
                "word_start": 0,
                "word_end": len(tokens),
                "note": note,
            }
        )
        rows.extend(file_rows)
        units = _doc_units(translation, len(tokens))
        if not tokens or not units:
            continue
        if model is not None:
            bounds, n_aligned, scores = dp_cuts(
                model, tokens, units, truncated=_is_truncated(translit)
            )
            confs = [
                _confidence(s, tokens[bounds[k] : bounds[k + 1]], units[k])
                for k, s in enumerate(scores)
            ]
        else:
            bounds = proportional_cuts(len(tokens), [len(u) for u in units])
            n_aligned, confs = len(units), [0.0] * len(units)
        dp_rows = _pair_rows(oid, tokens, units[:n_aligned], bounds, "sentence_dp", confs)
        rows.extend(dp_rows)
        if windows:
            rows.extend(_windows(file_rows or dp_rows))
    out = pd.DataFrame(rows)
    out["note"] = out["note"].fillna("")
    return out


def alignment_stats(pairs: pd.DataFrame) -> dict[str, object]:
    """Counts: documents, documents aligned by the sentence file and by DP, pairs per kind."""
    kinds = pairs["kind"].value_counts()
    docs = pairs.loc[pairs["kind"] == "document"]
    notes = docs["note"].value_counts() if "note" in docs else pd.Series(dtype=int)
    return {
        "documents": int(docs["oare_id"].nunique()),
        "documents_sentence_file": int(
            pairs.loc[pairs["kind"] == "sentence_file", "oare_id"].nunique()
        ),
        "documents_dp": int(pairs.loc[pairs["kind"] == "sentence_dp", "oare_id"].nunique()),
        "sentences_sentence_file": int(kinds.get("sentence_file", 0)),
        "sentences_dp": int(kinds.get("sentence_dp", 0)),
        "pairs_per_kind": {k: int(kinds.get(k, 0)) for k in KINDS},
        "sentence_file_rejections": {
            str(k): int(v) for k, v in notes.items() if k not in ("aligned", "no sentence rows")
        },
    }


ALIGNMENTS = ("auto", "sentence_file", "dp", "proportional", "none")


def aligned_pairs(
    train: pd.DataFrame, sentences: pd.DataFrame | None, alignment: str
) -> pd.DataFrame:
    """Pairs of one alignment strategy, so strategies can be compared side by side:

    auto: sentence-file cuts where trustworthy, DP cuts for every document (alignment B);
    sentence_file: only the sentence-file cuts (other documents stay whole);
    dp: only the Model 1 + length-prior DP cuts; proportional: cuts by English sentence length.
    Documents and two-sentence windows come with each.
    """
    from deep_past.corpus.align import align_documents

    if alignment not in ALIGNMENTS or alignment == "none":
        raise ValueError(f"alignment must be one of {ALIGNMENTS[:-1]}, got {alignment!r}")
    if alignment == "auto":
        return align_documents(train, sentences)
    if alignment == "dp":
        return align_documents(train, None)
    if alignment == "proportional":
        return align_documents(train, None, dp=False)
    pairs = align_documents(train, sentences)
    file_docs = set(pairs.loc[pairs["kind"] == "sentence_file", "oare_id"])
    keep = pairs["kind"].isin(["document", "sentence_file"]) | (
        (pairs["kind"] == "window") & pairs["oare_id"].isin(file_docs)
    )
    return pairs[keep].reset_index(drop=True)
