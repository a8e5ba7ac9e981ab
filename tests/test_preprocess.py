"""preprocess_train / preprocess_test on the project's demo tables."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from deep_past.preprocess import PREPROCESS_VERSION, preprocess_test, preprocess_train
from deep_past.text.translation import normalize_translation
from deep_past.text.transliteration import normalize_transliteration

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_version_is_a_non_empty_string() -> None:
    assert isinstance(PREPROCESS_VERSION, str) and PREPROCESS_VERSION


def test_train_normalises_both_sides_and_keeps_columns() -> None:
    raw = pd.read_csv(DEMO / "train.csv")
    out = preprocess_train(raw)
    assert list(out.columns) == list(raw.columns)
    assert len(out) == len(raw)
    assert out["oare_id"].tolist() == raw["oare_id"].tolist()
    assert out["transliteration"].tolist() == [
        normalize_transliteration(t) for t in raw["transliteration"]
    ]
    assert out["translation"].tolist() == [normalize_translation(t) for t in raw["translation"]]
    assert not out["transliteration"].str.contains("₄|ḫ").any()
    assert raw["transliteration"].str.contains("₄").any()  # the input is left untouched


def test_train_drops_rows_that_become_empty(caplog: pytest.LogCaptureFixture) -> None:
    df = pd.DataFrame(
        {
            "oare_id": ["a", "b", "c", "d"],
            # Row b is only an erasure, row c has no translation at all.
            "transliteration": ["1 TÚG ša qá-tim i-tur₄-DINGIR il₅-qé", "<<ma>>", "a-na", "a-na"],
            "translation": ["Itūr-ilī has received one textile.", "x", None, "  "],
        }
    )
    with caplog.at_level(logging.INFO, logger="deep_past.preprocess"):
        out = preprocess_train(df)
    assert out["oare_id"].tolist() == ["a"]
    assert out.index.tolist() == [0]
    assert "dropped 3 of 4 rows" in caplog.text


def test_train_requires_columns() -> None:
    with pytest.raises(KeyError, match="translation"):
        preprocess_train(pd.DataFrame({"transliteration": ["a-na"]}))


def test_test_normalises_transliteration_only() -> None:
    raw = pd.read_csv(DEMO / "test.csv")
    out = preprocess_test(raw)
    assert len(out) == len(raw)
    assert list(out.columns) == list(raw.columns)
    for column in raw.columns.drop("transliteration"):
        assert out[column].tolist() == raw[column].tolist()
    assert out["transliteration"].tolist() == [
        normalize_transliteration(t) for t in raw["transliteration"]
    ]
