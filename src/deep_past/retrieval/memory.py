"""Translation memory as a system (``model: memory``): translate by retrieving training pairs.

A query transliteration is compared with the source side of the aligned training pairs
(``corpus.align``) by character n-gram TF-IDF cosine, optionally mixed with sign-level BM25.
Among the top candidates the one with the best ``similarity - length_weight * |log length
ratio|`` wins, because short queries otherwise grab long entries and BLEU collapses. With a
:class:`~deep_past.corpus.names.NameSpeller` the similarity also compares the name skeletons
(each name replaced by a placeholder of its type), so a query finds stored sentences of its
template whatever the names. An exact source match returns its stored translation. Fuzzy
matches are repaired: the query's names fill the retrieved translation's name slots, then
numbers and words that differ 1:1 between the query and the retrieved source are swapped using
the Model 1 word table. Outputs follow the competition's target conventions.

Pure numpy/pandas; deterministic (stable sorts, ties broken by pair index).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from deep_past.corpus.align.model1 import WordTable, train_model1
from deep_past.corpus.align.tokens import english_words, source_key, source_tokens
from deep_past.corpus.names import NameSpeller, fill_name_slots, skeleton
from deep_past.text.long_sources import cut_to_fit

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


# ---------------------------------------------------------------------------------------------
# Target conventions


def _fallback_conventions(text: str) -> str:
    """Minimal target conventions used until ``normalize_translation`` exists in the tree:
    decimal fractions as Unicode fractions (``1.5`` -> ``1 ½``) and no ``(fem.)``-style marks."""
    fractions = {
        "5": "½",
        "3333": "⅓",
        "333": "⅓",
        "6666": "⅔",
        "6667": "⅔",
        "666": "⅔",
        "25": "¼",
        "75": "¾",
        "1666": "⅙",
        "8333": "⅚",
    }

    def repl(m: re.Match[str]) -> str:
        whole, frac = m.group(1), m.group(2)
        sym = fractions.get(frac)
        if sym is None:
            return m.group(0)
        return sym if whole == "0" else f"{whole} {sym}"

    text = re.sub(r"\b(\d+)\.(\d+)\b", repl, text)
    text = re.sub(r"\s*\((?:fem|plur|sing|pl|f)\.\)|\s*\((?:\?|!)\)", "", text)
    return " ".join(text.split())


def target_conventions() -> Callable[[str], str]:
    """The project's ``normalize_translation`` when present, else the minimal fallback."""
    try:
        from deep_past.text.translation import normalize_translation
    except ImportError:
        return _fallback_conventions
    return normalize_translation


# ---------------------------------------------------------------------------------------------
# Sparse vectors (inverted index): rows = stored pairs, columns = features


def char_ngrams(text: str, lo: int = 2, hi: int = 4) -> list[str]:
    """Character n-grams of a transliteration padded with spaces (word edges count)."""
    s = f" {' '.join(text.split())} "
    return [s[i : i + n] for n in range(lo, hi + 1) for i in range(len(s) - n + 1)]


def signs(text: str) -> list[str]:
    """Sign-level units: syllables and logograms split at spaces, hyphens and dots."""
    return [s for s in re.split(r"[\s\-.]+", text.lower()) if s]


@dataclass(frozen=True)
class SparseCounts:
    """Distinct (row, feature) pairs of token lists with their counts (COO layout)."""

    vocab: list[str]
    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    row_lengths: np.ndarray
    n_rows: int


def sparse_counts(token_lists: Sequence[Sequence[str]]) -> SparseCounts:
    """Count tokens per row with hashing (pandas.factorize) instead of Python dict loops."""
    lengths = np.array([len(t) for t in token_lists], dtype=np.int64)
    flat = [tok for toks in token_lists for tok in toks]
    codes, uniques = pd.factorize(pd.Series(flat, dtype=object), sort=False)
    vocab = [str(u) for u in uniques]
    n_feat = max(len(vocab), 1)
    rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    keys, counts = np.unique(rows * n_feat + codes.astype(np.int64), return_counts=True)
    return SparseCounts(
        vocab, keys // n_feat, keys % n_feat, counts.astype(float), lengths, len(token_lists)
    )


