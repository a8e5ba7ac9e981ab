"""Proper nouns as slots of formulaic sentences, for the translation memory.

Old Assyrian letters and contracts repeat a few templates with other names in them
(``IGI PN DUMU PN`` "witnessed by PN son of PN", ``um-ma PN-ma a-na PN qí-bi-ma``). Two uses:

- :func:`skeleton` replaces every name of a transliteration by one placeholder, so retrieval can
  match a query to a stored sentence of the same template whatever the names.
- :func:`fill_name_slots` aligns the query with the retrieved source on their skeletons and,
  where a name slot holds another name, respells the retrieved translation's name with the
  query's name (only when the old name's English span is found with confidence).

Which tokens are names, and their English spelling, comes from :class:`NameSpeller`: the
proper-noun table (spellings used in the training translations) first, then the lexicon's name
forms (their normalised form) for names the training data never spelled.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from deep_past.lexicon import NAME_TYPES, best_span, fold, loose_key, name_spans

NAME_SLOT = "§"  # not a character of any transliteration


@dataclass
class NameSpeller:
    """Source token -> English spelling of the name it writes (None: not a name)."""

    exact: Mapping[str, str]
    loose: Mapping[str, str]
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(
        cls, proper_nouns: pd.DataFrame | None = None, lexicon: pd.DataFrame | None = None
    ) -> NameSpeller:
        """From ``proper_nouns.csv`` (form, english) and ``lexicon.csv`` (form, norm, type).

        A loose key (sign indices and case ignored) is kept only when no ordinary word of the
        lexicon shares it, so ``á-na`` is never taken for a name because ``a-na`` is a word.
        """
        exact: dict[str, str] = {}
        loose: dict[str, str] = {}
        word_keys: set[str] = set()
        if lexicon is not None and len(lexicon):
            frame = lexicon.fillna("").astype(str)
            is_name = frame["type"].isin(NAME_TYPES)
            word_keys = {loose_key(f) for f in frame.loc[~is_name, "form"]}
            names = frame.loc[is_name]
            for form, norm in zip(names["form"], names["norm"], strict=True):
                if norm.strip():
                    exact.setdefault(form, norm)
        if proper_nouns is not None and len(proper_nouns):
            frame = proper_nouns.fillna("").astype(str)
            for form, english in zip(frame["form"], frame["english"], strict=True):
                if english.strip():
                    exact[form] = english  # the training translations' spelling wins
        for form in sorted(exact):
            key = loose_key(form)
            if key not in word_keys:
                loose.setdefault(key, exact[form])
        return cls(exact, loose)

    def english(self, token: str) -> str | None:
        if token not in self._cache:
            hit = self.exact.get(token)
            self._cache[token] = hit if hit is not None else self.loose.get(loose_key(token))
        return self._cache[token]

    def __len__(self) -> int:
        return len(self.exact)


def skeleton(text: str, speller: NameSpeller) -> str:
    """The transliteration with each name token replaced by :data:`NAME_SLOT`."""
    return " ".join(NAME_SLOT if speller.english(t) else t for t in str(text).split())


def _slot_pairs(query: str, source: str, speller: NameSpeller) -> Iterable[tuple[str, str]]:
    """(source name, query name) filling the same slot of the aligned skeletons."""
    q_tokens, s_tokens = str(query).split(), str(source).split()
    q_skel = [NAME_SLOT if speller.english(t) else t for t in q_tokens]
    s_skel = [NAME_SLOT if speller.english(t) else t for t in s_tokens]
    matcher = difflib.SequenceMatcher(a=s_skel, b=q_skel, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if s_skel[i] == q_skel[j] == NAME_SLOT and s_tokens[i] != q_tokens[j]:
                    yield s_tokens[i], q_tokens[j]


def fill_name_slots(
    query: str,
    source: str,
    target: str,
    speller: NameSpeller,
    min_similarity: float = 0.6,
) -> str:
    """Respell ``target`` (the translation of ``source``) with the names of ``query``.

    Each name slot where the query has another name is filled if the source name's English is
    found in the target (fuzzy, diacritic-insensitive, ties refused); a span is replaced once,
    so two slots never rewrite the same name.
    """
    out = target
    filled: dict[str, str] = {}
    for old, new in _slot_pairs(query, source, speller):
        old_en, new_en = speller.english(old), speller.english(new)
        if not old_en or not new_en or fold(old_en) == fold(new_en):
            continue
        spans = [s for s in name_spans(out) if "\x00" not in s]
        span = best_span(old_en, spans, min_similarity)
        if span is None:
            continue
        found = re.search(rf"(?<![\w\x00-]){re.escape(span)}(?![\w\x00-])", out)
        if found is None:
            continue
        mark = f"\x00{len(filled)}\x00"
        out = out[: found.start()] + mark + out[found.end() :]
        filled[mark] = new_en
    for mark, english in filled.items():
        out = out.replace(mark, english)
    return out
