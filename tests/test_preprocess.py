"""preprocess_train / preprocess_test on the project's demo tables."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from deep_past.text.preprocess import PREPROCESS_VERSION, preprocess_test, preprocess_train
from deep_past.text.translation import normalize_translation
from deep_past.text.transliteration import normalize_transliteration


def test_version_is_a_non_empty_string() -> None:
    assert isinstance(PREPROCESS_VERSION, str) and PREPROCESS_VERSION


def test_train_normalises_both_sides_and_keeps_columns(demo_dir: Path) -> None:
    raw = pd.read_csv(demo_dir / "train.csv")
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
    with caplog.at_level(logging.INFO, logger="deep_past.text.preprocess"):
        out = preprocess_train(df)
    assert out["oare_id"].tolist() == ["a"]
    assert out.index.tolist() == [0]
    assert "dropped 3 of 4 rows" in caplog.text


def test_train_requires_columns() -> None:
    with pytest.raises(KeyError, match="translation"):
        preprocess_train(pd.DataFrame({"transliteration": ["a-na"]}))


def test_test_normalises_transliteration_only(demo_dir: Path) -> None:
    raw = pd.read_csv(demo_dir / "test.csv")
    out = preprocess_test(raw)
    assert len(out) == len(raw)
    assert list(out.columns) == list(raw.columns)
    for column in raw.columns.drop("transliteration"):
        assert out[column].tolist() == raw[column].tolist()
    assert out["transliteration"].tolist() == [
        normalize_transliteration(t) for t in raw["transliteration"]
    ]


def test_nfd_and_nfc_input_give_the_same_preprocessing(demo_dir: Path) -> None:
    """Accents typed or exported decomposed (NFD: s + combining caron) are the same text."""
    import unicodedata

    for name, run in (("train.csv", preprocess_train), ("test.csv", preprocess_test)):
        nfc = pd.read_csv(demo_dir / name, dtype=str, keep_default_na=False)
        nfd = nfc.map(lambda v: unicodedata.normalize("NFD", v))
        assert not nfd.equals(nfc)  # the demo has accents, so the input really differs
        pd.testing.assert_frame_equal(run(nfd)[["transliteration"]], run(nfc)[["transliteration"]])
        if name == "train.csv":
            assert run(nfd)["translation"].tolist() == run(nfc)["translation"].tolist()


def test_a_train_csv_left_with_no_rows_fails_naming_it_and_why(
    tmp_path: Path, demo_dir: Path
) -> None:
    from deep_past.io import DataError
    from deep_past.steps.preprocess import preprocess_train_file

    train = pd.read_csv(demo_dir / "train.csv", dtype=str, keep_default_na=False)
    train["translation"] = ""
    train.loc[3, "translation"] = "(fem.)"  # a mark the normalisation removes
    path = tmp_path / "train.csv"
    train.to_csv(path, index=False)
    out = tmp_path / "out" / "train.csv"
    with pytest.raises(DataError) as err:
        preprocess_train_file(path, out)
    assert str(err.value) == (
        f"file {path}, row 1, column 'translation': preprocessing dropped every one of the 100 "
        "rows (each needs a non-empty transliteration and translation): 'translation' is blank "
        "in 99 and empty after normalisation in 1 of them"
    )
    assert not out.parent.exists() or not list(out.parent.iterdir())


def test_documents_of_an_exclusion_file_are_left_out(tmp_path, demo_dir):
    from deep_past.steps.preprocess import preprocess_train_file

    demo = demo_dir / "train.csv"
    excluded = tmp_path / "exclude.csv"
    pd.read_csv(demo).head(30).to_csv(excluded, index=False)
    preprocess_train_file(demo, tmp_path / "all.csv")
    preprocess_train_file(demo, tmp_path / "kept.csv", excluded)
    every, kept = pd.read_csv(tmp_path / "all.csv"), pd.read_csv(tmp_path / "kept.csv")
    assert len(kept) == len(every) - 30
    assert not set(kept["oare_id"]) & set(pd.read_csv(excluded)["oare_id"])