@dataclass
class InvertedIndex:
    """Column-major sparse matrix: for each feature, the rows holding it and their weights."""

    vocab: dict[str, int]
    indptr: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    n_rows: int

    @classmethod
    def from_counts(
        cls, token_lists: Sequence[Sequence[str]], weigh: Callable[[SparseCounts], np.ndarray]
    ) -> InvertedIndex:
        """Index token lists, weighting each (row, feature) count with ``weigh``."""
        counts = sparse_counts(token_lists)
        weights = weigh(counts)
        order = np.argsort(counts.cols, kind="stable")
        sizes = np.bincount(counts.cols, minlength=len(counts.vocab))
        return cls(
            {f: i for i, f in enumerate(counts.vocab)},
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            counts.rows[order],
            weights[order],
            counts.n_rows,
        )

    def dot(self, query: dict[str, float]) -> np.ndarray:
        """Scores of every row against a query vector."""
        rows, weights = [], []
        for feat, qw in query.items():
            c = self.vocab.get(feat)
            if c is None:
                continue
            lo, hi = self.indptr[c], self.indptr[c + 1]
            rows.append(self.rows[lo:hi])
            weights.append(self.weights[lo:hi] * qw)
        if not rows:
            return np.zeros(self.n_rows)
        return np.bincount(
            np.concatenate(rows), weights=np.concatenate(weights), minlength=self.n_rows
        )

    def document_frequency(self) -> np.ndarray:
        """Rows holding each feature, by feature id."""
        return np.diff(self.indptr)


