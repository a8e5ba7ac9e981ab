"""Proper nouns as slots of formulaic sentences, for the translation memory.

Old Assyrian letters and contracts repeat a few templates with other names in them
(``IGI PN DUMU PN`` "witnessed by PN son of PN", ``um-ma PN-ma a-na PN qí-bi-ma``). Two uses:

- :func:`skeleton` replaces every name of a transliteration by a placeholder of its type, so
  retrieval can match a query to a stored sentence of the same template whatever the names.
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
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from deep_past.corpus.lexicon import NAME_TYPES, best_span, fold, loose_key, name_spans
from deep_past.io import read_frame

NAME_SLOT = "§"  # not a character of any transliteration; followed by the name's type


class Name(NamedTuple):
    english: str
    type: str  # PN, GN, ... (lexicon types)


@dataclass
class NameSpeller:
    """Source token -> the name it writes: English spelling and type (None: not a name)."""

    exact: Mapping[str, Name]
    loose: Mapping[str, Name]
    _cache: dict[str, Name | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(
        cls, proper_nouns: pd.DataFrame | None = None, lexicon: pd.DataFrame | None = None
    ) -> NameSpeller:
        """From ``proper_nouns.csv`` (form, type, english) and ``lexicon.csv`` (form, norm,
        lexeme, type).

        A loose key (sign indices and case ignored) is kept only when no ordinary word of the
        lexicon shares it, so ``á-na`` is never taken for a name because ``a-na`` is a word.
        """
        exact: dict[str, Name] = {}
        word_keys: set[str] = set()
        if lexicon is not None and len(lexicon):
            frame = lexicon.fillna("").astype(str)
            is_name = frame["type"].isin(NAME_TYPES)
            word_keys = {loose_key(f) for f in frame.loc[~is_name, "form"]}
            names = frame.loc[is_name]
            rows = zip(names["form"], names["norm"], names["lexeme"], names["type"], strict=True)
            for form, norm, lexeme, kind in rows:
                spelling = english_spelling(norm, lexeme)
                if spelling:
                    exact.setdefault(form, Name(spelling, kind))
        if proper_nouns is not None and len(proper_nouns):
            frame = proper_nouns.fillna("").astype(str)
            rows = zip(frame["form"], frame["english"], frame["type"], strict=True)
            for form, english, kind in rows:
                if english.strip():
                    exact[form] = Name(english, kind)  # the training translations' spelling wins
        loose: dict[str, Name] = {}
        for form in sorted(exact):
            key = loose_key(form)
            if key not in word_keys:
                loose.setdefault(key, exact[form])
        return cls(exact, loose)

    @classmethod
    def from_files(
        cls, proper_nouns_csv: str | Path | None, lexicon_csv: str | Path | None
    ) -> NameSpeller:
        """From the pipeline's ``proper_nouns.csv`` and ``lexicon.csv`` (either may be None)."""
        return cls.from_tables(
            read_frame(proper_nouns_csv) if proper_nouns_csv else None,
            read_frame(lexicon_csv) if lexicon_csv else None,
        )

    def name(self, token: str) -> Name | None:
        if token not in self._cache:
            hit = self.exact.get(token)
            self._cache[token] = hit if hit is not None else self.loose.get(loose_key(token))
        return self._cache[token]

    def english(self, token: str) -> str | None:
        hit = self.name(token)
        return hit.english if hit else None

    def __len__(self) -> int:
        return len(self.exact)


_OPTIONAL_LETTERS = re.compile(r"\([^()]*\)")
_ENCLITIC_MA = re.compile(r"-?ma$")


def english_spelling(norm: str, lexeme: str) -> str:
    """How a translation writes a name the lexicon only normalises: without optional letters
    (``Nab(i)-Suen`` -> Nab-Suen) or an enclitic ``-ma`` that the lexeme lacks (Iddin-abumma,
    lexeme Iddin-abu -> Iddin-abum; but Elamma, lexeme Elamma, keeps it)."""
    spelling = _OPTIONAL_LETTERS.sub("", norm).strip()
    if not lexeme.endswith("ma"):
        stem = _ENCLITIC_MA.sub("", spelling)
        spelling = stem if len(stem) > 2 else spelling
    return spelling


