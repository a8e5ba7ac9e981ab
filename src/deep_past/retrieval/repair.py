"""Adapting a retrieved translation to the query (fuzzy-match repair).

The stored pair's source differs from the query; its translation is made the query's: with a
:class:`~deep_past.corpus.names.NameSpeller` the query's names fill the translation's name
slots, then numbers and words that differ 1:1 between the query and the stored source are
swapped, numbers literally and words through the Model 1 word table (``corpus.align``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deep_past.corpus.align.model1 import WordTable
from deep_past.corpus.align.tokens import english_words, source_key, source_tokens
from deep_past.corpus.names import NameSpeller, fill_name_slots

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Repair:
    """What adapts a retrieved translation: name-slot filling and word swaps, each optional."""

    names: NameSpeller | None = None
    name_min_similarity: float = 0.6  # old name's English vs a span of the retrieved target
    table: WordTable | None = None  # t(english | source); no word swaps without it
    surface: dict[str, str] | None = None  # spelling of each lower-cased target word
    min_prob: float = 0.2  # least word-table probability of a swapped word

    def __call__(self, query: str, source: str, target: str) -> str:
        """``target`` (the translation of ``source``) made the translation of ``query``."""
        if self.names is not None:
            target = fill_name_slots(query, source, target, self.names, self.name_min_similarity)
        if self.table is not None:
            target = swap_words(
                query, source, target, self.table, self.surface or {}, self.min_prob
            )
        return target


def surface_forms(targets: Sequence[str]) -> dict[str, str]:
    """Most frequent spelling (case) of each lower-cased English word in the stored targets."""
    counts: Counter[str] = Counter()
    for t in targets:
        counts.update(re.findall(r"\w+(?:['’-]\w+)*", t))
    best: dict[str, tuple[int, str]] = {}
    for word, c in sorted(counts.items()):
        key = word.lower()
        if key not in best or c > best[key][0]:
            best[key] = (c, word)
    return {k: w for k, (_, w) in best.items()}


def _substitutions(query: str, source: str) -> list[tuple[str, str]]:
    """1:1 token substitutions turning the stored source into the query (difflib opcodes)."""
    q, s = source_tokens(query), source_tokens(source)
    subs = []
    matcher = difflib.SequenceMatcher(a=s, b=q, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            subs.extend(zip(s[i1:i2], q[j1:j2], strict=True))
    return subs


def _replace_word(text: str, old: str, new: str) -> str | None:
    """Replace the first whole-word case-insensitive ``old`` by ``new`` keeping capitals."""
    m = re.search(rf"(?<![\w.-]){re.escape(old)}(?![\w-]|\.\d)", text, flags=re.IGNORECASE)
    if m is None:
        return None
    found = m.group(0)
    if found[:1].isupper() and new[:1].islower():
        new = new[:1].upper() + new[1:]
    return text[: m.start()] + new + text[m.end() :]


def swap_words(
    query: str,
    source: str,
    target: str,
    table: WordTable,
    surface: dict[str, str],
    min_prob: float = 0.2,
) -> str:
    """Swap in the retrieved translation what the query substitutes 1:1 in the source.

    Numbers are swapped literally; other words through the word table: the old word's best
    translation present in the target is replaced by the new word's best translation, when
    both are confident (``min_prob``) and the new one is not a word of the target yet.
    """
    target_words = set(english_words(target))
    for old, new in _substitutions(query, source):
        if _NUMBER.match(old) and _NUMBER.match(new):
            swapped = _replace_word(target, old, new)
            if swapped is not None:
                target = swapped
            continue
        old_key, new_key = source_key(old), source_key(new)
        candidates = [w for w in english_words(target) if w in table.tgt_vocab]
        if not candidates:
            continue
        probs = table.lookup([old_key], candidates)[0]
        j = int(np.argmax(probs))
        if probs[j] < min_prob:
            continue
        best_new = table.best_translation(new_key, min_prob)
        if best_new is None:
            continue
        e_old, e_new = candidates[j], best_new[0]
        if e_new == e_old or e_new in target_words:
            continue
        swapped = _replace_word(target, surface.get(e_old, e_old), surface.get(e_new, e_new))
        if swapped is not None:
            target = swapped
            target_words = set(english_words(target))
    return target
