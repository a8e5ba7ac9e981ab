"""sacrebleu-exact chrF++ and sentence BLEU statistics, vectorised over candidate pools.

The competition score is sqrt(BLEU x chrF++), both corpus-level sacrebleu 2.x
(``corpus_bleu`` with the 13a tokenizer, ``corpus_chrf(word_order=2)``).

Like sacrebleu, chrF++ works on *statistics*: a flat vector of (hyp, ref, match) counts for each
of the 8 orders (characters 1-6 on the text with all whitespace removed, then words 1-2 after
sacrebleu's punctuation splitting). :func:`chrf_from_stats` turns statistics into an F-score;
a sentence score is the F of one pair's vector and a corpus score the F of the summed vectors,
so MBR and evaluation share one function. The arithmetic follows sacrebleu operation by
operation (same divisions, same summation order), so scores agree bit for bit, not just to 1e-9.

MBR needs every candidate scored against every other candidate of a segment. Instead of one
Counter intersection per pair, :class:`NgramPool` extracts the n-grams of a whole pool once. Each
occurrence of an n-gram in a text (first 'the', second 'the', ...) becomes a column of a 0/1
matrix, so the clipped match count sum(min(count_i, count_j)) is the number of columns two texts
share, and one matrix product per order gives the matches of all pairs.

Only numpy and the standard library are imported here (sacrebleu lazily, for the reported corpus
scores) because this module is inlined into the offline Kaggle notebook.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

CHAR_ORDER = 6
WORD_ORDER = 2
CHRF_ORDERS = CHAR_ORDER + WORD_ORDER
BETA = 2
BLEU_ORDER = 4

# sacrebleu's chrF+ splits one ASCII punctuation mark off the end (else the start) of a word.
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# mteval-v13a tokenisation as sacrebleu's Tokenizer13a applies it (Western-language rules).
# Its first rule, r"([\{-\~\[-\` -\&\(-\+\:-\@\/])" -> r" \1 " (most ASCII symbols, and the
# space, get a space on either side), is context-free: one str.translate, ~3x faster than re.sub.
_SPLIT_SYMBOLS = {
    ord(c): f" {c} "
    for c in map(chr, range(128))
    if re.fullmatch(r"[\{-\~\[-\` -\&\(-\+\:-\@\/]", c)
}
# The other three keep their back-references; functions, not templates: re expands a template
# through its parser on every match.
_TOKENIZE_13A = (
    # period/comma unless after a digit
    (re.compile(r"([^0-9])([\.,])"), lambda m: f"{m[1]} {m[2]} "),
    # period/comma unless before a digit
    (re.compile(r"([\.,])([^0-9])"), lambda m: f" {m[1]} {m[2]}"),
    (re.compile(r"([0-9])(-)"), lambda m: f"{m[1]} {m[2]} "),  # dash after a digit
)


# ---------------------------------------------------------------------------- tokenisation


def chrf_words(text: str) -> list[str]:
    """Words for chrF++'s word n-grams: whitespace split, then one edge punctuation mark split off.

    Mirrors sacrebleu (including its quirk that '(hi)' becomes '(hi' and ')').
    """
    words: list[str] = []
    for word in text.split():
        if len(word) > 1 and word[-1] in _PUNCTUATION:
            words += [word[:-1], word[-1]]
        elif len(word) > 1 and word[0] in _PUNCTUATION:
            words += [word[0], word[1:]]
        else:
            words.append(word)
    return words


@lru_cache(maxsize=2**16)
def tokenize_13a(text: str) -> str:
    """sacrebleu's default BLEU tokenisation (13a) of one segment, trailing whitespace dropped."""
    line = text.rstrip().replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        for entity, char in (("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")):
            line = line.replace(entity, char)
    line = f" {line} ".translate(_SPLIT_SYMBOLS)
    for pattern, replacement in _TOKENIZE_13A:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())


# ---------------------------------------------------------------------------- n-gram pools


@lru_cache(maxsize=1)
def _openblas_threads() -> tuple | None:
    """(get, set) of the number of threads of the OpenBLAS numpy loaded, or None (another BLAS,
    or no /proc/self/maps to find it in)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line and ".so" in line}
    except OSError:
        return None
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                return get, put
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while pools are scored: their products (~100 x 1,000 @ 1,000 x 100) are
    too small to share, and OpenBLAS's threads then cost ~100x the CPU of one (measured: 118 ms
    against 1.2 ms for one pool's 12 products on a busy 2-core machine). Parallelism comes from
    scoring segments in separate processes instead (``deep_past.evaluation.mbr``, ``workers``)."""
    threads = _openblas_threads()
    if threads is None:
        yield
        return
    get, put = threads
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


