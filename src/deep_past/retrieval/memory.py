"""Translation memory as a system (``model: memory``): translate by retrieving training pairs.

A query transliteration is compared with the source side of the aligned training pairs
(``corpus.align``) by the search of :mod:`deep_past.retrieval.index`: character n-gram TF-IDF
cosine, with a :class:`~deep_past.corpus.names.NameSpeller` mixed with the cosine of the name
skeletons (each name replaced by a placeholder of its type), so a query finds stored sentences
of its template whatever the names. Among the top candidates the one with the best
``similarity - length_weight * |log length ratio|`` wins, because short queries otherwise grab
long entries and BLEU collapses. An exact source match returns its stored translation; fuzzy
matches are repaired (:mod:`deep_past.retrieval.repair`). Outputs follow the competition's
target conventions (``text.translation.normalize_translation``).

Deterministic (stable sorts, ties broken by pair index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from deep_past.corpus.align.model1 import WordTable, train_model1
from deep_past.corpus.align.tokens import english_words, source_key, source_tokens
from deep_past.corpus.names import NameSpeller
from deep_past.retrieval.index import PairIndex, SearchConfig, top_k
from deep_past.retrieval.repair import Repair, surface_forms
from deep_past.text.long_sources import cut_to_fit
from deep_past.text.translation import normalize_translation


@dataclass(frozen=True)
class MemoryConfig(SearchConfig):
    """Switches of the system (the search's, then these); the defaults are the tuned system."""

    top_k: int = 10  # candidates reranked by length
    exact: bool = True
    repair: bool = True
    repair_min_prob: float = 0.2
    # With a NameSpeller: name-slot filling.
    name_slots: bool = True
    name_min_similarity: float = 0.6  # old name's English vs a span of the retrieved target
    conventions: bool = True


def _exact_key(text: str) -> str:
    return " ".join(str(text).split())


def _unchanged(text: str) -> str:
    return text


@dataclass
class TranslationMemory:
    """Stored pairs, their search and the repair of what it finds; build with
    :meth:`from_pairs`."""

    index: PairIndex
    config: MemoryConfig
    repairer: Repair
    exact_index: dict[str, list[int]]
    convert: Callable[[str], str] = _unchanged

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
        index = PairIndex.from_pairs(pairs, config, names)
        stored = index.pairs
        sources = stored["source"].tolist()
        if table is None and config.repair:
            table = train_model1(
                [
                    ([source_key(t) for t in source_tokens(s)], english_words(e))
                    for s, e in zip(sources, stored["target"], strict=True)
                ]
            )
        swaps = config.repair and table is not None
        repairer = Repair(
            names=names if config.name_slots else None,
            name_min_similarity=config.name_min_similarity,
            table=table if swaps else None,
            surface=surface_forms(stored["target"].tolist()) if swaps else None,
            min_prob=config.repair_min_prob,
        )
        exact_index: dict[str, list[int]] = {}
        for i, s in enumerate(sources):
            exact_index.setdefault(_exact_key(s), []).append(i)
        convert = normalize_translation if config.conventions else _unchanged
        return cls(index, config, repairer, exact_index, convert)

    @property
    def pairs(self) -> pd.DataFrame:
        """The stored pairs (oare_id, source, target), numbered as the index rows."""
        return self.index.pairs

    @property
    def table(self) -> WordTable | None:
        """The word table of the repair step (None without word swaps)."""
        return self.repairer.table

    @cached_property
    def most_words(self) -> int:
        """Words of the longest stored source."""
        return max((len(s.split()) for s in self.pairs["source"]), default=0)

    # -- search ---------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, exclude_doc: str | None = None) -> pd.DataFrame:
        """Top-k stored pairs for a query (:meth:`PairIndex.search`)."""
        return self.index.search(query, k, exclude_doc)

    def ranked(self, query: str, exclude_doc: str | None = None) -> list[tuple[int, float]]:
        """Stored pairs in order of preference, with their similarity: exact matches first,
        then the top-k by similarity reranked by length (stable: ties keep similarity order)."""
        allowed = self.index.allowed(exclude_doc)
        sim = np.where(allowed, self.index.similarity(query), -np.inf)
        exact = []
        if self.config.exact:
            exact = [i for i in self.exact_index.get(_exact_key(query), []) if allowed[i]]
        if not np.isfinite(sim).any():
            return [(i, 1.0) for i in exact]
        top = top_k(sim, self.config.top_k)
        top = top[np.isfinite(sim[top])]
        score = sim[top] - self.config.length_weight * self.index.length_gap(query)[top]
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
            target = self.repairer(query, source, target)
        out = self.convert(target).strip()
        return out or target or "<gap>"

    def translate_one(self, query: str, exclude_doc: str | None = None) -> str:
        """Translation of one transliteration; never empty. A query with more words than any
        stored source (a whole tablet in one row) is cut into pieces that have no more, each
        answered and the answers joined in order: one stored sentence cannot stand for it."""
        most_words = self.most_words
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
