"""Workflow steps (rules/evaluate.smk): a job's answers cleaned and, on labelled splits,
scored; and the ablation table."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deep_past.evaluation.metrics import corpus_scores
from deep_past.io import (
    read_frame,
    read_json,
    write_json,
)
from deep_past.steps.predict import postprocess_file

log = logging.getLogger(__name__)


def evaluate_file(
    predictions_csv: str | Path, segments_csv: str | Path, out_json: str | Path
) -> None:
    """Competition metric of predictions against the segments' references, matched by id."""
    pred = dict(zip(*(read_frame(predictions_csv)[c] for c in ("id", "translation")), strict=True))
    segments = read_frame(segments_csv)
    missing = [i for i in segments["id"] if i not in pred]
    if missing:
        raise ValueError(f"{predictions_csv}: no prediction for ids {missing[:5]}")
    scores = corpus_scores([pred[i] for i in segments["id"]], segments["reference"].tolist())
    log.info("%s: %s", predictions_csv, scores)
    write_json(scores, out_json)


def clean_and_score(
    answer_splits: Sequence[str],
    raw_csvs: Sequence[str | Path],
    predictions_csvs: Sequence[str | Path],
    scores_jsons: Sequence[str | Path],
    segments: Mapping[str, str | Path],
    *,
    scored: Sequence[str],
    proper_nouns_csv: str | Path | None = None,
    min_similarity: float = 0.9,
) -> None:
    """One job's answer files, each of the split ``answer_splits`` gives: cleaned into
    ``predictions_csvs`` (``steps.predict.postprocess_file``, names respelled when a proper-noun
    table is given), and those of a ``scored`` split scored against its references, into
    ``scores_jsons`` in the same order."""
    to_score = [i for i, split in enumerate(answer_splits) if split in scored]
    if len(scores_jsons) != len(to_score):
        raise ValueError(f"{len(to_score)} scored answers but {len(scores_jsons)} score files")
    for split, raw_csv, predictions_csv in zip(
        answer_splits, raw_csvs, predictions_csvs, strict=True
    ):
        postprocess_file(
            raw_csv,
            predictions_csv,
            proper_nouns_csv=proper_nouns_csv,
            segments_csv=segments[split] if proper_nouns_csv else None,
            min_similarity=min_similarity,
        )
    for i, scores_json in zip(to_score, scores_jsons, strict=True):
        evaluate_file(predictions_csvs[i], segments[answer_splits[i]], scores_json)


def ablation_files(
    scores: Sequence[str | Path],
    prompt_stats: Sequence[str | Path],
    setup: Mapping[str, Any],
    alignment_stats: str | Path,
    *,
    table: str | Path,
    checkpoints: str | Path,
    axes: str | Path,
    alignment: str | Path,
) -> None:
    """The scores table (best system marked), its two plots and the alignment table."""
    from deep_past.evaluation.ablation import (
        ablation_table,
        alignment_table,
        mark_best,
        plot_axes,
        plot_checkpoints,
        write_tsv,
    )

    rows = ablation_table(list(scores), list(prompt_stats), setup)
    write_tsv(mark_best(rows), table)
    plot_checkpoints(rows, checkpoints)
    plot_axes(rows, axes)
    write_tsv(alignment_table(read_json(alignment_stats)), alignment)
