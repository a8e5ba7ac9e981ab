"""Build ``submission.csv`` in the sample's id order, and check a submission file."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from deep_past.io import SAMPLE_SUBMISSION, DataError, read_table


def build_submission(predictions: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Predictions (id, translation) reordered like the sample; every sample id must be there."""
    by_id = dict(zip(predictions["id"].astype(str), predictions["translation"], strict=True))
    missing = [i for i in sample["id"] if i not in by_id]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} sample id(s), e.g. {missing[:5]}")
    return pd.DataFrame({"id": sample["id"], "translation": [by_id[i] for i in sample["id"]]})


_RUN_OF_ONE = re.compile(r"^(\S+?)(?:\s*\1)+$")  # e.g. "IIIIIIII", "the the the"


def is_degenerate(text: str) -> bool:
    """One character or token repeated (what an untrained model writes), not a translation."""
    text = text.strip()
    return len(text) > 3 and _RUN_OF_ONE.match(text) is not None


def degenerate_ids(submission: pd.DataFrame) -> list[str]:
    """Ids whose translation is degenerate (see :func:`is_degenerate`)."""
    return [
        i
        for i, t in zip(submission["id"], submission["translation"], strict=True)
        if is_degenerate(t)
    ]


def submission_problems(path: str | Path, sample_path: str | Path) -> list[str]:
    """Everything wrong with a submission file, as messages naming row and column; [] if valid."""
    path = Path(path)
    try:
        sample = read_table(sample_path, SAMPLE_SUBMISSION)
        sub = read_table(path, SAMPLE_SUBMISSION)
    except DataError as err:
        return [str(err)]
    problems: list[str] = []
    if list(sub.columns) != ["id", "translation"]:
        problems.append(
            f"file {path}: columns must be ['id', 'translation'], got {list(sub.columns)}"
        )
    expected, got = set(sample["id"]), set(sub["id"])
    if expected - got:
        problems.append(
            f"file {path}: {len(expected - got)} id(s) missing, e.g. {sorted(expected - got)[:5]}"
        )
    if got - expected:
        problems.append(
            f"file {path}: {len(got - expected)} unknown id(s), e.g. {sorted(got - expected)[:5]}"
        )
    for row, text in enumerate(sub["translation"], start=1):
        if not text.strip():
            problems.append(f"file {path}, row {row}, column 'translation': empty translation")
        elif "\n" in text or "\r" in text:
            problems.append(f"file {path}, row {row}, column 'translation': spans several lines")
    return problems
