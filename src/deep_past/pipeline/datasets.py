"""Workflow steps: training pairs, SFT records and prediction prompts per prompt variant."""

from __future__ import annotations

import json
import logging
from pathlib import Path

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
from deep_past.io import SENTENCES, TRAIN, atomic_path, read_table, write_csv, write_json
from deep_past.pipeline.hints import HintTables, hint_functions
from deep_past.prompts import get_variant

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
    sentence_pairs: bool,
) -> None:
    """Documents (+ sentence pairs cut from them), split by document; val segments; statistics."""
    train = read_table(train_csv, TRAIN)
    if sentence_pairs:
        from deep_past.align import align_documents, alignment_stats

        sentences = read_table(sentences_csv, SENTENCES) if sentences_csv else None
        pairs = align_documents(train, sentences)
        stats = alignment_stats(pairs)
    else:
        pairs = document_pairs(train)
        stats = {"documents": len(train)}
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


def write_jsonl(records: list[dict], path: str | Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _segments(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def sft_files(
    pairs_csv: str | Path,
    val_csv: str | Path,
    prompt: str,
    out_train: str | Path,
    out_val: str | Path,
    tables: HintTables,
) -> None:
    """Chat records for training (train documents) and for the validation loss (val segments)."""
    variant = get_variant(prompt)
    pairs = _segments(pairs_csv)
    hints = hint_functions(variant, tables)
    for segments, out in ((training_segments(pairs), out_train), (_segments(val_csv), out_val)):
        inputs = prompt_inputs(segments, variant, **hints)
        write_jsonl(sft_records(segments, inputs, prompt), out)
        log.info("%s: %d records", out, len(segments))


def prompt_file(segments_csv: str | Path, prompt: str, out: str | Path, tables: HintTables) -> None:
    """Chat prompts for every segment of a split (test, eval or val)."""
    variant = get_variant(prompt)
    segments = _segments(segments_csv)
    inputs = prompt_inputs(segments, variant, **hint_functions(variant, tables))
    write_jsonl(prediction_records(segments, inputs, prompt), out)
    log.info("%s: %d prompts", out, len(segments))
