"""Workflow steps: post-processing, scores, the scores table and the submission."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from deep_past.io import (
    SAMPLE_SUBMISSION,
    atomic_path,
    read_frame,
    read_table,
    write_csv,
    write_json,
)
from deep_past.metrics import corpus_scores
from deep_past.submission import build_submission, submission_problems
from deep_past.text.postprocess import postprocess

log = logging.getLogger(__name__)


def postprocess_file(
    raw_csv: str | Path,
    out_csv: str | Path,
    *,
    proper_nouns_csv: str | Path | None = None,
    segments_csv: str | Path | None = None,
    min_similarity: float = 0.9,
) -> None:
    """Clean every generation; with a proper-noun table and the segments (sources), also respell
    names the source names (``deep_past.lexicon.correct_names``, high-confidence matches only)."""
    raw = read_frame(raw_csv)
    translations = raw["raw"].map(postprocess)
    if proper_nouns_csv and segments_csv:
        from deep_past.lexicon import correct_names, index_names

        names = index_names(read_frame(proper_nouns_csv))
        source = dict(zip(*(read_frame(segments_csv)[c] for c in ("id", "source")), strict=True))
        before = translations.copy()
        translations = pd.Series(
            [
                correct_names(t, source[i], names, min_similarity) if i in source else t
                for i, t in zip(raw["id"], translations, strict=True)
            ],
            index=raw.index,
        )
        log.info("name correction changed %d of %d", int((before != translations).sum()), len(raw))
    write_csv(pd.DataFrame({"id": raw["id"], "translation": translations}), out_csv)


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


def choose_submission(
    choice: str, predictions: dict[str, str | Path], scores_tsv: str | Path
) -> str | Path:
    """Test predictions of the submitted system: ``choice`` names it, or ``best`` takes the one
    with the highest validation geomean in the scores table (the log says which, by how much)."""
    if choice != "best":
        return predictions[choice]
    from deep_past.ablation import best_system

    best = best_system(pd.read_csv(scores_tsv, sep="\t", keep_default_na=False))
    log.info(
        "submission: best = %s (%s geomean %.2f, %+.2f over %s)",
        best["system"],
        best["split"],
        best["geomean"],
        best["margin"],
        best["runner_up"] or "no other system",
    )
    if best["system"] not in predictions:
        raise ValueError(f"{scores_tsv}: best system {best['system']!r} has no test predictions")
    return predictions[str(best["system"])]


def submission_file(
    predictions_csv: str | Path, sample_csv: str | Path, out_csv: str | Path
) -> None:
    """The chosen predictions in the sample's id order; refuses to write an invalid file."""
    from deep_past.submission import degenerate_ids

    sample = read_table(sample_csv, SAMPLE_SUBMISSION)
    submission = build_submission(read_frame(predictions_csv), sample)
    degenerate = degenerate_ids(submission)
    if degenerate:
        log.warning(
            "%d of %d translations are one repeated character or token (e.g. id %s)",
            len(degenerate),
            len(submission),
            degenerate[0],
        )
    with atomic_path(out_csv) as tmp:
        submission.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        problems = submission_problems(tmp, sample_csv)
        if problems:
            raise ValueError("invalid submission: " + "; ".join(problems))
    log.info("submission: %d rows from %s", len(submission), predictions_csv)
