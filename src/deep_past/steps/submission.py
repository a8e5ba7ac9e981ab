"""Workflow step (rules/submission.smk): the chosen system's test predictions, checked."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from deep_past.evaluation.submission import build_submission, degenerate_ids, submission_problems
from deep_past.io import SAMPLE_SUBMISSION, atomic_path, read_frame, read_table

log = logging.getLogger(__name__)


def choose_submission(
    choice: str, predictions: dict[str, str | Path], scores_tsv: str | Path
) -> str | Path:
    """Test predictions of the submitted system: ``choice`` names it, or ``best`` takes the one
    with the highest validation geomean in the scores table (the log says which, by how much)."""
    if choice != "best":
        return predictions[choice]
    from deep_past.evaluation.ablation import best_system

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
