"""Workflow steps: competition CSVs -> preprocessed tables, segments and lexicon tables."""

from __future__ import annotations

import logging
from pathlib import Path

from deep_past.corpus.segments import competition_segments
from deep_past.io import (
    DICTIONARY,
    LEXICON,
    REFERENCES,
    SAMPLE_SUBMISSION,
    TEST,
    TRAIN,
    DataError,
    read_table,
    write_csv,
)
from deep_past.text.preprocess import preprocess_test, preprocess_train, why_all_dropped

log = logging.getLogger(__name__)


def preprocess_train_file(
    train_csv: str | Path, out_csv: str | Path, exclude_csv: str | Path | None = None
) -> None:
    """Preprocessed training documents, less those of ``exclude_csv`` (a train.csv-shaped file:
    the shipped base leaves out the demo's documents, which the demo fine-tunes on)."""
    train = read_table(train_csv, TRAIN)
    if exclude_csv:
        excluded = set(read_table(exclude_csv, TRAIN)["oare_id"])
        kept = train[~train["oare_id"].isin(excluded)].reset_index(drop=True)
        log.info("left out %d documents of %s", len(train) - len(kept), exclude_csv)
        train = kept
    clean = preprocess_train(train)
    if clean.empty:  # fail here, naming the user's file, not later on the empty output
        column, row, why = why_all_dropped(train)
        raise DataError(train_csv, why, row=row, column=column)
    log.info("train: %d documents in, %d out", len(train), len(clean))
    write_csv(clean, out_csv)


def preprocess_test_file(
    test_csv: str | Path,
    out_csv: str | Path,
    *,
    sample_csv: str | Path | None = None,
    references_csv: str | Path | None = None,
) -> None:
    """A test-shaped CSV -> segments; checks the sample submission or references cover its ids."""
    test = read_table(test_csv, TEST)
    other_path = sample_csv or references_csv
    references = None
    if other_path is not None:
        other = read_table(other_path, SAMPLE_SUBMISSION if sample_csv else REFERENCES)
        _same_ids(test["id"].tolist(), other["id"].tolist(), test_csv, other_path)
        references = other if references_csv else None
    segments = competition_segments(preprocess_test(test), references)
    log.info("%s: %d segments", test_csv, len(segments))
    write_csv(segments, out_csv)


def _same_ids(ids: list[str], other: list[str], path: str | Path, other_path: str | Path) -> None:
    missing = sorted(set(ids) - set(other))
    if missing:
        row = ids.index(missing[0]) + 1
        raise DataError(path, f"id '{missing[0]}' is not in {other_path}", row=row, column="id")
    extra = sorted(set(other) - set(ids))
    if extra:
        row = other.index(extra[0]) + 1
        raise DataError(other_path, f"id '{extra[0]}' is not in {path}", row=row, column="id")


def lexicon_files(
    lexicon_csv: str | Path,
    dictionary_csv: str | Path,
    train_csv: str | Path,
    out_lexicon: str | Path,
    out_proper_nouns: str | Path,
) -> None:
    from deep_past.corpus.lexicon import build_lexicon, proper_nouns

    lexicon = read_table(lexicon_csv, LEXICON)
    dictionary = read_table(dictionary_csv, DICTIONARY)
    train = read_table(train_csv, TRAIN)
    table = build_lexicon(lexicon, dictionary)
    names = proper_nouns(lexicon, train)
    log.info("lexicon: %d forms; proper nouns: %d", len(table), len(names))
    write_csv(table, out_lexicon)
    write_csv(names, out_proper_nouns)
