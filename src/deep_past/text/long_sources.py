"""Sources too long for one prompt: cut at word boundaries into pieces that fit, each translated,
the translations joined in source order.

Pure text. What "fits" is decided by a passed-in counter of the piece (for model prompts: the
tokens of the whole prompt the piece would make; for the translation memory: characters), so
one cut serves both. A word that does not fit on its own cannot be cut at a word boundary: it is
truncated to its longest head that fits, and the cut says so (the caller logs it, naming the row).
Standard library only: the Kaggle notebook inlines this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Cut:
    """The pieces of one source, in order, and the words truncated to fit (empty: none)."""

    pieces: list[str]
    truncated_words: list[str]


def _longest_fitting(limit: int, fits: Callable[[int], bool], guess: int) -> int:
    """The largest ``n`` in [0, limit] with ``fits(n)`` (``fits(0)`` is taken as true; larger
    ``n`` never fit better). Searches outwards from ``guess`` in doubling steps, then bisects:
    when pieces are about the same size each costs two probes, not a pass over the rest."""
    guess = max(1, min(guess, limit))
    lo, hi = 0, limit + 1  # fits(lo), not fits(hi)
    step = 1
    if fits(guess):
        lo = guess
        while lo + step < hi:
            if not fits(lo + step):
                hi = lo + step
                break
            lo, step = lo + step, step * 2
    else:
        hi = guess
        while hi - step > 0:
            if fits(hi - step):
                lo = hi - step
                break
            hi, step = hi - step, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


def cut_to_fit(text: str, count: Callable[[str], int], max_count: int) -> Cut:
    """Cut ``text`` into consecutive pieces with ``count(piece) <= max_count``, at whitespace.

    Each piece is a slice of ``text`` holding as many whole words as fit; a text that fits comes
    back as its only piece, and there is always at least one piece. Raises ValueError when not
    even an empty piece fits (the fixed part of the prompt is over the budget by itself): then
    no cut can help.
    """
    if count(text) <= max_count:
        return Cut([text], [])
    if count("") > max_count:
        raise ValueError(
            f"the prompt without a source already has {count('')} tokens, over the budget of "
            f"{max_count}: raise the budget"
        )
    spans = [m.span() for m in _WORD.finditer(text)]
    pieces: list[str] = []
    truncated: list[str] = []
    start, guess = 0, 1
    while start < len(spans):
        first = spans[start][0]

        def fits(n: int, first: int = first, start: int = start) -> bool:
            return count(text[first : spans[start + n - 1][1]]) <= max_count

        n = _longest_fitting(len(spans) - start, fits, guess)
        if n == 0:  # one word alone is over the budget: keep the head that fits
            word = text[slice(*spans[start])]
            keep = _longest_fitting(len(word), lambda k, w=word: count(w[:k]) <= max_count, 64)
            if keep:
                pieces.append(word[:keep])
            truncated.append(word)
            start += 1
            continue
        pieces.append(text[first : spans[start + n - 1][1]])
        start, guess = start + n, n
    return Cut(pieces or [""], truncated)  # a row always keeps a record (and a prediction)


def join_pieces(ids: Sequence[str], texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Consecutive records with one id are the pieces of one source: one row per id, the
    pieces' translations joined by a space in order."""
    out_ids: list[str] = []
    out_texts: list[list[str]] = []
    for seg_id, text in zip(ids, texts, strict=True):
        if out_ids and out_ids[-1] == seg_id:
            out_texts[-1].append(text)
        else:
            out_ids.append(seg_id)
            out_texts.append([text])
    return out_ids, [" ".join(t for t in parts if t) for parts in out_texts]
