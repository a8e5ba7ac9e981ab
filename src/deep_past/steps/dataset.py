"""Workflow steps: training pairs, SFT records and prediction prompts per prompt variant."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from deep_past.corpus.align.corpus import alignment_stats
from deep_past.corpus.align.strategy import aligned_pairs
from deep_past.corpus.segments import (
    document_pairs,
    split_pairs,
    training_segments,
    validation_segments,
)
from deep_past.io import (
    SENTENCES,
    TRAIN,
    read_frame,
    read_table,
    write_csv,
    write_json,
    write_jsonl,
)
from deep_past.modeling.tokens import model_context, token_counter
from deep_past.prompting.fit import cut_long_segments, fit_inputs
from deep_past.prompting.hints import HintTables, hint_functions, memory_splits, name_speller
from deep_past.prompting.records import (
    mask_names_in,
    prediction_records,
    prompt_inputs,
    sft_records,
)
from deep_past.prompting.registry import (
    get_variant,
)

log = logging.getLogger(__name__)

# The rule scripts' arguments come from here too: HintTables names a split's hint tables.
__all__ = [
    "HintTables",
    "memory_splits",
    "pairs_files",
    "prompt_file",
    "sft_files",
    "synthetic_options",
]


def pairs_files(
    train_csv: str | Path,
    sentences_csv: str | Path | None,
    out_pairs: str | Path,
    out_val: str | Path,
    out_stats: str | Path,
    *,
    val_fraction: float,
    split_seed: int,
    alignment: str,
) -> None:
    """Documents (+ sentence pairs cut from them as ``alignment`` says), split by document; val
    segments; statistics."""
    train = read_table(train_csv, TRAIN)
    if alignment == "none":
        pairs = document_pairs(train)
        stats = {"documents": len(train)}
    else:
        sentences = read_table(sentences_csv, SENTENCES) if sentences_csv else None
        pairs = aligned_pairs(train, sentences, alignment)
        stats = alignment_stats(pairs)
    stats = {"alignment": alignment, **stats}
    if "position" not in pairs.columns:
        pairs = pairs.assign(position=pairs.groupby(["oare_id", "kind"]).cumcount())
    pairs = split_pairs(pairs, val_fraction, split_seed)
    val = validation_segments(pairs)
    stats = {
        **stats,
        "train_pairs": int((pairs["split"] == "train").sum()),
        "val_segments": len(val),
    }
    log.info("pairs: %s", stats)
    write_csv(pairs, out_pairs)
    write_csv(val, out_val)
    write_json(stats, out_stats)


def sft_files(
    pairs_csv: str | Path,
    val_csv: str | Path,
    prompt: str,
    out_train: str | Path,
    out_val: str | Path,
    tables: HintTables,
    *,
    base_dir: str | Path,
    max_tokens: int,
    out_stats: str | Path,
    synthetic: dict[str, Any] | None = None,
    kinds: Sequence[str] | None = None,
) -> None:
    """Chat records for training (train pairs of ``kinds``, plus synthetic lexicon pairs when
    asked) and for the validation loss (val segments); prompt token statistics of both."""
    variant = get_variant(prompt)
    pairs = read_frame(pairs_csv)
    count = token_counter(base_dir)
    train = training_segments(pairs, kinds)
    if synthetic:
        from deep_past.corpus.synthetic import synthetic_segments

        extra = synthetic_segments(train["source"], **synthetic)
        log.info("synthetic lexicon pairs: %d", len(extra))
        train = pd.concat([train, extra], ignore_index=True)
    all_stats = {}
    speller = name_speller(tables) if "slots" in variant.features else None
    hints = hint_functions(variant, tables, speller)
    for name, segments, out in (("train", train, out_train), ("val", read_frame(val_csv), out_val)):
        if speller is not None:
            segments = mask_names_in(segments, speller)
        inputs = prompt_inputs(segments, variant, speller=speller, **hints)
        inputs, all_stats[name] = fit_inputs(inputs, variant, count, max_tokens)
        write_jsonl(sft_records(segments, inputs, prompt), out)
        log.info("%s: %d records; %s", out, len(segments), all_stats[name])
    write_json(all_stats, out_stats)


def prompt_file(
    segments_csv: str | Path,
    prompt: str,
    out: str | Path,
    tables: HintTables,
    *,
    base_dir: str | Path,
    max_tokens: int,
    out_stats: str | Path,
) -> None:
    """Chat prompts for every segment of a split (test, eval or val), within the token budget
    (and the model's context), and their token statistics. A source too long for one prompt
    becomes several records of its id, one per piece (``deep_past.text.long_sources``)."""
    variant = get_variant(prompt)
    segments = read_frame(segments_csv)
    count = token_counter(base_dir)
    context = model_context(base_dir)
    if context is not None and context < max_tokens:
        log.warning("prompt budget %d is over the model's context: %d", max_tokens, context)
        max_tokens = context
    segments, cut_stats = cut_long_segments(segments, variant, count, max_tokens, segments_csv)
    speller = name_speller(tables) if "slots" in variant.features else None
    if speller is not None:
        segments = mask_names_in(segments, speller)
    inputs = prompt_inputs(
        segments, variant, speller=speller, **hint_functions(variant, tables, speller)
    )
    inputs, stats = fit_inputs(inputs, variant, count, max_tokens)
    stats = {**stats, **cut_stats}
    write_jsonl(prediction_records(segments, inputs, prompt), out)
    write_json(stats, out_stats)
    log.info("%s: %d prompts; %s", out, len(segments), stats)


def synthetic_options(
    settings: dict[str, Any], lexicon: str | Path | None, proper_nouns: str | Path | None
) -> dict[str, Any] | None:
    """Keyword arguments of ``synthetic_segments`` when the mix-in is on, else None."""
    if not settings.get("enabled"):
        return None
    if not (lexicon and proper_nouns):
        raise ValueError("synthetic lexicon pairs need the lexicon and proper-noun tables")
    return {
        "lexicon": lexicon,
        "proper_nouns": proper_nouns,
        "max_pairs": settings["max_pairs"],
        "phrase_share": settings["phrase_share"],
    }
