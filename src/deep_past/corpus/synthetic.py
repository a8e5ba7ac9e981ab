"""Synthetic lexicon pairs: word- and phrase-level (transliteration, English) pairs from the lexicon
and the proper-noun table, mixed into the fine-tuning data when ``data.synthetic_lexicon`` says so.

Only forms that occur in the training transliterations are used, most frequent first, so the
pairs teach the words the model will meet. A word pair is ``form -> first gloss`` (or the name's
English spelling); a phrase pair is two neighbouring known words -> their glosses joined, taken
only when the bigram occurs at least twice. Deterministic: ties break on the form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from deep_past.corpus.lexicon import (
    NAME_TYPES,
    LexEntry,
    index_lexicon,
    index_names,
    lookup,
    loose_key,
    normalize_word,
)

SEGMENT_COLUMNS = ["id", "text_id", "source", "reference"]
_NUMBER = re.compile(r"^[\d.,/+½⅓⅔¼¾⅙⅚]+$")


def short_gloss(gloss: str) -> str:
    """The first sense of a gloss: ``"of; who, which"`` -> ``"of"``."""
    return re.split(r"[;,]", gloss, maxsplit=1)[0].strip()


def _english(
    word: str, lexicon: Mapping[str, LexEntry], names: Mapping[str, tuple[str, str, int]]
) -> str:
    name = names.get(word) or names.get("~" + loose_key(word))
    if name is not None:
        return name[1]
    entry = lookup(word, lexicon)
    if entry is None or entry.type in NAME_TYPES:
        return ""
    return short_gloss(entry.gloss)


def _words(source: str) -> list[str]:
    """Normalised words; gaps and numbers become None-like breaks (empty strings)."""
    out = []
    for word in source.split():
        out.append("" if "<" in word or _NUMBER.match(word) else normalize_word(word))
    return out


def synthetic_pairs(
    sources: Iterable[str],
    lexicon: pd.DataFrame,
    proper_nouns: pd.DataFrame,
    max_pairs: int,
    phrase_share: float = 0.5,
) -> pd.DataFrame:
    """Up to ``max_pairs`` rows ``source, target, kind`` (kind: lexicon_word | lexicon_phrase)."""
    lex, names = index_lexicon(lexicon), index_names(proper_nouns)
    word_counts: Counter[str] = Counter()
    bigram_counts: Counter[tuple[str, str]] = Counter()
    for source in sources:
        words = _words(str(source))
        word_counts.update(w for w in words if w)
        bigram_counts.update((a, b) for a, b in zip(words, words[1:], strict=False) if a and b)
    english: dict[str, str] = {}

    def gloss(word: str) -> str:
        if word not in english:
            english[word] = _english(word, lex, names)
        return english[word]

    ranked_words = sorted(word_counts, key=lambda w: (-word_counts[w], w))
    word_rows = [(w, gloss(w), "lexicon_word") for w in ranked_words if gloss(w)]
    ranked_bigrams = sorted(
        (b for b, n in bigram_counts.items() if n >= 2), key=lambda b: (-bigram_counts[b], b)
    )
    phrase_rows = [
        (f"{a} {b}", f"{gloss(a)} {gloss(b)}", "lexicon_phrase")
        for a, b in ranked_bigrams
        if gloss(a) and gloss(b)
    ]
    n_phrases = min(len(phrase_rows), int(max_pairs * phrase_share))
    rows = phrase_rows[:n_phrases]
    rows = word_rows[: max_pairs - len(rows)] + rows
    return pd.DataFrame(rows, columns=["source", "target", "kind"])


def synthetic_segments(
    sources: Iterable[str],
    *,
    lexicon: str | Path,
    proper_nouns: str | Path,
    max_pairs: int,
    phrase_share: float = 0.5,
) -> pd.DataFrame:
    """Synthetic pairs as training segments; each is its own document (no context, no leak)."""
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
    pairs = synthetic_pairs(sources, read(lexicon), read(proper_nouns), max_pairs, phrase_share)
    ids = [f"lexicon:{i}" for i in range(len(pairs))]
    return pd.DataFrame(
        {"id": ids, "text_id": ids, "source": pairs["source"], "reference": pairs["target"]},
        columns=SEGMENT_COLUMNS,
    )
