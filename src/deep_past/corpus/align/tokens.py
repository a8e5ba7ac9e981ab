"""Tokenisation for alignment: English sentences and words, transliteration tokens and keys."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    {"s", "d", "nr", "no", "cf", "ca", "obv", "rev", "l", "ll", "i.e", "e.g"}
)
# A sentence ends at . ! ? or : followed by a space and something that can open a sentence.
_SENT_END = re.compile(r"(?<=[.!?:])[\"'”’]?\s+(?=[A-ZÀ-ÖØ-Þ\u0100-\u024F\u1E00-\u1EFF\d<(\"“‘'])")
_EN_WORD = re.compile(r"\d+(?:[.,/]\d+)*|[½⅓⅔¼¾⅙⅚⅛]|\w+(?:['’-]\w+)*|<gap>", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Split an English translation into sentences, keeping all characters.

    Splits only after . ! ? : followed by a space and an opening character, and not after
    abbreviations such as ``s.`` (son of) or single initials, so pieces rejoin to the text.
    """
    text = " ".join(str(text).split())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        candidate = text[start : m.start()].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or len(last_word) == 1):
            continue
        pieces.append(text[start : m.end()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def source_tokens(text: str) -> list[str]:
    """Whitespace tokens of a transliteration (the unit ``first_word_number`` indexes)."""
    return str(text).split()


def english_words(text: str) -> list[str]:
    """Lower-cased English words and numbers: the target vocabulary of the word table."""
    return [w.lower() for w in _EN_WORD.findall(str(text))]


def source_key(token: str) -> str:
    """Word-table key of a source token: case is kept (logograms vs syllables differ)."""
    return token.strip("[]⸢⸣˹˺!?*")
