"""The OARE sentence file: match its sentence translations and marked words to one document."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deep_past.corpus.align.cuts import monotone_viterbi, trace_back
from deep_past.corpus.align.tokens import split_sentences
from deep_past.text.transliteration import normalize_transliteration


def _char_ngrams(text: str, n: int = 3) -> dict[str, int]:
    s = " " + " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split()) + " "
    grams: dict[str, int] = {}
    for i in range(len(s) - n + 1):
        g = s[i : i + n]
        grams[g] = grams.get(g, 0) + 1
    return grams


def text_similarity(a: str, b: str) -> float:
    """Character 3-gram F1 (a light chrF) between two English texts, in [0, 1]."""
    ga, gb = _char_ngrams(a), _char_ngrams(b)
    overlap = sum(min(c, gb.get(g, 0)) for g, c in ga.items())
    total = sum(ga.values()) + sum(gb.values())
    return 2.0 * overlap / total if total else 0.0


def match_translation_groups(
    oare: list[str], units: list[str]
) -> tuple[list[int], list[float]] | None:
    """Assign each OARE sentence a consecutive group of document sentences, covering all.

    Returns group starts (first unit index per OARE sentence) and similarities, or None when
    there are fewer units than OARE sentences. Monotone DP maximising summed similarity.
    """
    n, m = len(oare), len(units)
    if n == 0 or m < n:
        return None
    sim = np.full((n, m + 1, m + 1), -np.inf)
    for k in range(n):
        for a in range(k, m - (n - k) + 1):  # leave room for the other sentences
            for b in range(a + 1, m - (n - k - 1) + 1):
                sim[k, a, b] = text_similarity(oare[k], " ".join(units[a:b]))
    best, back = monotone_viterbi(list(sim))
    if not np.isfinite(best[n, m]):
        return None
    bounds = trace_back(back, n, m)
    sims = [float(sim[k, bounds[k], bounds[k + 1]]) for k in range(n)]
    return bounds[:-1], sims


def marked_word_index(tokens: list[str], number: int, spelling: str, max_shift: int = 5) -> int:
    """0-based token index of an OARE marked word: ``first_word_number`` (1-based) corrected
    by the nearest token equal to ``first_word_spelling`` within ``max_shift`` tokens."""
    guess = int(number) - 1
    spellings = {spelling, _normalised_spelling(spelling)}
    for shift in sorted(range(-max_shift, max_shift + 1), key=lambda d: (abs(d), d)):
        i = guess + shift
        if 0 <= i < len(tokens) and tokens[i] in spellings:
            return i
    return guess


def _normalised_spelling(spelling: str) -> str:
    """The spelling under the project's transliteration normaliser, so marked words are found
    in preprocessed documents too (the sentence file keeps the raw spelling)."""
    try:
        return normalize_transliteration(spelling)
    except Exception:  # a one-word fragment may break a rule's post-condition: keep it raw
        return spelling


@dataclass(frozen=True)
class SentenceFileChecks:
    """Why a document was (not) cut by the sentence file; thresholds are documented here."""

    min_similarity: float = 0.30  # each OARE sentence vs its document sentences (char 3-gram F1)
    min_length_ratio: float = 0.45  # document group chars / OARE sentence chars
    max_length_ratio: float = 2.2


def sentence_file_units(
    tokens: list[str],
    translation: str,
    rows: pd.DataFrame,
    checks: SentenceFileChecks = SentenceFileChecks(),
) -> tuple[list[str], list[tuple[int, int]], list[float]] | str:
    """English units and allowed source-boundary ranges from a document's OARE rows.

    Returns (units, allowed ranges for b_1..b_{n-1}, similarities) or a reason string when a
    check fails: marked words must be inside the document and strictly increasing, and the
    OARE translations must cover the document's translation group by group.
    """
    # Numeric order: read_table gives strings, and "10" < "2" as text.
    order = pd.to_numeric(rows["sentence_obj_in_text"], errors="coerce")
    rows = rows.iloc[np.argsort(order.to_numpy(dtype=float), kind="stable")]
    oare = [str(t) if isinstance(t, str) else "" for t in rows["translation"]]
    if any(not t.strip() for t in oare):
        return "empty OARE translation"
    marks = [
        marked_word_index(tokens, n, str(s))
        for n, s in zip(rows["first_word_number"], rows["first_word_spelling"], strict=True)
    ]
    if any(i < 0 or i >= len(tokens) for i in marks):
        return "marked word outside the transliteration"
    if any(b <= a for a, b in zip(marks, marks[1:], strict=False)):
        return "marked words not increasing"
    doc_units = split_sentences(translation)
    grouped = match_translation_groups(oare, doc_units)
    if grouped is None:
        return "fewer document sentences than OARE sentences"
    starts, sims = grouped
    ends = starts[1:] + [len(doc_units)]
    units = [" ".join(doc_units[a:b]) for a, b in zip(starts, ends, strict=True)]
    for unit, ref, sim in zip(units, oare, sims, strict=True):
        ratio = len(unit) / max(len(ref), 1)
        if sim < checks.min_similarity:
            return "OARE sentence does not match its document sentences"
        if not checks.min_length_ratio <= ratio <= checks.max_length_ratio:
            return "length mismatch with the OARE sentence"
    # Sentence k starts after the previous marked word and no later than its own.
    allowed = [(marks[k - 1] + 1, marks[k]) for k in range(1, len(marks))]
    return units, allowed, sims