def _tfidf(counts: Counter[str], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    vec = {g: (1.0 + math.log(c)) * idf.get(g, default_idf) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {g: v / norm for g, v in vec.items()}


# ---------------------------------------------------------------------------------------------
# The memory


@dataclass(frozen=True)
class MemoryConfig:
    """Switches of the system; the defaults are the tuned full system."""

    kinds: tuple[str, ...] = ("sentence_file", "sentence_dp", "window")
    ngram_lo: int = 2
    ngram_hi: int = 4
    bm25_weight: float = 0.0  # share of normalised sign BM25 (0.1-0.3 lowered dev scores)
    length_weight: float = 0.3  # lambda in similarity - lambda * |log length ratio|
    top_k: int = 10  # candidates reranked by length
    exact: bool = True
    repair: bool = True
    repair_min_prob: float = 0.2
    # With a NameSpeller: share of the name-skeleton similarity, and name-slot filling.
    skeleton_weight: float = 0.7
    name_slots: bool = True
    name_min_similarity: float = 0.6  # old name's English vs a span of the retrieved target
    conventions: bool = True


@dataclass
class TranslationMemory:
    """Stored pairs plus the indexes to search them; build with :meth:`from_pairs`."""

    pairs: pd.DataFrame
    config: MemoryConfig
    tfidf: InvertedIndex
    idf: dict[str, float]
    default_idf: float
    bm25: InvertedIndex
    bm25_idf: dict[str, float]
    table: WordTable | None
    surface: dict[str, str]
    exact_index: dict[str, list[int]]
    convert: Callable[[str], str] = field(default=lambda s: s)
    names: NameSpeller | None = None
    skeletons: tuple[InvertedIndex, dict[str, float]] | None = None

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_pairs(
        cls,
        pairs: pd.DataFrame,
        config: MemoryConfig | None = None,
        table: WordTable | None = None,
        names: NameSpeller | None = None,
    ) -> TranslationMemory:
        """Index the pairs of the configured kinds (columns oare_id, source, target, kind).

        ``table`` is t(english | source) for the repair step; trained on the stored sentence
        pairs when not given. ``names`` turns on skeleton matching and name-slot filling.
        """
        config = config or MemoryConfig()
        keep = pairs["kind"].isin(config.kinds) if "kind" in pairs else slice(None)
        stored = pairs.loc[keep, ["oare_id", "source", "target"]].copy()
        stored = stored.dropna().astype(str)
        stored = stored[(stored["source"].str.strip() != "") & (stored["target"].str.strip() != "")]
        stored = stored.drop_duplicates(["source", "target"]).reset_index(drop=True)
        sources = stored["source"].tolist()

        tfidf, idf = _tfidf_index(
            [char_ngrams(s, config.ngram_lo, config.ngram_hi) for s in sources]
        )
        default_idf = math.log(1 + len(sources)) + 1.0
        bm25, bm25_idf = _bm25_index([signs(s) for s in sources])

        if table is None and config.repair:
            table = train_model1(
                [
                    ([source_key(t) for t in source_tokens(s)], english_words(e))
                    for s, e in zip(sources, stored["target"], strict=True)
                ]
            )
        surface = _surface_forms(stored["target"].tolist())
        exact_index: dict[str, list[int]] = {}
        for i, s in enumerate(sources):
            exact_index.setdefault(_exact_key(s), []).append(i)
        convert = target_conventions() if config.conventions else (lambda s: s)
        skeletons = None
        if names is not None and config.skeleton_weight > 0:
            skeletons = _tfidf_index(
                [char_ngrams(skeleton(s, names), config.ngram_lo, config.ngram_hi) for s in sources]
            )
        return cls(
            stored,
            config,
            tfidf,
            idf,
            default_idf,
            bm25,
            bm25_idf,
            table,
            surface,
            exact_index,
            convert,
            names,
            skeletons,
        )

    # -- search ---------------------------------------------------------------------------

    def similarity(self, query: str) -> np.ndarray:
        """Similarity of the query to every stored source: TF-IDF cosine, mixed with the
        cosine of the name skeletons (+ BM25 share)."""
        cfg = self.config
        counts = Counter(char_ngrams(query, cfg.ngram_lo, cfg.ngram_hi))
        sim = self.tfidf.dot(_tfidf(counts, self.idf, self.default_idf))
        if self.skeletons is not None and self.names is not None:
            index, idf = self.skeletons
            grams = Counter(char_ngrams(skeleton(query, self.names), cfg.ngram_lo, cfg.ngram_hi))
            skel = index.dot(_tfidf(grams, idf, self.default_idf))
            sim = (1 - cfg.skeleton_weight) * sim + cfg.skeleton_weight * skel
        if cfg.bm25_weight > 0:
            q = {s: self.bm25_idf.get(s, 0.0) for s in set(signs(query))}
            bm = self.bm25.dot(q)
            top = bm.max() if len(bm) else 0.0
            if top > 0:
                sim = (1 - cfg.bm25_weight) * sim + cfg.bm25_weight * bm / top
        return sim

    def _allowed(self, exclude_doc: str | None) -> np.ndarray:
        if not exclude_doc:
            return np.ones(len(self.pairs), dtype=bool)
        # Test rows carry only the first 8 characters of the oare_id (text_id).
        return ~self.pairs["oare_id"].str.startswith(str(exclude_doc)).to_numpy()

    def search(self, query: str, k: int = 5, exclude_doc: str | None = None) -> pd.DataFrame:
        """Top-k stored pairs for a query, best first (e.g. few-shot examples for a prompt).

        Columns: oare_id, source, target, similarity, score (similarity minus the length
        penalty, the ranking key). ``exclude_doc`` drops pairs of that document (full oare_id
        or its 8-character text_id prefix).
        """
        sim = self.similarity(query)
        allowed = self._allowed(exclude_doc)
        score = np.where(allowed, sim - self.config.length_weight * self._length_gap(query), -1e9)
        order = np.lexsort((np.arange(len(score)), -score))[: max(k, 0)]
        order = order[allowed[order]]
        out = self.pairs.iloc[order][["oare_id", "source", "target"]].copy()
        out["similarity"] = sim[order]
        out["score"] = score[order]
        return out.reset_index(drop=True)

    def _length_gap(self, query: str) -> np.ndarray:
        lengths = self._source_lengths()
        return np.abs(np.log((len(query) + 1.0) / (lengths + 1.0)))

    def _source_lengths(self) -> np.ndarray:
        if not hasattr(self, "_lengths"):
            self._lengths = self.pairs["source"].str.len().to_numpy(dtype=float)
        return self._lengths

    def _most_words(self) -> int:
        if not hasattr(self, "_words"):
            self._words = max((len(s.split()) for s in self.pairs["source"]), default=0)
        return self._words

    def ranked(self, query: str, exclude_doc: str | None = None) -> list[tuple[int, float]]:
        """Stored pairs in order of preference, with their similarity: exact matches first,
        then the top-k by similarity reranked by length (stable: ties keep similarity order)."""
        allowed = self._allowed(exclude_doc)
        sim = np.where(allowed, self.similarity(query), -np.inf)
        exact = []
        if self.config.exact:
            exact = [i for i in self.exact_index.get(_exact_key(query), []) if allowed[i]]
        if not np.isfinite(sim).any():
            return [(i, 1.0) for i in exact]
        top = np.lexsort((np.arange(len(sim)), -sim))[: self.config.top_k]
        top = top[np.isfinite(sim[top])]
        score = sim[top] - self.config.length_weight * self._length_gap(query)[top]
        reranked = [int(i) for i in top[np.argsort(-score, kind="stable")] if i not in exact]
        return [(i, 1.0) for i in exact] + [(i, float(sim[i])) for i in reranked]

    def best_match(self, query: str, exclude_doc: str | None = None) -> int | None:
        """Index of the chosen stored pair: exact match, else length-aware rerank of top-k."""
        ranked = self.ranked(query, exclude_doc)
        return ranked[0][0] if ranked else None

    # -- translation ----------------------------------------------------------------------

    def adapt(self, query: str, i: int) -> str:
        """Stored pair ``i``'s translation made the query's: name slots filled, substituted
        numbers and words repaired, target conventions; never empty."""
        source, target = self.pairs.at[i, "source"], self.pairs.at[i, "target"]
        if _exact_key(source) != _exact_key(query):
            cfg = self.config
            if cfg.name_slots and self.names is not None:
                target = fill_name_slots(query, source, target, self.names, cfg.name_min_similarity)
            if cfg.repair and self.table is not None:
                target = repair(query, source, target, self.table, self.surface, cfg)
        out = self.convert(target).strip()
        return out or target or "<gap>"

    def translate_one(self, query: str, exclude_doc: str | None = None) -> str:
        """Translation of one transliteration; never empty. A query with more words than any
        stored source (a whole tablet in one row) is cut into pieces that have no more, each
        answered and the answers joined in order: one stored sentence cannot stand for it."""
        most_words = self._most_words()
        if len(query.split()) > most_words > 0:
            cut = cut_to_fit(query, lambda text: len(text.split()), most_words)
            return " ".join(self.translate_one(piece, exclude_doc) for piece in cut.pieces)
        i = self.best_match(query, exclude_doc)
        return "<gap>" if i is None else self.adapt(query, i)

    def candidates(
        self, query: str, k: int, exclude_doc: str | None = None
    ) -> list[tuple[str, str, float]]:
        """The memory's k best answers, best first (the first is :meth:`translate_one`'s):
        (stored source, its translation adapted to the query, similarity)."""
        return [
            (self.pairs.at[i, "source"], self.adapt(query, i), sim)
            for i, sim in self.ranked(query, exclude_doc)[: max(k, 0)]
        ]

    def translate(self, test: pd.DataFrame, exclude_own_document: bool = False) -> list[str]:
        """Translations for a test table (column ``transliteration``; ``text_id`` is used to
        exclude the row's own document when ``exclude_own_document``)."""
        ids = test["text_id"] if exclude_own_document and "text_id" in test else None
        out = []
        for r, query in enumerate(test["transliteration"].fillna("").astype(str)):
            exclude = str(ids.iloc[r]) if ids is not None else None
            out.append(self.translate_one(query, exclude))
        return out


# ---------------------------------------------------------------------------------------------
# Helpers


def _exact_key(text: str) -> str:
    return " ".join(str(text).split())


def _tfidf_index(grams: Sequence[list[str]]) -> tuple[InvertedIndex, dict[str, float]]:
    """L2-normalised (1 + log tf) * smoothed idf vectors, and the idf per n-gram."""
    n = len(grams)
    idf_arr = np.zeros(0)

    def weigh(c: SparseCounts) -> np.ndarray:
        nonlocal idf_arr
        df = np.bincount(c.cols, minlength=len(c.vocab))
        idf_arr = np.log((1.0 + n) / (1.0 + df)) + 1.0
        w = (1.0 + np.log(c.counts)) * idf_arr[c.cols]
        norms = np.sqrt(np.bincount(c.rows, weights=w * w, minlength=c.n_rows))
        return w / np.maximum(norms[c.rows], 1e-12)

    index = InvertedIndex.from_counts(grams, weigh)
    idf = {f: float(idf_arr[i]) for f, i in index.vocab.items()}
    return index, idf


def _bm25_index(
    docs: Sequence[list[str]], k1: float = 1.2, b: float = 0.75
) -> tuple[InvertedIndex, dict[str, float]]:
    """BM25 term weights per document (the query side is a sum of idf-weighted matches)."""
    n = max(len(docs), 1)
    idf_arr = np.zeros(0)

    def weigh(c: SparseCounts) -> np.ndarray:
        nonlocal idf_arr
        df = np.bincount(c.cols, minlength=len(c.vocab))
        idf_arr = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        avg = max(float(c.row_lengths.mean()), 1.0) if c.n_rows else 1.0
        norm = k1 * (1 - b + b * c.row_lengths[c.rows] / avg)
        return c.counts * (k1 + 1) / (c.counts + norm)

    index = InvertedIndex.from_counts(docs, weigh)
    idf = {f: float(idf_arr[i]) for f, i in index.vocab.items()}
    return index, idf


def _surface_forms(targets: Sequence[str]) -> dict[str, str]:
    """Most frequent spelling (case) of each lower-cased English word in the stored targets."""
    counts: Counter[str] = Counter()
    for t in targets:
        counts.update(re.findall(r"\w+(?:['’-]\w+)*", t))
    best: dict[str, tuple[int, str]] = {}
    for word, c in sorted(counts.items()):
        key = word.lower()
        if key not in best or c > best[key][0]:
            best[key] = (c, word)
    return {k: w for k, (_, w) in best.items()}


def _substitutions(query: str, source: str) -> list[tuple[str, str]]:
    """1:1 token substitutions turning the stored source into the query (difflib opcodes)."""
    q, s = source_tokens(query), source_tokens(source)
    subs = []
    matcher = difflib.SequenceMatcher(a=s, b=q, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            subs.extend(zip(s[i1:i2], q[j1:j2], strict=True))
    return subs


def _replace_word(text: str, old: str, new: str) -> str | None:
    """Replace the first whole-word case-insensitive ``old`` by ``new`` keeping capitals."""
    m = re.search(rf"(?<![\w.-]){re.escape(old)}(?![\w-]|\.\d)", text, flags=re.IGNORECASE)
    if m is None:
        return None
    found = m.group(0)
    if found[:1].isupper() and new[:1].islower():
        new = new[:1].upper() + new[1:]
    return text[: m.start()] + new + text[m.end() :]


def repair(
    query: str,
    source: str,
    target: str,
    table: WordTable,
    surface: dict[str, str],
    config: MemoryConfig,
) -> str:
    """Swap in the retrieved translation what the query substitutes 1:1 in the source.

    Numbers are swapped literally; other words through the word table: the old word's best
    translation present in the target is replaced by the new word's best translation, when
    both are confident (``repair_min_prob``) and the new one is not a word of the target yet.
    """
    target_words = set(english_words(target))
    for old, new in _substitutions(query, source):
        if _NUMBER.match(old) and _NUMBER.match(new):
            swapped = _replace_word(target, old, new)
            if swapped is not None:
                target = swapped
            continue
        old_key, new_key = source_key(old), source_key(new)
        candidates = [w for w in english_words(target) if w in table.tgt_vocab]
        if not candidates:
            continue
        probs = table.lookup([old_key], candidates)[0]
        j = int(np.argmax(probs))
        if probs[j] < config.repair_min_prob:
            continue
        best_new = table.best_translation(new_key, config.repair_min_prob)
        if best_new is None:
            continue
        e_old, e_new = candidates[j], best_new[0]
        if e_new == e_old or e_new in target_words:
            continue
        swapped = _replace_word(target, surface.get(e_old, e_old), surface.get(e_new, e_new))
        if swapped is not None:
            target = swapped
            target_words = set(english_words(target))
    return target
