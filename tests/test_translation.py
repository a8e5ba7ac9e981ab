"""Each rule of the translation table, on snippets copied from the competition data.

Sources: train.csv (v2), the DEV references in train style and in target style (the expected
outputs below are the target-style text where a DEV row exists), OARE sentence translations.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from deep_past.text.rules import NormalizationError, run_table
from deep_past.text.translation import (
    TRANSLATION_CHECKS,
    TRANSLATION_RULES,
    normalize_translation,
)


def _cases(*pairs: tuple[str, str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("raw", "expected"), pairs)


@_cases(
    (
        "Suen-nādā his son has received 5.3333 minas of refined silver .",
        "Suen-nādā his son has received 5 ⅓ minas of refined silver .",
    ),  # DEV
    ("For 0.5 mina of silver", "For ½ mina of silver"),  # DEV
    ("at the rate 1.5 shekel per mina", "at the rate 1 ½ shekel per mina"),  # DEV
    ("gave me 0.8333 mina of", "gave me ⅚ mina of"),  # DEV
    ("<gap>, 1.1666 shekels", "<gap>, 1 ⅙ shekels"),  # DEV
    ("0.6666 mina of silver", "⅔ mina of silver"),  # DEV
    ("a tablet about 0.333 mina of", "a tablet about ⅓ mina of"),  # train
    ("42 ⅓ minas of", "42 ⅓ minas of"),  # train, already a glyph
    ("owes Adi-matum (f) 1/3 mina 6 shekels", "owes Adi-matum (f) ⅓ mina 6 shekels"),  # OARE
)
def test_fractions(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    ("From month VI he will add", "From month 6 he will add"),  # DEV
    ("shekels per month; month II / III, eponymy", "shekels per month; month 2 / 3, eponymy"),
    ("Month XII, eponymy of", "Month 12, eponymy of"),  # train
    ("per mina per month. Month I, eponymy of the", "per mina per month. Month 1, eponymy of the"),
    ("From month V?, eponymy of", "From month 5?, eponymy of"),  # train
    ("in 2 or 3 months I shall deposit", "in 2 or 3 months I shall deposit"),  # train: pronoun
)
def test_month_numerals(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    ("silver to Ahu-waqar(?); 11.8333 shekels", "silver to Ahu-waqar; 11 ⅚ shekels"),  # DEV
    ("silver and 0.5(?)<gap> as", "silver and ½<gap> as"),  # DEV
    ("he entrusted 2(?) textiles", "he entrusted 2 textiles"),  # DEV
    ("the daughter(!) of Šina", "the daughter of Šina"),  # DEV
    ("Suhurpiyala (!) will", "Suhurpiyala will"),  # train
    ("do not make you (fem.) angry.", "do not make you angry."),  # train
    ("why is that you (fem. plur.) have written", "why is that you have written"),  # train
    ("As soon as you(pl.) have heard", "As soon as you have heard"),  # train
    ("I am suing you (sing.) for 29 shekels", "I am suing you for 29 shekels"),  # train
    ("send! to you (fem). <gap> go", "send! to you. <gap> go"),  # train
    ("to bring to you (plural). I gave", "to bring to you. I gave"),  # train
    ("Concerning your (plur.) father", "Concerning your father"),  # train
    ("kept (and) you (it in?) the", "kept (and) you (it in?) the"),  # train: not editorial
)
def test_editorial_marks(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    ("Write to PN, that he", "Write to <gap>, that he"),  # train
    ("pay when PN arrives.", "pay when <gap> arrives."),  # train
    ("Kanesh PNs", "Kanesh PNs"),  # constructed: only the bare placeholder
)
def test_pn_placeholder(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    (
        "your message by express...with the express!?",
        "your message by express<gap>with the express!?",
    ),  # noqa: E501 OARE
    ("20 shekels which [ … ].", "20 shekels which <gap>."),  # OARE
    ("the son of <big_gap> gave", "the son of <gap> gave"),  # constructed (host's v1 marker)
    ("Šalim-Aššur; one <gap><gap> the son", "Šalim-Aššur; one <gap> the son"),  # train
    ("the trader <gap>. <gap> as for", "the trader <gap>. <gap> as for"),  # DEV: punctuation kept
    ("son of Zuma-x, (is) the litigant", "son of Zuma-x, (is) the litigant"),  # DEV keeps x
)
def test_gap_markers(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    ("From Šalim-aḫum to Pūšu-kēn", "From Šalim-ahum to Pūšu-kēn"),  # OARE
    ("Witnesses: Ḫappi-aḫšu", "Witnesses: Happi-ahšu"),  # OARE
)
def test_h_without_breve(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


@_cases(
    (
        " Itūr-ilī has received one textile  of ordinary quality. ",
        "Itūr-ilī has received one textile of ordinary quality.",
    ),  # noqa: E501 train, respaced
    ("refined silver .", "refined silver ."),  # DEV: a space before punctuation is kept
    ("Itu\u0304r-ili\u0304", "Itūr-ilī"),  # decomposed macrons -> NFC
)
def test_whitespace_and_nfc(raw: str, expected: str) -> None:
    assert normalize_translation(raw) == expected


def test_broken_table_fails_loudly() -> None:
    """Without its fraction rule the table must raise, not return raw text."""
    rules = [r for r in TRANSLATION_RULES if r.name != "decimal_fractions"]
    with pytest.raises(NormalizationError) as info:
        run_table("For 0.5 mina of silver", rules, TRANSLATION_CHECKS)
    assert info.value.condition == "no_fraction_decimals"


def test_nested_editorial_marks_removed() -> None:
    # Removing "(?)" can form a new mark; the rule repeats until none is left.
    assert normalize_translation("you (fem(?).) said") == "you said"


def _demo_column(demo_dir: Path, name: str, column: str) -> list[str]:
    with open(demo_dir / name, encoding="utf-8", newline="") as fh:
        return [r[column] for r in csv.DictReader(fh)]


def test_idempotent_on_demo_rows(demo_dir: Path) -> None:
    rows = _demo_column(demo_dir, "train.csv", "translation") + _demo_column(
        demo_dir, "references.csv", "translation"
    )
    assert len(rows) > 100
    for row in rows:
        once = normalize_translation(row)
        assert normalize_translation(once) == once


def test_demo_references_are_fixed_points(demo_dir: Path) -> None:
    """References already in target style must not change, except for capitalised months."""
    changed = [
        r
        for r in _demo_column(demo_dir, "references.csv", "translation")
        if normalize_translation(r) != r
    ]
    assert all("Month " in r for r in changed), changed


# Markers from every rule, mixed at random: the table must neither raise nor change its own output.
_FUZZ_ATOMS = (
    "x", "[", "]", "...", "…", "(", ")", "<gap>", "<big_gap>", "ḫ", "Ḫ", "!", "?", " ", "-", ".",
    "0", "1", "5", "3333", "0.5", "1.3333", "1/2", "/", "PN", "month", "Month", " VI", " I",
    " II", "(fem.)", "(?)", "(!)", "(pl.)", "fem", "plur", ".)", "\n", "a", "\u0304", "of the",
)  # fmt: skip


def test_random_marker_soup_never_raises_and_is_idempotent() -> None:
    rng = random.Random(20260301)
    for _ in range(3000):
        text = "".join(rng.choice(_FUZZ_ATOMS) for _ in range(rng.randint(0, 12)))
        once = normalize_translation(text)
        assert normalize_translation(once) == once, text
