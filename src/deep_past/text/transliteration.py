"""Akkadian transliterations in the host's published source conventions.

The host's second data release (February 2026) writes every lost passage as one ``<gap>``,
determinatives in braces (``{d}``, ``{ki}``), H/h rather than Ḫ/ḫ, plain digits rather than
subscript sign indices, and no editorial brackets or marks. train.csv is mostly in that form
already; other sources (OARE sentence spellings, the lexicon, older releases) are not. Decimal
amounts become the fraction glyphs the English targets use, so source and target agree.

Standard library only: this module is inlined into the offline Kaggle notebook.
"""

from __future__ import annotations

import re
import unicodedata

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
from deep_past.text.translation import (
    DECIMAL_PATTERN,
    decimal_to_fraction,
    find_convertible_decimal,
)

# Superscript (modifier) letters used for determinatives, e.g. ᵈUTU, a-limᵏⁱ, ᵐa-šur.
_SUPERSCRIPT_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"


def _superscript_determinative(match: re.Match[str]) -> str:
    # NFKC maps each modifier letter to its plain letter (ᵈ -> d).
    return "{" + unicodedata.normalize("NFKC", match.group(0)) + "}"


# Determinatives written in parentheses, as in OARE spellings and the lexicon: (d)UTU,
# a-lim(ki), (m)šu-sú-en₆, (f)ZA-a-ba-at. Sign names after the subscript rule (lú2 -> lu2).
_DETERMINATIVES = (
    "d|ki|m|f|mí|munus|lú|lu2|giš|gis|uru|kur|túg|tug2|dug|na4|urudu|iti|é|íd|id2|ku6|mušen|"
    "sar|kuš|zabar|anše|gi|ú|u2"
)
_PAREN_DETERMINATIVE = rf"\(({_DETERMINATIVES})\)"

# Lost passages, in the spellings of the various editions: [x], [x x], [...], [… …], (break),
# (5 broken lines), (broken line), "...", "…". A bare x is handled after brackets are dropped.
_BRACKETED_GAP = r"\[\s*(?:x|\.{3,}|…)[\s.…x\-]*\]"
_BROKEN_PARENS = r"\([^()]*\b(?:break|broken)\b[^()]*\)"
_DOTS_GAP = r"\.{3,}|…+"
# x, xx, xxxxx as a whole sign: bounded by the start/end, a space, a hyphen, dot, + or a brace.
_X_GAP = r"(?<![^\s\-.+{}])x+(?![^\s\-.+{}])"
_ADJACENT_GAPS = r"<gap>(?:[\s\-]*<gap>)+"

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789", "ₓ")


def _subscripts(match: re.Match[str]) -> str:
    return match.group(0).translate(_SUBSCRIPT_DIGITS)


TRANSLITERATION_RULES: tuple[Rule, ...] = (
    NFC,
    # <<...>> marks signs the scribe wrote by mistake: they are not part of the text.
    rule("delete_erasures", r"<<[^<>]*>>", ""),
    rule("big_gap", r"<big_gap>", "<gap>"),
    rule("bracketed_gaps", _BRACKETED_GAP, "<gap>"),
    # <a> marks signs the editor supplied: keep the sign, drop the brackets (as for [ ]).
    rule("supplied_signs", r"<(?!gap>)([^<>]*)>", r"\1"),
    # A lone < or > (a damaged marker) would otherwise survive; <gap> is the only tag allowed.
    rule("stray_angle_brackets", r"<(?!gap>)|(?<!<gap)>", "", repeat=True),
    rule("superscript_determinatives", rf"[{_SUPERSCRIPT_LETTERS}]+", _superscript_determinative),
    rule("subscript_digits", r"[₀-₉ₓ]+", _subscripts),
    rule("uncertainty_parens", r"\(\s*[?!*]+\s*\)", "", repeat=True),
    rule("h_without_breve", r"[Ḫḫ]", lambda m: "H" if m.group(0) == "Ḫ" else "h"),
    rule("drop_brackets", r"[\[\]⸢⸣˹˺⌈⌉]", ""),
    # OARE joins a name's parts with "=" (PUZUR₄=(d)UTU); train.csv writes PUZUR₄-{d}UTU.
    rule("word_divider_equals", r"=", "-"),
    rule("scribal_marks", r"[!?*]", ""),
    rule("glottal_stops", r"[ʾʿ]", ""),
    # After brackets and marks, so "([d])" and "(d!)" become {d} too.
    rule("paren_determinatives", _PAREN_DETERMINATIVE, r"{\1}"),
    # (TÚG)ku-ta-ni in OARE spellings is "TÚG ku-ta-ni" in train.csv: a logogram, not braces.
    rule("paren_logograms", r"\(([A-ZÀ-ÞŠṢṬḪ][A-ZÀ-ÞŠṢṬḪ0-9.]*)\)\s*", r"\1 "),
    # Likewise "(broken [lines])" or "(break!)".
    rule("broken_lines", _BROKEN_PARENS, "<gap>", repeat=True),
    rule("dots_gaps", _DOTS_GAP, "<gap>"),
    rule("x_gaps", _X_GAP, "<gap>"),
    rule("merge_adjacent_gaps", _ADJACENT_GAPS, "<gap>"),
    rule("decimal_fractions", DECIMAL_PATTERN, decimal_to_fraction),
    WHITESPACE,
    STRIP,
    NFC,
)

TRANSLITERATION_CHECKS: tuple[Check, ...] = (
    CHECK_NFC,
    CHECK_WHITESPACE,
    forbid("no_subscripts", r"[₀-₉ₓ]"),
    forbid("no_superscript_letters", rf"[{_SUPERSCRIPT_LETTERS}]"),
    forbid("no_brackets", r"[\[\]⸢⸣˹˺⌈⌉]"),
    forbid("no_paren_determinatives", _PAREN_DETERMINATIVE),
    forbid("only_gap_in_angle_brackets", r"<(?!gap>)|(?<!<gap)>"),
    forbid("no_raw_gap_markers", rf"{_DOTS_GAP}|{_X_GAP}|{_BROKEN_PARENS}"),
    forbid("no_adjacent_gaps", r"<gap>[\s\-]*<gap>"),
    forbid("no_h_with_breve", r"[Ḫḫ]"),
    forbid("no_marks", r"[!?*=ʾʿ]"),
    Check("no_fraction_decimals", find_convertible_decimal),
)


def normalize_transliteration(text: str) -> str:
    """Rewrite a transliteration into the host's source conventions.

    Raises NormalizationError if the output breaks a post-condition (a rule bug).
    """
    return run_table(text, TRANSLITERATION_RULES, TRANSLITERATION_CHECKS)
