"""Sparse indexes over stored sources, and the search over stored pairs built on them.

:class:`TfidfIndex` is character n-gram TF-IDF by scikit-learn's ``TfidfVectorizer`` (sublinear
tf, smoothed idf, L2-normalised rows); :class:`BM25Index` weighs ``CountVectorizer`` counts of
sign-level units with BM25 in ``scipy.sparse``. Both keep their postings feature-major
(features x rows, CSR), so scoring a query against every row touches only the rows that share
a feature with it. These replace a hand-written inverted index: same features and weights,
the same dev predictions, faster queries (``benchmarks/memory.py``, last table).

:class:`PairIndex` is the search the translation memory and the few-shot prompts share: stored
pairs of the configured kinds, TF-IDF cosine mixed with the cosine of the name skeletons (and
optionally BM25), a length penalty, a document left out. Deterministic: ties go to the lower
row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from deep_past.corpus.names import NameSpeller, skeleton


def padded(text: str) -> str:
    """Whitespace collapsed and one space at each end, so word edges make n-grams of their own."""
    return f" {' '.join(text.split())} "


def signs(text: str) -> list[str]:
    """Sign-level units: syllables and logograms split at spaces, hyphens and dots."""
    return [s for s in re.split(r"[\s\-.]+", text.lower()) if s]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest scores, best first; equal scores keep row order."""
    return np.lexsort((np.arange(len(scores)), -scores))[: max(k, 0)]


def _scores(postings: sp.csr_matrix, cols: list[int], weights: Sequence[float]) -> np.ndarray:
    """Dot product of a sparse query (feature ids, weights) with every row of the postings."""
    query = sp.csr_matrix(
        (np.asarray(weights, dtype=float), np.asarray(cols, dtype=np.int64), [0, len(cols)]),
        shape=(1, postings.shape[0]),
    )
    return (query @ postings).toarray().ravel()


@dataclass(frozen=True)
class TfidfIndex:
    """Character n-gram TF-IDF rows, one per stored text; :meth:`similarity` is the cosine."""

    analyzer: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: np.ndarray
    postings: sp.csr_matrix  # features x rows, L2-normalised (1 + log tf) * idf
    unseen_idf: float  # idf of an n-gram no row has: it still counts in a query's norm

    @classmethod
    def build(cls, texts: Sequence[str], ngram_lo: int = 2, ngram_hi: int = 4) -> TfidfIndex:
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(ngram_lo, ngram_hi),
            preprocessor=padded,
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float64,
        )
        # The smoothed idf of a document frequency of 0: log((1 + n) / 1) + 1.
        unseen_idf = math.log(1 + len(texts)) + 1.0
        if not texts:  # the vectorizer refuses an empty corpus; nothing matches then
            return cls(vectorizer.build_analyzer(), {}, np.zeros(0), sp.csr_matrix((0, 0)), 0.0)
        rows = vectorizer.fit_transform(texts)
        return cls(
            vectorizer.build_analyzer(),
            vectorizer.vocabulary_,
            vectorizer.idf_,
            rows.T.tocsr(),
            unseen_idf,
        )

    def similarity(self, text: str) -> np.ndarray:
        """Cosine of ``text``'s TF-IDF vector with every row."""
        # Weighed here, not by the vectorizer's transform: that leaves n-grams no row has out
        # of the query's norm, which would rescale this cosine against the skeletons' in the
        # mix; counting them keeps the former index's scores exactly.
        cols, weights, squares = [], [], []
        for gram, count in Counter(self.analyzer(text)).items():
            col = self.vocabulary.get(gram)
            weight = (1.0 + math.log(count)) * (self.unseen_idf if col is None else self.idf[col])
            squares.append(weight * weight)
            if col is not None:
                cols.append(col)
                weights.append(weight)
        norm = math.sqrt(sum(squares)) or 1.0
        return _scores(self.postings, cols, [w / norm for w in weights])


