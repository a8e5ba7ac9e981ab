"""Lexicon table, proper nouns, prompt hints and name correction on the demo data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from deep_past.corpus import lexicon as lx
from deep_past.io import DICTIONARY, LEXICON, TRAIN, read_table


@pytest.fixture(scope="module")
def lexicon_df(demo_dir: Path) -> pd.DataFrame:
    return read_table(demo_dir / "OA_Lexicon_eBL.csv", LEXICON)


@pytest.fixture(scope="module")
def train_df(demo_dir: Path) -> pd.DataFrame:
    return read_table(demo_dir / "train.csv", TRAIN)


@pytest.fixture(scope="module")
def table(lexicon_df: pd.DataFrame, demo_dir: Path) -> pd.DataFrame:
    return lx.build_lexicon(lexicon_df, read_table(demo_dir / "eBL_Dictionary.csv", DICTIONARY))


@pytest.fixture(scope="module")
def names(lexicon_df: pd.DataFrame, train_df: pd.DataFrame) -> pd.DataFrame:
    return lx.proper_nouns(lexicon_df, train_df)


def _row(frame: pd.DataFrame, form: str) -> pd.Series:
    rows = frame[frame["form"] == form]
    assert len(rows) == 1, f"{form}: {len(rows)} rows"
    return rows.iloc[0]


def test_extract_gloss_takes_first_quoted_and_bounds_length() -> None:
    assert lx.extract_gloss('"my" (1 sg. pron. suff.)') == "my"
    assert lx.extract_gloss("(adv. endings) (cf. GAG §113l)") == ""
    assert lx.extract_gloss("(a kind of loaf)") == "a kind of loaf"
    long = lx.extract_gloss('"pottery, terracotta; potsherd, sherd of an oven, a skull, a shell"')
    assert long == "pottery, terracotta; potsherd"
    assert len(long) <= lx.MAX_GLOSS_CHARS


def test_lexicon_forms_are_unique_and_normalised(table: pd.DataFrame) -> None:
    assert list(table.columns) == lx.LEXICON_COLUMNS
    assert table["form"].is_unique
    joined = " ".join(table["form"])
    assert "ḫ" not in joined and "₄" not in joined and "(d)" not in joined
    assert _row(table, "KÙ.BABBAR")[["lexeme", "gloss"]].tolist() == ["kaspu", "silver"]
    assert _row(table, "GÍN")["gloss"] == "shekel"
    # a-na is both the preposition and the name Anna: the word wins.
    assert _row(table, "a-na")[["norm", "type"]].tolist() == ["ana", "word"]


def test_lexicon_is_deterministic(
    lexicon_df: pd.DataFrame, table: pd.DataFrame, demo_dir: Path
) -> None:
    again = lx.build_lexicon(
        lexicon_df.iloc[::-1].iloc[::-1], read_table(demo_dir / "eBL_Dictionary.csv", DICTIONARY)
    )
    pd.testing.assert_frame_equal(table, again)


def test_lookup_handles_raw_and_normalised_spellings(table: pd.DataFrame) -> None:
    index = lx.index_lexicon(table)
    raw = lx.lookup("ḫa-muš-tim", index)
    assert raw is not None and raw == lx.lookup("ha-muš-tim", index)
    assert raw.lexeme == "ḫamuštu"
    assert lx.lookup("PUZUR₄-a-šur", index) == lx.lookup("PUZUR4-a-šur", index)
    assert lx.lookup("xyz-unknown", index) is None


def test_lexicon_hints_are_bounded_and_skip_numbers(table: pd.DataFrame) -> None:
    words = "a-na 2 GÍN KÙ.BABBAR <gap> ḫa-muš-tim KÙ.BABBAR i-ša-qal".split()
    hints = lx.lexicon_hints(words, table)
    assert hints.startswith('a-na=ana "to, for"; GÍN=šiqil "shekel"; KÙ.BABBAR=kaspam "silver"')
    assert hints.count("KÙ.BABBAR") == 1 and "<gap>" not in hints and "2=" not in hints
    tight = lx.lexicon_hints(words, table, max_words=2, max_chars=60)
    assert "a-na=" not in tight  # function words give way first
    assert tight.count(";") <= 1 and len(tight) <= 60
    assert lx.lexicon_hints(words, lx.index_lexicon(table)) == hints


def test_proper_nouns_find_names_of_demo_translations(names: pd.DataFrame) -> None:
    assert list(names.columns) == lx.PROPER_NOUN_COLUMNS
    assert names["form"].is_unique
    assert _row(names, "a-šùr-i-mì-ti")[["norm", "english"]].tolist() == [
        "Aššur-imittī",
        "Aššur-imittī",
    ]
    assert _row(names, "e-na-sú-in")["english"] == "Enna-Suen"
    assert _row(names, "kà-ni-iš")[["type", "english"]].tolist() == ["GN", "Kanesh"]
    assert (names["count"] >= 1).all()
    # Forms that also read as ordinary words are not taken as names.
    assert "SIG5" not in set(names["form"]) and "a-na" not in set(names["form"])
    assert not names["english"].str.endswith("'s").any()


def test_name_hints_are_bounded(names: pd.DataFrame) -> None:
    words = "KIŠIB ma-nu-ki-a-šur DUMU PUZUR₄-a-šur a-na e-na-sú-in".split()
    assert lx.name_hints(words, names) == (
        "ma-nu-ki-a-šur=Mannum-kī-Aššur; PUZUR4-a-šur=Puzur-Aššur; e-na-sú-in=Enna-Suen"
    )
    assert len(lx.name_hints(words, names, max_names=1)) < 30
    assert lx.name_hints(["a-na", "GÍN"], names) == ""


def test_correct_names_fixes_only_confident_names(names: pd.DataFrame) -> None:
    source = "a-na a-šùr-i-mì-ti qí-bi-ma"
    fixed = lx.correct_names("Say to Assur-imitti: I paid.", source, names)
    assert fixed == "Say to Aššur-imittī: I paid."
    # Unchanged: the source has no such name, the name is far off, or already right.
    assert lx.correct_names("Say to Assur-imitti.", "a-na qí-bi-ma", names) == (
        "Say to Assur-imitti."
    )
    assert lx.correct_names("Say to Ennam-Suen.", source, names) == "Say to Ennam-Suen."
    assert lx.correct_names("Say to Aššur-imittī.", source, names) == "Say to Aššur-imittī."
