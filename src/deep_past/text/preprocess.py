"""Apply the text normalisers to whole competition tables."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import pandas as pd

from deep_past.text.rules import Rule
from deep_past.text.translation import TRANSLATION_RULES, normalize_translation
from deep_past.text.transliteration import TRANSLITERATION_RULES, normalize_transliteration

log = logging.getLogger(__name__)


def _tables_digest(*tables: tuple[Rule, ...]) -> str:
    """A short hash of the rule tables, so any change to a rule changes the version."""
    parts = [
        f"{r.name}\t{r.pattern.pattern}\t{getattr(r.replacement, '__name__', r.replacement)}"
        for table in tables
        for r in table
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


# Bump the leading number for changes the digest cannot see (e.g. inside a replacement function).
PREPROCESS_VERSION: str = f"1+{_tables_digest(TRANSLITERATION_RULES, TRANSLATION_RULES)}"


def _require(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"table lacks column(s) {missing}; has {list(df.columns)}")


def _normalise(values: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    # Missing cells become "" (and are then dropped or reported), not the string "nan".
    return values.map(lambda v: fn(v) if isinstance(v, str) else "")


def preprocess_train(df: pd.DataFrame) -> pd.DataFrame:
    """Normalise ``transliteration`` and ``translation``; drop rows where either becomes empty.

    Other columns are kept unchanged; the index is reset. Logs how many rows were dropped.
    """
    _require(df, ("transliteration", "translation"))
    out = df.copy()
    out["transliteration"] = _normalise(out["transliteration"], normalize_transliteration)
    out["translation"] = _normalise(out["translation"], normalize_translation)
    empty = (out["transliteration"] == "") | (out["translation"] == "")
    if empty.any():
        log.warning(
            "preprocess_train: dropped %d of %d rows with an empty source or target",
            int(empty.sum()),
            len(out),
        )
    else:
        log.info("preprocess_train: kept all %d rows", len(out))
    return out.loc[~empty].reset_index(drop=True)


def why_all_dropped(df: pd.DataFrame) -> tuple[str, int, str]:
    """Why ``preprocess_train`` kept none of ``df``'s rows: the column most often empty, its
    first empty row (1-based) and a sentence giving, per column, how many cells were blank in
    the file and how many the normalisation emptied."""
    found = []
    for column, fn in (
        ("translation", normalize_translation),
        ("transliteration", normalize_transliteration),
    ):
        blank = df[column].map(lambda v: not isinstance(v, str) or not v.strip())
        emptied = ~blank & (_normalise(df[column], fn) == "")
        how = [f"blank in {int(blank.sum())}"] if blank.any() else []
        how += [f"empty after normalisation in {int(emptied.sum())}"] if emptied.any() else []
        if how:
            first = int((blank | emptied).to_numpy().argmax()) + 1
            found.append((int((blank | emptied).sum()), column, first, " and ".join(how)))
    found.sort(key=lambda f: -f[0])
    _, column, first, _ = found[0]
    details = "; ".join(f"'{c}' is {how} of them" for _, c, _, how in found)
    return (
        column,
        first,
        (
            f"preprocessing dropped every one of the {len(df)} rows (each needs a non-empty "
            f"transliteration and translation): {details}"
        ),
    )


def preprocess_test(df: pd.DataFrame) -> pd.DataFrame:
    """Normalise ``transliteration``; keeps every row (each test id needs a prediction)."""
    _require(df, ("transliteration",))
    out = df.copy()
    out["transliteration"] = _normalise(out["transliteration"], normalize_transliteration)
    n_empty = int((out["transliteration"] == "").sum())
    if n_empty:
        log.warning(
            "preprocess_test: %d of %d rows have an empty transliteration", n_empty, len(out)
        )
    return out