@dataclass(frozen=True)
class BM25Index:
    """BM25 term weights per stored text; a query scores the sum of its matched terms' idf."""

    tokens: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: np.ndarray
    postings: sp.csr_matrix  # features x rows

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        tokens: Callable[[str], list[str]] = signs,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> BM25Index:
        docs = [tokens(t) for t in texts]
        if not any(docs):  # the vectorizer refuses an empty vocabulary; nothing matches then
            return cls(tokens, {}, np.zeros(0), sp.csr_matrix((0, len(docs))))
        counts = CountVectorizer(analyzer=_as_given, dtype=np.float64)
        tf = counts.fit_transform(docs).tocsr()
        n = len(docs)
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        lengths = np.array([len(d) for d in docs], dtype=float)
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        norm = k1 * (1 - b + b * lengths[rows] / max(float(lengths.mean()), 1.0))
        tf.data = tf.data * (k1 + 1) / (tf.data + norm)
        return cls(tokens, counts.vocabulary_, idf, tf.T.tocsr())

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of ``text`` against every row (unknown terms add nothing)."""
        cols = [c for t in set(self.tokens(text)) if (c := self.vocabulary.get(t)) is not None]
        return _scores(self.postings, cols, self.idf[cols])


def _as_given(tokens: list[str]) -> list[str]:
    return tokens


@dataclass(frozen=True)
class SearchConfig:
    """How stored pairs are searched (the memory's :class:`MemoryConfig` extends it)."""

    kinds: tuple[str, ...] = ("sentence_file", "sentence_dp", "window")
    ngram_lo: int = 2
    ngram_hi: int = 4
    bm25_weight: float = 0.0  # share of normalised sign BM25 (0.1-0.3 lowered dev scores)
    length_weight: float = 0.3  # lambda in similarity - lambda * |log length ratio|
    # With a NameSpeller: share of the similarity of the name skeletons.
    skeleton_weight: float = 0.7


def stored_pairs(pairs: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """Pairs of ``kinds`` (all when there is no ``kind`` column) with both sides non-empty,
    each (source, target) once, numbered from 0 (columns oare_id, source, target)."""
    keep = pairs["kind"].isin(kinds) if "kind" in pairs else slice(None)
    stored = pairs.loc[keep, ["oare_id", "source", "target"]].copy()
    stored = stored.dropna().astype(str)
    stored = stored[(stored["source"].str.strip() != "") & (stored["target"].str.strip() != "")]
    return stored.drop_duplicates(["source", "target"]).reset_index(drop=True)


@dataclass
class PairIndex:
    """Stored pairs and the indexes to search their sources; build with :meth:`from_pairs`."""

    pairs: pd.DataFrame  # oare_id, source, target; row i is row i of every index
    config: SearchConfig
    tfidf: TfidfIndex
    names: NameSpeller | None = None
    skeletons: TfidfIndex | None = None  # TF-IDF of the sources with names as type slots

    @classmethod
    def from_pairs(
        cls,
        pairs: pd.DataFrame,
        config: SearchConfig | None = None,
        names: NameSpeller | None = None,
    ) -> PairIndex:
        """Index the pairs of the configured kinds (columns oare_id, source, target, kind);
        ``names`` turns on skeleton matching."""
        config = config or SearchConfig()
        stored = stored_pairs(pairs, config.kinds)
        sources = stored["source"].tolist()
        grams = (config.ngram_lo, config.ngram_hi)
        skeletons = None
        if names is not None and config.skeleton_weight > 0:
            skeletons = TfidfIndex.build([skeleton(s, names) for s in sources], *grams)
        return cls(stored, config, TfidfIndex.build(sources, *grams), names, skeletons)

    @cached_property
    def bm25(self) -> BM25Index:
        """Sign BM25 over the sources, built on first use (only a non-zero ``bm25_weight``)."""
        return BM25Index.build(self.pairs["source"].tolist())

    @cached_property
    def source_lengths(self) -> np.ndarray:
        return self.pairs["source"].str.len().to_numpy(dtype=float)

    def similarity(self, query: str) -> np.ndarray:
        """Similarity of the query to every stored source: TF-IDF cosine, mixed with the
        cosine of the name skeletons (+ BM25 share)."""
        cfg = self.config
        sim = self.tfidf.similarity(query)
        if self.skeletons is not None and self.names is not None:
            skel = self.skeletons.similarity(skeleton(query, self.names))
            sim = (1 - cfg.skeleton_weight) * sim + cfg.skeleton_weight * skel
        if cfg.bm25_weight > 0:
            bm = self.bm25.scores(query)
            top = bm.max() if len(bm) else 0.0
            if top > 0:
                sim = (1 - cfg.bm25_weight) * sim + cfg.bm25_weight * bm / top
        return sim

    def allowed(self, exclude_doc: str | None) -> np.ndarray:
        """Rows not of the excluded document (full oare_id or its 8-character text_id)."""
        if not exclude_doc:
            return np.ones(len(self.pairs), dtype=bool)
        # Test rows carry only the first 8 characters of the oare_id (text_id).
        return ~self.pairs["oare_id"].str.startswith(str(exclude_doc)).to_numpy()

    def length_gap(self, query: str) -> np.ndarray:
        """|log length ratio| of the query to every stored source."""
        return np.abs(np.log((len(query) + 1.0) / (self.source_lengths + 1.0)))

    def search(self, query: str, k: int = 5, exclude_doc: str | None = None) -> pd.DataFrame:
        """Top-k stored pairs for a query, best first (e.g. few-shot examples for a prompt).

        Columns: oare_id, source, target, similarity, score (similarity minus the length
        penalty, the ranking key). ``exclude_doc`` drops pairs of that document (full oare_id
        or its 8-character text_id prefix).
        """
        sim = self.similarity(query)
        allowed = self.allowed(exclude_doc)
        penalty = self.config.length_weight * self.length_gap(query)
        score = np.where(allowed, sim - penalty, -1e9)
        order = top_k(score, k)
        order = order[allowed[order]]
        out = self.pairs.iloc[order][["oare_id", "source", "target"]].copy()
        out["similarity"] = sim[order]
        out["score"] = score[order]
        return out.reset_index(drop=True)