@dataclass(frozen=True)
class NgramPool:
    """n-gram occurrences of K texts, one binary (K x V_o) matrix per order o.

    A column is one *occurrence* of an n-gram: (n-gram, k-th time it appears in a text). The
    clipped match sum(min(count_i, count_j)) of chrF and BLEU is then simply the number of columns
    two texts share, so all pairwise matches of an order are one matrix product.
    """

    occurrences: list[np.ndarray]  # per order: (K, V_o) float32 of 0/1
    first: list[np.ndarray]  # per order: (V_o,) bool, columns of first occurrences (n-gram sets)

    @property
    def orders(self) -> int:
        return len(self.occurrences)

    def totals(self) -> np.ndarray:
        """(K, orders) number of n-grams of each order in each text."""
        return np.stack([m.sum(axis=1) for m in self.occurrences], axis=1).astype(np.int64)

    def matches(self) -> np.ndarray:
        """(K, K, orders) clipped matches: sum over n-grams of min(count in i, count in j)."""
        # float32 sums of 0/1 products are exact below 2**24 shared occurrences.
        return np.rint(np.stack([m @ m.T for m in self.occurrences], axis=-1)).astype(np.int64)


def _count_ngrams(
    symbols: np.ndarray, lengths: np.ndarray, max_order: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Occurrence matrices and first-occurrence masks for n = 1..max_order (see NgramPool).

    ``symbols`` holds K sequences back to back as dense ids (0..A-1). An n-gram starting at
    position p gets an exact integer key, (id of the (n-1)-gram at p) * A + symbol[p + n - 1];
    keys are re-densified at every order so they never overflow, whatever the alphabet.
    """
    k, total = len(lengths), len(symbols)
    owner = np.repeat(np.arange(k), lengths)
    starts = np.cumsum(lengths) - lengths
    room = lengths[owner] - (np.arange(total) - starts[owner])  # symbols left from p onwards
    base = int(symbols.max()) + 1 if total else 1
    gram_ids = symbols.astype(np.int64)
    matrices, firsts = [], []
    for n in range(1, max_order + 1):
        size = max(total - n + 1, 0)
        if n > 1:
            gram_ids = gram_ids[:size] * base + symbols[n - 1 :]
        valid = room[:size] >= n  # the n-gram fits inside its own text
        matrix, first, dense_valid = _occurrences(gram_ids[valid], owner[:size][valid], k)
        matrices.append(matrix)
        firsts.append(first)
        gram_ids = np.zeros(size, dtype=np.int64)
        gram_ids[valid] = dense_valid
    return matrices, firsts


def _occurrences(
    keys: np.ndarray, owner: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Binary (K x occurrences) matrix, its first-occurrence mask, and dense n-gram ids.

    ``keys`` are n-gram keys in text order (``owner`` non-decreasing). One stable sort groups
    equal n-grams with their texts still in order, which gives at once the dense id of each
    n-gram and the rank r of each position among its copies in the same text. Column
    offset[gram] + r then stands for "the r-th copy of gram", with as many columns per n-gram as
    the most copies any text has.
    """
    size = len(keys)
    by_key = np.argsort(keys, kind="stable")
    sorted_keys, sorted_owner = keys[by_key], owner[by_key]
    new_gram = np.ones(size, dtype=bool)
    new_gram[1:] = sorted_keys[1:] != sorted_keys[:-1]
    new_run = new_gram.copy()  # a run: one n-gram within one text
    new_run[1:] |= sorted_owner[1:] != sorted_owner[:-1]
    position = np.arange(size)
    rank = position - np.maximum.accumulate(np.where(new_run, position, 0))
    gram = np.cumsum(new_gram) - 1
    copies = np.maximum.reduceat(rank + 1, np.flatnonzero(new_gram)) if size else rank
    offset = np.cumsum(copies) - copies
    matrix = np.zeros((k, int(copies.sum())), dtype=np.float32)
    matrix[sorted_owner, offset[gram] + rank] = 1.0
    first = np.zeros(matrix.shape[1], dtype=bool)
    first[offset] = True
    dense = np.empty(size, dtype=np.int64)
    dense[by_key] = gram
    return matrix, first, dense


def _word_symbols(token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids for words (shared across the pool) and the number of words of each text."""
    vocabulary: dict[str, int] = {}
    ids = [
        vocabulary.setdefault(word, len(vocabulary)) for tokens in token_lists for word in tokens
    ]
    lengths = np.fromiter((len(tokens) for tokens in token_lists), dtype=np.int64)
    return np.asarray(ids, dtype=np.int64), lengths


def chrf_pool(texts: Sequence[str]) -> NgramPool:
    """chrF++ n-grams of a pool: characters 1-6 (whitespace removed), then words 1-2."""
    stripped = ["".join(text.split()) for text in texts]
    codes = np.frombuffer("".join(stripped).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    _, chars = np.unique(codes, return_inverse=True)
    char_lengths = np.fromiter((len(s) for s in stripped), dtype=np.int64, count=len(texts))
    words, word_lengths = _word_symbols([chrf_words(text) for text in texts])
    char_matrices, char_firsts = _count_ngrams(chars.astype(np.int64), char_lengths, CHAR_ORDER)
    word_matrices, word_firsts = _count_ngrams(words, word_lengths, WORD_ORDER)
    return NgramPool(char_matrices + word_matrices, char_firsts + word_firsts)


def bleu_pool(texts: Sequence[str]) -> NgramPool:
    """Word n-grams 1-4 of each text after 13a tokenisation (sentence BLEU's view of a text)."""
    words, lengths = _word_symbols([tokenize_13a(text).split() for text in texts])
    return NgramPool(*_count_ngrams(words, lengths, BLEU_ORDER))


# ---------------------------------------------------------------------------- chrF++


def pairwise_chrf_stats(texts: Sequence[str], pool: NgramPool | None = None) -> np.ndarray:
    """(K, K, 24) chrF++ statistics with text i as hypothesis and text j as reference."""
    pool = chrf_pool(texts) if pool is None else pool
    totals = pool.totals()
    k = len(totals)
    stats = np.empty((k, k, pool.orders, 3), dtype=np.int64)
    # sacrebleu counts no hypothesis n-grams of an order the reference has none of.
    stats[..., 0] = np.where(totals[None, :, :] > 0, totals[:, None, :], 0)
    stats[..., 1] = totals[None, :, :]
    stats[..., 2] = pool.matches()
    return stats.reshape(k, k, pool.orders * 3)


def chrf_from_stats(stats: np.ndarray, beta: int = BETA) -> np.ndarray:
    """chrF (0-100) of statistics ``(..., 3 * orders)``: sacrebleu's effective-order F-beta.

    Orders where hypothesis or reference has no n-gram are left out of the averages. The loop
    over orders keeps sacrebleu's left-to-right summation so results match it bit for bit.
    """
    stats = np.asarray(stats, dtype=np.float64)
    hyp, ref, match = stats[..., 0::3], stats[..., 1::3], stats[..., 2::3]
    factor = beta**2
    avg_prec = np.zeros(stats.shape[:-1])
    avg_rec = np.zeros(stats.shape[:-1])
    effective = np.zeros(stats.shape[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        for order in range(hyp.shape[-1]):
            used = (hyp[..., order] > 0) & (ref[..., order] > 0)
            avg_prec = np.where(used, avg_prec + match[..., order] / hyp[..., order], avg_prec)
            avg_rec = np.where(used, avg_rec + match[..., order] / ref[..., order], avg_rec)
            effective += used
        avg_prec = np.where(effective > 0, avg_prec / effective, 0.0)
        avg_rec = np.where(effective > 0, avg_rec / effective, 0.0)
        score = (1 + factor) * avg_prec * avg_rec
        score = score / (factor * avg_prec + avg_rec)
    return np.where(avg_prec + avg_rec != 0, 100 * score, 0.0)


def pairwise_chrf(texts: Sequence[str], pool: NgramPool | None = None) -> np.ndarray:
    """(K, K) sentence chrF++.

    ``[i, j] == sacrebleu.sentence_chrf(texts[i], [texts[j]], word_order=2).score``.
    """
    return chrf_from_stats(pairwise_chrf_stats(texts, pool))


def chrf_stats(hypothesis: str, reference: str) -> np.ndarray:
    """(24,) chrF++ statistics of one hypothesis against one reference."""
    return pairwise_chrf_stats([hypothesis, reference])[0, 1]


def sentence_chrf(hypothesis: str, reference: str) -> float:
    """Sentence chrF++ against a single reference, as sacrebleu computes it."""
    return float(chrf_from_stats(chrf_stats(hypothesis, reference)))


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF++: the F-score of the statistics summed over segments (not a mean)."""
    _check_parallel(hypotheses, references)
    total = np.zeros(3 * CHRF_ORDERS, dtype=np.int64)
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        total += chrf_stats(hypothesis, reference)
    return float(chrf_from_stats(total))


# ---------------------------------------------------------------------------- BLEU


def pairwise_sentence_bleu(texts: Sequence[str], pool: NgramPool | None = None) -> np.ndarray:
    """(K, K) sentence BLEU: [i, j] == sacrebleu ``sentence_bleu(texts[i], [texts[j]])``.

    That is 13a tokens, n-grams 1-4, 'exp' smoothing and effective order; agreement is to
    ~1e-12 (numpy's log/exp may differ from math's in the last bit).
    """
    pool = bleu_pool(texts) if pool is None else pool
    totals = pool.totals()
    k = len(totals)
    correct = pool.matches().astype(np.float64)
    total = np.broadcast_to(totals[:, None, :], correct.shape).astype(np.float64)
    lengths = totals[:, 0].astype(np.float64)  # unigram count == number of tokens
    return _bleu_from_counts(correct, total, lengths[:, None], np.broadcast_to(lengths, (k, k)))


def _bleu_from_counts(
    correct: np.ndarray, total: np.ndarray, sys_len: np.ndarray, ref_len: np.ndarray
) -> np.ndarray:
    """sacrebleu's compute_bleu with 'exp' smoothing and effective order, elementwise."""
    sys_len, ref_len = np.broadcast_arrays(sys_len, ref_len)
    with np.errstate(divide="ignore", invalid="ignore"):
        penalty = np.where(
            sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / sys_len), 0.0), 1.0
        )
        smooth = np.ones(correct.shape[:-1])
        log_sum = np.zeros(correct.shape[:-1])
        effective = np.zeros(correct.shape[:-1])
        for n in range(correct.shape[-1]):
            # No n-grams of order n means none longer either: sacrebleu stops there.
            used = total[..., n] > 0
            missed = used & (correct[..., n] == 0)
            smooth = np.where(missed, smooth * 2, smooth)
            precision = np.where(
                missed, 100.0 / (smooth * total[..., n]), 100.0 * correct[..., n] / total[..., n]
            )
            log_sum = np.where(used, log_sum + np.log(precision), log_sum)
            effective += used
        score = penalty * np.exp(log_sum / effective)
    return np.where(correct.sum(axis=-1) > 0, score, 0.0)


def sentence_bleu(hypothesis: str, reference: str) -> float:
    """Sentence BLEU against one reference, as sacrebleu's ``sentence_bleu`` computes it."""
    return float(pairwise_sentence_bleu([hypothesis, reference])[0, 1])


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (13a, 'exp' smoothing, no effective order) without sacrebleu: a fallback."""
    _check_parallel(hypotheses, references)
    correct, total = np.zeros(BLEU_ORDER), np.zeros(BLEU_ORDER)
    sys_len = ref_len = 0.0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        pool = bleu_pool([hypothesis, reference])
        totals = pool.totals()
        correct += pool.matches()[0, 1]
        total += totals[0]
        sys_len += totals[0, 0]
        ref_len += totals[1, 0]
    return _bleu_all_orders(correct, total, sys_len, ref_len)


def _bleu_all_orders(
    correct: np.ndarray, total: np.ndarray, sys_len: float, ref_len: float
) -> float:
    """sacrebleu's corpus compute_bleu ('exp' smoothing, effective_order=False) in scalar math.

    All 4 orders always count: an order with no n-gram at all gets sacrebleu's floored log
    (-9999999999), which sends the score to 0.
    """
    if not correct.any():
        return 0.0
    penalty = 1.0
    if sys_len < ref_len:
        penalty = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * BLEU_ORDER
    smooth = 1.0
    for n in range(BLEU_ORDER):
        if total[n] == 0:
            break
        if correct[n] == 0:
            smooth *= 2
            precisions[n] = 100.0 / (smooth * total[n])
        else:
            precisions[n] = 100.0 * correct[n] / total[n]
    logs = [math.log(p) if p != 0.0 else -9999999999 for p in precisions]
    return penalty * math.exp(sum(logs) / BLEU_ORDER)


# ---------------------------------------------------------------------------- corpus scores


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict:
    """Competition scores of a system: BLEU, chrF++ and their geometric mean, with signatures.

    Reported BLEU and chrF++ come from sacrebleu itself; where sacrebleu is not installed (the
    offline notebook) this module's exact re-implementation is used and the signatures say so.
    """
    _check_parallel(hypotheses, references)
    hypotheses, references = list(hypotheses), list(references)
    try:
        from sacrebleu.metrics import BLEU, CHRF
    except ImportError:
        bleu, chrf = corpus_bleu(hypotheses, references), corpus_chrf(hypotheses, references)
        bleu_signature = chrf_signature = "deep_past.evaluation.metrics (sacrebleu not installed)"
    else:
        bleu_metric, chrf_metric = BLEU(), CHRF(word_order=WORD_ORDER)
        bleu = bleu_metric.corpus_score(hypotheses, [references]).score
        chrf = chrf_metric.corpus_score(hypotheses, [references]).score
        bleu_signature = str(bleu_metric.get_signature())
        chrf_signature = str(chrf_metric.get_signature())
    return {
        "bleu": float(bleu),
        "chrf": float(chrf),
        "geomean": math.sqrt(bleu * chrf),
        "n": len(hypotheses),
        "bleu_signature": bleu_signature,
        "chrf_signature": chrf_signature,
    }


def _check_parallel(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    if len(hypotheses) == 0:
        raise ValueError("no segments to score")
