"""The small engine shared by the text normalisers: ordered rule tables and post-conditions.

Each normaliser is a table of named regex rules applied in order, followed by checks that the
output is in the promised form. A check that fails raises :class:`NormalizationError` naming the
check and quoting the text around the offending spot: a broken rule must stop the pipeline, never
let raw text through silently (a silent pass-through cost a top team its normaliser).

Standard library only: this module is inlined into the offline Kaggle notebook.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Replacement = str | Callable[[re.Match[str]], str]


class NormalizationError(ValueError):
    """A normaliser's output broke one of its post-conditions (a bug in a rule table)."""

    def __init__(self, condition: str, text: str, position: int = 0) -> None:
        self.condition = condition
        self.excerpt = excerpt(text, position)
        super().__init__(f"text normalisation check '{condition}' failed near: {self.excerpt!r}")


def excerpt(text: str, position: int, width: int = 40) -> str:
    """Up to ``width`` characters either side of ``position``, with ellipses where cut."""
    start = max(0, position - width)
    end = min(len(text), position + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


@dataclass(frozen=True)
class Rule:
    """One named rewrite: every match of ``pattern`` is replaced by ``replacement``.

    With ``repeat``, the rewrite runs until the text stops changing, for rules whose output can
    form a new match (removing "(?)" from "(fem(?).)" leaves "(fem.)").
    """

    name: str
    pattern: re.Pattern[str]
    replacement: Replacement
    repeat: bool = False

    def apply(self, text: str) -> str:
        new = self.pattern.sub(self.replacement, text)
        # Each pass shortens or keeps the text, so this ends; the cap is only a safety net.
        for _ in range(100 if self.repeat else 0):
            if new == text:
                break
            text, new = new, self.pattern.sub(self.replacement, new)
        return new


@dataclass(frozen=True)
class Check:
    """One named post-condition: ``find`` returns the position of a violation, or None."""

    name: str
    find: Callable[[str], int | None]


def rule(
    name: str, pattern: str, replacement: Replacement, flags: int = 0, repeat: bool = False
) -> Rule:
    """Build a :class:`Rule`, compiling ``pattern`` once at import time."""
    return Rule(name, re.compile(pattern, flags), replacement, repeat)


def forbid(name: str, pattern: str, flags: int = 0) -> Check:
    """A check that fails wherever ``pattern`` matches the output."""
    compiled = re.compile(pattern, flags)

    def find(text: str) -> int | None:
        match = compiled.search(text)
        return None if match is None else match.start()

    return Check(name, find)


def _nfc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match.group(0))


def _first_non_nfc(text: str) -> int | None:
    if unicodedata.is_normalized("NFC", text):
        return None
    # Report the first character that NFC changes, so the message points at it.
    return next(
        (i for i, ch in enumerate(text) if unicodedata.normalize("NFC", text[i:]) != text[i:]), 0
    )


# Whole-text Unicode NFC as a table rule (precomposed á, š… so one character is one code point).
NFC = rule("unicode_nfc", r"(?s).+", _nfc)
WHITESPACE = rule("collapse_whitespace", r"\s+", " ")
STRIP = rule("strip", r"^ | $", "")

CHECK_NFC = Check("unicode_nfc", _first_non_nfc)
CHECK_WHITESPACE = forbid("whitespace_normalised", r"\s{2,}|^\s|\s$|[^\S ]")


def run_table(text: str, rules: Sequence[Rule], checks: Sequence[Check]) -> str:
    """Apply ``rules`` in order, then raise :class:`NormalizationError` on any failed check."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}: {text!r}")
    for r in rules:
        text = r.apply(text)
    for check in checks:
        position = check.find(text)
        if position is not None:
            raise NormalizationError(check.name, text, position)
    return text
