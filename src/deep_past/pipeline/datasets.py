"""Workflow steps: training pairs, SFT records and prediction prompts per prompt variant."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deep_past.dataset import (
    document_pairs,
    prediction_records,
    prompt_inputs,
    sft_records,
    split_pairs,
    training_segments,
    validation_segments,
)
from deep_past.io import (
    SENTENCES,
    TRAIN,
    atomic_path,
    read_frame,
    read_table,
    write_csv,
    write_json,
)
from deep_past.long_sources import cut_to_fit
from deep_past.pipeline.hints import HintTables, hint_functions
from deep_past.prompts import (
    Messages,
    PromptInput,
    PromptVariant,
    build_messages,
    fit_to_budget,
    get_variant,
)

log = logging.getLogger(__name__)


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
        from deep_past.align import alignment_stats

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
    from deep_past.align import align_documents

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


def write_jsonl(records: list[dict], path: str | Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def token_counter(base_dir: str | Path) -> Callable[[Messages], int]:
    """Tokens of a chat prompt as the base model's tokenizer renders it for generation."""
    from transformers import AutoTokenizer

    from deep_past.generate import render_prompts
    from deep_past.pipeline.models import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(base_model_path(base_dir))

    def count(messages: Messages) -> int:
        text = render_prompts(tokenizer, [messages])[0]
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count


def model_context(base_dir: str | Path) -> int | None:
    """Positions the base model was built for (None when its config does not say)."""
    from transformers import AutoConfig

    from deep_past.pipeline.models import base_model_path

    config = AutoConfig.from_pretrained(base_model_path(base_dir))
    return getattr(config, "max_position_embeddings", None)


def cut_long_segments(
    segments: pd.DataFrame,
    variant: PromptVariant,
    count: Callable[[Messages], int],
    max_tokens: int,
    where: str | Path,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per piece: a segment whose source alone makes a prompt over ``max_tokens`` is cut
    at word boundaries into pieces that fit (same id, in order; the predictions join them); a
    word that fits no prompt is truncated. Each is logged naming the segment's row of ``where``."""

    def source_only(text: str) -> int:
        return count(build_messages(variant, PromptInput(source=text)))

    if (fixed := source_only("")) > max_tokens:
        raise ValueError(
            f"prompt budget of {max_tokens} tokens (config data.prompt_max_tokens) is below the "
            f"{fixed} tokens of a '{variant.name}' prompt without its source: raise it"
        )
    rows, cut, truncated = [], 0, 0
    for number, row in enumerate(segments.to_dict("records"), start=1):
        pieces = cut_to_fit(row["source"], source_only, max_tokens)
        if len(pieces.pieces) > 1 or pieces.truncated_words:
            cut += len(pieces.pieces) > 1
            truncated += bool(pieces.truncated_words)
            heads = ", ".join(w[:30] + "..." for w in pieces.truncated_words)
            log.warning(
                "%s row %d (id %s): source of %d characters over the prompt budget of %d tokens: "
                "%d pieces cut at word boundaries%s",
                where,
                number,
                row["id"],
                len(row["source"]),
                max_tokens,
                len(pieces.pieces),
                f"; truncated word(s) with no boundary to cut at: {heads}" if heads else "",
            )
        rows.extend({**row, "source": piece} for piece in pieces.pieces)
    stats = {"cut_segments": int(cut), "truncated_segments": truncated}
    return pd.DataFrame(rows, columns=segments.columns), stats


def fit_inputs(
    inputs: Sequence[PromptInput],
    variant: PromptVariant,
    count: Callable[[Messages], int],
    max_tokens: int,
) -> tuple[list[PromptInput], dict[str, Any]]:
    """Every prompt within ``max_tokens`` (hints and shots trimmed), with token statistics."""
    fitted, lengths, trimmed = [], [], 0
    for item in inputs:
        item, n, cut = fit_to_budget(variant, item, count, max_tokens)
        fitted.append(item)
        lengths.append(n)
        trimmed += cut
    stats = {
        "prompt": variant.name,
        "prompts": len(lengths),
        "prompt_tokens_mean": round(float(np.mean(lengths)), 1) if lengths else 0.0,
        "prompt_tokens_max": int(max(lengths, default=0)),
        "max_tokens": max_tokens,
        "trimmed": int(trimmed),
        "over_budget": int(sum(n > max_tokens for n in lengths)),  # the source alone is too long
    }
    return fitted, stats


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
    hints = hint_functions(variant, tables)
    count = token_counter(base_dir)
    train = training_segments(pairs, kinds)
    if synthetic:
        from deep_past.synthetic import synthetic_segments

        extra = synthetic_segments(train["source"], **synthetic)
        log.info("synthetic lexicon pairs: %d", len(extra))
        train = pd.concat([train, extra], ignore_index=True)
    all_stats = {}
    for name, segments, out in (("train", train, out_train), ("val", read_frame(val_csv), out_val)):
        inputs = prompt_inputs(segments, variant, **hints)
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
    becomes several records of its id, one per piece (``deep_past.long_sources``)."""
    variant = get_variant(prompt)
    segments = read_frame(segments_csv)
    count = token_counter(base_dir)
    context = model_context(base_dir)
    if context is not None and context < max_tokens:
        log.warning("prompt budget %d is over the model's context: %d", max_tokens, context)
        max_tokens = context
    segments, cut_stats = cut_long_segments(segments, variant, count, max_tokens, segments_csv)
    inputs = prompt_inputs(segments, variant, **hint_functions(variant, tables))
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
