"""Hint sources for the prompt variants that show them (lexicon, names, retrieved examples, the
translation memory's matches)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from deep_past.io import read_frame
from deep_past.prompting.registry import PromptVariant


@dataclass(frozen=True)
class HintTables:
    """Paths of the tables hints are drawn from (one field per ``registry.HINT_TABLES``); None
    for those the variant does not need."""

    lexicon: str | Path | None = None
    proper_nouns: str | Path | None = None
    memory: str | Path | None = None  # pairs.csv: retrieval source for examples and matches
    # Documents the memory's matches come from: the training split for training and validation
    # prompts, every document for test-shaped sets (as the memory system answers them).
    match_splits: tuple[str, ...] = ("train",)


def memory_splits(split: str) -> tuple[str, ...]:
    """Documents the memory answers a split from: validation prompts only see training
    documents (their own are held out), test-shaped sets see every document."""
    return ("train",) if split in ("train", "val") else ("train", "val")


def hint_functions(
    variant: PromptVariant, tables: HintTables, speller: Any = None
) -> dict[str, Any]:
    """Callables that fill the prompt parts ``variant`` shows, built from ``tables``, which must
    hold every table the variant's features need (``PromptVariant.tables``). ``speller``: the
    tables' name speller when the caller has one (it takes seconds to build on the full data);
    otherwise it is built once, when a hint first needs it."""
    missing = [name for name in variant.tables if not getattr(tables, name)]
    if missing:
        raise ValueError(
            f"prompt variant '{variant.name}' needs the hint tables {missing}, which were not given"
        )
    spell = (lambda: speller) if speller is not None else cache(lambda: name_speller(tables))
    hints: dict[str, Callable[..., Any]] = {}
    if "lexicon" in variant.features:
        from deep_past.corpus.lexicon import index_lexicon, lexicon_hints

        lexicon = index_lexicon(read_frame(tables.lexicon))  # once, not per prompt
        hints["lexicon_hint"] = lambda src: lexicon_hints(src.split(), lexicon)
    if "names" in variant.features:
        from deep_past.corpus.lexicon import index_names, name_hints

        names = index_names(read_frame(tables.proper_nouns))
        hints["name_hint"] = lambda src: name_hints(src.split(), names)
    if "shots" in variant.features:
        hints["shots"] = _shots(read_frame(tables.memory), variant.shots, spell)
    if "matches" in variant.features:
        hints["matches"] = _matches(read_frame(tables.memory), variant.matches, tables, spell)
    return hints


def name_speller(tables: HintTables) -> Any:
    """The name speller of a split's tables (the memory's name slots, the ``slots`` feature)."""
    from deep_past.corpus.names import NameSpeller

    return NameSpeller.from_files(tables.proper_nouns, tables.lexicon)


def _matches(
    pairs: pd.DataFrame, k: int, tables: HintTables, spell: Callable[[], Any]
) -> Callable[[str, str], Sequence[tuple[str, str, float]]]:
    from deep_past.retrieval.memory import MemoryConfig, TranslationMemory

    stored = pairs[pairs["split"].isin(tables.match_splits)]
    memory = TranslationMemory.from_pairs(stored, MemoryConfig(), names=spell())

    def matches(source: str, text_id: str) -> Sequence[tuple[str, str, float]]:
        # Never the segment's own document: a training example must learn to repair a match
        # from elsewhere, as at test time, not to copy its own reference.
        return memory.candidates(source, k, exclude_doc=text_id.split(":")[0])

    return matches


def _shots(
    pairs: pd.DataFrame, k: int, spell: Callable[[], Any]
) -> Callable[[str, str], Sequence[tuple[str, str]]]:
    from deep_past.retrieval.index import PairIndex

    train = pairs[pairs["split"] == "train"]

    @cache
    def index() -> PairIndex:
        # Search only (no memory, no word table), built when the first prompt asks for shots.
        return PairIndex.from_pairs(train, names=spell())

    def shots(source: str, text_id: str) -> Sequence[tuple[str, str]]:
        # Never show a segment's own document: that would leak its reference into the prompt.
        found = index().search(source, k=k, exclude_doc=text_id.split(":")[0])
        return list(zip(found["source"], found["target"], strict=True))

    return shots
