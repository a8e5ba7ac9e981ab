"""English targets in the competition's published conventions.

train.csv writes amounts as decimals (``5.3333 minas``), months as Roman numerals and keeps
editorial marks such as ``(fem.)`` or ``(?)``; the Kaggle test references (and
``dev/references.csv``) write ``5 ⅓ minas``, ``month 6`` and drop the marks. The rules below were
derived from the DEV references, which exist in both conventions.

Standard library only: this module is inlined into the offline Kaggle notebook.
"""

from __future__ import annotations

import re

from deep_past.text.rules import (
    CHECK_NFC,
    CHECK_WHITESPACE,
    NFC,
    STRIP,
    WHITESPACE,
    Check,
    Rule,
    forbid,
    rule,
    run_table,
)

# Fraction glyphs and their values. Decimals are matched by value, not spelling, because the data
# spells the same fraction several ways (0.3333, 0.333, 0.33334; 0.6666, 0.66667).
FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 2, "½"),
    (1 / 3, "⅓"),
    (2 / 3, "⅔"),
    (1 / 4, "¼"),
    (3 / 4, "¾"),
    (1 / 6, "⅙"),
    (5 / 6, "⅚"),
)
# A truncated decimal (at least 3 digits for thirds/sixths) is within 0.001 of its fraction;
# 0.3 or 0.17 are not, and are left alone as genuine decimals.
_FRACTION_TOLERANCE = 0.001
# An integer and a decimal part, not inside a longer dotted chain such as ITU.1.KAM or 1.5.3.
DECIMAL_PATTERN = r"(?<![\w.])(\d+)\.(\d+)(?!\w|\.\w)"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)


def fraction_glyph(digits: str) -> str | None:
    """The glyph for the decimal part ``digits`` ("3333" -> "⅓"), or None if none is close."""
    value = float("0." + digits)
    for target, glyph in FRACTIONS:
        if abs(value - target) <= _FRACTION_TOLERANCE:
            return glyph
    return None


def decimal_to_fraction(match: re.Match[str]) -> str:
    """``5.3333`` -> ``5 ⅓``, ``0.5`` -> ``½``; other decimals are returned unchanged."""
    whole, digits = match.group(1), match.group(2)
    glyph = fraction_glyph(digits)
    if glyph is None:
        return match.group(0)
    return glyph if int(whole) == 0 else f"{whole} {glyph}"


def find_convertible_decimal(text: str) -> int | None:
    """Position of a decimal that should have become a fraction glyph, or None."""
    for match in _DECIMAL_RE.finditer(text):
        if fraction_glyph(match.group(2)) is not None:
            return match.start()
    return None


# n/m spellings of the same fractions (OARE writes "1/3 mina"); other ratios are left alone.
_SLASH_FRACTIONS = {
    "1/2": "½", "1/3": "⅓", "2/3": "⅔", "1/4": "¼", "3/4": "¾", "1/6": "⅙", "5/6": "⅚",
}  # fmt: skip


def _slash_fraction(match: re.Match[str]) -> str:
    return _SLASH_FRACTIONS[match.group(0)]


_ROMAN = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7,
    "VIII": 8, "IX": 9, "X": 10, "XI": 11, "XII": 12, "XIII": 13,
}  # fmt: skip
# Longest first so that the alternation prefers XII over XI over X.
_ROMAN_ALT = "|".join(sorted(_ROMAN, key=len, reverse=True))
# "month I" is only a numeral before punctuation, the end, or "of"/"eponymy"/"year": otherwise
# "in that month I paid" would turn the pronoun into a number.
_NUMERAL = rf"(?:(?!I\b)(?:{_ROMAN_ALT})\b|I\b(?=\s*(?:[,.;:)/]|$)|\s+(?:of|eponymy|year)\b))"
# Both "Month V" and "month V" are converted, as the host's rule says. Note: the DEV references
# only convert the lower-case form (3 rows keep "Month V"); the hidden test's choice is unknown.
_MONTH_WORD = r"[Mm]onths?"
# A month numeral, optionally continued by more ("month II / III", "months V and VI").
_MONTH_RE = rf"\b({_MONTH_WORD}\s+)({_NUMERAL}(?:\s*(?:/|-|–|and|or|to)\s*{_NUMERAL})*)"
_NUMERAL_RE = re.compile(rf"\b(?:{_ROMAN_ALT})\b")


def _month_numerals(match: re.Match[str]) -> str:
    numbers = _NUMERAL_RE.sub(lambda m: str(_ROMAN[m.group(0)]), match.group(2))
    return match.group(1) + numbers


# Editorial grammatical notes the references drop: (fem.), (plur.), (pl.), (sing.), (fem. plur.),
# (plural), (fem) … and the uncertainty / sic marks (?) and (!). The space before them goes too.
_EDITORIAL = r"\s*\((?:(?:fem|masc|pl|plur|plural|sing|sg|du|dual)\.?\s*)+\)|\s*\(\s*[?!]\s*\)"
# Gap markers other than <gap>. A bare "x" is not one: the host's v2 targets and the DEV references
# keep it ("Zuma-x", "x minas"), where it stands for an unread sign or number, not a lost passage.
_GAP_MARKERS = r"<big_gap>|\[\s*(?:\.{3,}|…)[\s.…x]*\]|\.{3,}|…+"

TRANSLATION_RULES: tuple[Rule, ...] = (
    NFC,
    rule("h_without_breve", r"[Ḫḫ]", lambda m: "H" if m.group(0) == "Ḫ" else "h"),
    rule("drop_editorial_marks", _EDITORIAL, "", repeat=True),
    rule("pn_placeholder_to_gap", r"\bPN\b", "<gap>"),
    rule("gap_markers", _GAP_MARKERS, "<gap>"),
    rule("merge_adjacent_gaps", r"<gap>(?:[\s\-]*<gap>)+", "<gap>"),
    rule("decimal_fractions", DECIMAL_PATTERN, decimal_to_fraction),
    rule("slash_fractions", r"(?<![\d/])(?:1/2|1/3|2/3|1/4|3/4|1/6|5/6)(?![\d/])", _slash_fraction),
    rule("month_numerals", _MONTH_RE, _month_numerals),
    WHITESPACE,
    STRIP,
    NFC,
)

TRANSLATION_CHECKS: tuple[Check, ...] = (
    CHECK_NFC,
    CHECK_WHITESPACE,
    forbid("no_h_with_breve", r"[Ḫḫ]"),
    forbid("no_editorial_marks", _EDITORIAL),
    forbid("no_pn_placeholder", r"\bPN\b"),
    forbid("no_raw_gap_markers", _GAP_MARKERS),
    forbid("no_adjacent_gaps", r"<gap>[\s\-]*<gap>"),
    Check("no_fraction_decimals", find_convertible_decimal),
    forbid("no_slash_fractions", r"(?<![\d/])(?:1/2|1/3|2/3|1/4|3/4|1/6|5/6)(?![\d/])"),
    forbid("no_roman_months", rf"\b{_MONTH_WORD}\s+(?:(?!I\b)(?:{_ROMAN_ALT}))\b"),
)


def normalize_translation(text: str) -> str:
    """Rewrite train.csv-style English into the competition's target conventions.

    Raises NormalizationError if the output breaks a post-condition (a rule bug).
    """
    return run_table(text, TRANSLATION_RULES, TRANSLATION_CHECKS)