def _slot(token: str, speller: NameSpeller) -> str:
    name = speller.name(token)
    return token if name is None else NAME_SLOT + name.type


def skeleton(text: str, speller: NameSpeller) -> str:
    """The transliteration with each name token replaced by its type's slot (``§PN``, ``§GN``):
    a person's slot never takes a place name."""
    return " ".join(_slot(t, speller) for t in str(text).split())


def _slot_pairs(query: str, source: str, speller: NameSpeller) -> Iterable[tuple[str, str]]:
    """(source name, query name) filling the same slot of the aligned skeletons."""
    q_tokens, s_tokens = str(query).split(), str(source).split()
    q_skel = [_slot(t, speller) for t in q_tokens]
    s_skel = [_slot(t, speller) for t in s_tokens]
    matcher = difflib.SequenceMatcher(a=s_skel, b=q_skel, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                slot = s_skel[i] == q_skel[j] and s_skel[i].startswith(NAME_SLOT)
                if slot and s_tokens[i] != q_tokens[j]:
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
        span = best_span(old_en, name_spans(out), min_similarity)  # filled slots are not spans
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


# Numbered name placeholders (``PN1``, ``GN2``) for a model: it copies a placeholder where it
# would misspell or invent a name, and the speller's English spelling is put back after decoding.
_PLACEHOLDER = re.compile(r"\b([A-Z]N)(\d+)\b")


def mask_names(source: str, speller: NameSpeller) -> tuple[str, dict[str, str]]:
    """The transliteration with each name token replaced by a numbered placeholder of its type,
    and placeholder -> English spelling. Tokens spelling the same English name (spelling
    variants of one person) share a placeholder."""
    slots: dict[str, str] = {}
    by_english: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    tokens = []
    for token in str(source).split():
        name = speller.name(token)
        if name is None:
            tokens.append(token)
            continue
        key = (name.type, fold(name.english))
        if key not in by_english:
            counts[name.type] = counts.get(name.type, 0) + 1
            by_english[key] = f"{name.type}{counts[name.type]}"
            slots[by_english[key]] = name.english
        tokens.append(by_english[key])
    return " ".join(tokens), slots


def mask_as_query(text: str, query: str, slots: Mapping[str, str], speller: NameSpeller) -> str:
    """``text`` (a memory match's transliteration) with the query's placeholders: each name that
    is one of the query's names, or fills the same slot of the aligned skeletons, becomes that
    name's placeholder (``slots`` from ``mask_names(query)``); other names stay as written."""
    placeholder = {(_PLACEHOLDER.fullmatch(p)[1], fold(e)): p for p, e in slots.items()}
    renamed = dict(_slot_pairs(query, text, speller))  # match name -> the query's name there
    tokens = []
    for token in str(text).split():
        name = speller.name(renamed.get(token, token))
        found = placeholder.get((name.type, fold(name.english))) if name else None
        tokens.append(found or token)
    return " ".join(tokens)


def mask_target(target: str, slots: Mapping[str, str], min_similarity: float = 0.6) -> str:
    """A training translation with the spans spelling each slot's name replaced by the slot's
    placeholder (fuzzy, diacritic-insensitive, ties refused; a name not found stays as written)."""
    spans = name_spans(target)
    found: dict[str, str] = {}
    for placeholder, english in slots.items():
        span = best_span(english, spans, min_similarity)
        if span is None:
            continue
        for same in spans:  # every writing of it: Ennanum and Ennānum
            if fold(same) == fold(span):
                found.setdefault(same, placeholder)
    if not found:
        return target
    words = sorted(found, key=len, reverse=True)  # the longest span first: Aššur-idī, not Aššur
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, words))})(?![\w-])")
    return pattern.sub(lambda m: found[m.group(0)], target)


def fill_placeholders(text: str, slots: Mapping[str, str]) -> str:
    """Each placeholder back to its name's spelling; one the source did not have (the model
    invented it) is dropped, with the space before it."""
    filled = _PLACEHOLDER.sub(lambda m: slots.get(m.group(0), "\x00"), text)
    if "\x00" in filled:
        filled = re.sub(r" ?\x00", "", filled).strip()
    return filled
