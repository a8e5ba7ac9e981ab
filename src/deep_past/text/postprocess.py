"""Clean a model generation into a submission-ready English translation.

Order: drop reasoning (``<think>`` blocks, closed or not) and chat-template artefacts, collapse
the loops LLMs fall into (a phrase repeated 3+ times, a sentence said twice in a row), normalise
whitespace, then apply the target conventions of :mod:`deep_past.text.translation`.

The result is never empty: an empty answer scores 0 for its row, so a generation with nothing left
becomes ``FALLBACK`` (a single ``<gap>``), the token the references use for a lost passage.

Standard library only: this module is inlined into the offline Kaggle notebook.
"""

from __future__ import annotations

import re

from deep_past.text.translation import normalize_translation

FALLBACK = "<gap>"

# Everything up to a closing </think> (with or without its opening tag), then an unclosed block.
_THINK_CLOSED = re.compile(r"(?s)^.*</think>")
_THINK_OPEN = re.compile(r"(?s)<think>.*$")
# The end of the assistant's turn: whatever follows is a new (hallucinated) turn, not the answer.
_END_OF_TURN = re.compile(r"(?s)<\|(?:im_end|endoftext|eot_id|end_of_text)\|>.*$")
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z_]{1,30}\|>")
_LEADING_ROLE = re.compile(r"^\s*(?:assistant|Assistant)\b\s*:?\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_MIN_REPEATS = 3
# Longest looping phrase looked for, in words. A loop is a phrase; without a bound the search is
# quadratic in the text (a whole tablet's joined translation: minutes). Outputs under 3 x this
# many words are searched in full; longer repeated sentences go to drop_repeated_sentences.
_MAX_LOOP_WORDS = 100


def strip_reasoning(text: str) -> str:
    """Drop a ``<think>…</think>`` block (or an unclosed ``<think>…``) and what precedes it."""
    text = _THINK_CLOSED.sub("", text)
    return _THINK_OPEN.sub("", text)


def strip_chat_artefacts(text: str) -> str:
    """Drop special tokens, anything after an end-of-turn token and a leading role name."""
    text = _END_OF_TURN.sub("", text)
    text = _SPECIAL_TOKEN.sub(" ", text)
    return _LEADING_ROLE.sub("", text)


def collapse_repeated_ngrams(
    tokens: list[str], min_repeats: int = _MIN_REPEATS, max_n: int = _MAX_LOOP_WORDS
) -> list[str]:
    """Replace any run of ``min_repeats``+ back-to-back copies of an n-gram (n <= ``max_n``) by
    one copy.

    Shorter n-grams first, so "a a a b a a a b a a a b" becomes "a b" (first "a a a" -> "a" in
    every copy, then "a b" x3 -> "a b").
    """
    changed = True
    while changed:
        changed = False
        for n in range(1, min(len(tokens) // min_repeats, max_n) + 1):
            out: list[str] = []
            i = 0
            while i < len(tokens):
                copies = 1
                # Cheap first-token test before comparing whole slices keeps this near-linear.
                while (
                    i + (copies + 1) * n <= len(tokens)
                    and tokens[i + copies * n] == tokens[i]
                    and tokens[i + copies * n : i + (copies + 1) * n] == tokens[i : i + n]
                ):
                    copies += 1
                if copies >= min_repeats:
                    out.extend(tokens[i : i + n])
                    i += copies * n
                    changed = True
                else:
                    out.append(tokens[i])
                    i += 1
            tokens = out
    return tokens


def drop_repeated_sentences(text: str) -> str:
    """Keep one copy of a sentence that is immediately repeated ("A. A. B." -> "A. B.")."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not kept or sentence != kept[-1]:
            kept.append(sentence)
    return " ".join(kept)


def postprocess(text: str) -> str:
    """Turn a raw generation into a normalised, non-empty translation."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}: {text!r}")
    text = strip_chat_artefacts(strip_reasoning(text))
    text = " ".join(collapse_repeated_ngrams(text.split()))
    text = drop_repeated_sentences(text)
    text = normalize_translation(text)
    return text if text else FALLBACK
