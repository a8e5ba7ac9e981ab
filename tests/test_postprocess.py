"""postprocess: model generations built around real DEV reference sentences."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from deep_past.text.postprocess import (
    FALLBACK,
    collapse_repeated_ngrams,
    drop_repeated_sentences,
    postprocess,
)

REF = "Itūr-ilī has received one textile of ordinary quality."  # train.csv


def _cases(*pairs: tuple[str, str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("raw", "expected"), pairs)


@_cases(
    (f"<think>\nThe seller is Itūr-ilī.\n</think>\n\n{REF}", REF),
    (f"<think>\n\n</think>\n\n{REF}", REF),  # Qwen3 with thinking switched off
    (f"I should translate KIŠIB first.</think> {REF}", REF),  # opening tag in the prompt
    (f"{REF} <think>wait, maybe", REF),  # unclosed block at the end
    ("<think>The first sign is KIŠIB, so", FALLBACK),  # only reasoning: nothing left
)
def test_reasoning_stripped(raw: str, expected: str) -> None:
    assert postprocess(raw) == expected


@_cases(
    (f"<|im_start|>assistant\n{REF}<|im_end|>", REF),
    (f"assistant\n{REF}", REF),
    (f"Assistant: {REF}", REF),
    (f"{REF}<|im_end|>\n<|im_start|>user\nTranslate: a-na", REF),  # a hallucinated next turn
    (f"{REF}<|endoftext|>", REF),
    ("The assistant of Aššur-idī came.", "The assistant of Aššur-idī came."),  # not leading
)
def test_chat_artefacts_stripped(raw: str, expected: str) -> None:
    assert postprocess(raw) == expected


@_cases(
    (
        "Seal of Aššur-idī, seal of seal of seal of seal of Šu-Suen.",
        "Seal of Aššur-idī, seal of Šu-Suen.",
    ),  # noqa: E501
    ("5 minas of silver silver silver silver", "5 minas of silver"),
    ("or or or what is right for you", "or what is right for you"),  # train.csv has "or or or"
    ("very very good", "very very good"),  # twice is not a loop
)
def test_repeated_ngrams(raw: str, expected: str) -> None:
    assert postprocess(raw) == expected


@_cases(
    (f"{REF} {REF} He will pay.", f"{REF} He will pay."),
    (f"{REF} He will pay. {REF}", f"{REF} He will pay. {REF}"),  # not consecutive: kept
)
def test_repeated_sentences(raw: str, expected: str) -> None:
    assert postprocess(raw) == expected


def test_loop_helpers() -> None:
    assert collapse_repeated_ngrams("a a a b a a a b a a a b".split()) == ["a", "b"]
    assert collapse_repeated_ngrams([]) == []
    assert drop_repeated_sentences("A. A. B.") == "A. B."


def test_a_whole_tablets_translation_keeps_its_content_and_its_loops_go() -> None:
    """The joined translations of a long row: loops of up to 100 words collapse anywhere in it,
    the rest is left alone (the search is bounded by the loop length, not the text's)."""
    words = [f"w{i}" for i in range(3000)]  # distinct words: nothing to collapse
    assert collapse_repeated_ngrams(words) == words
    phrase = [f"p{i}" for i in range(100)]
    looped = words[:2000] + phrase * 3 + words[2000:]
    assert collapse_repeated_ngrams(looped) == words[:2000] + phrase + words[2000:]
    longer = [f"q{i}" for i in range(101)] * 3  # longer than any loop looked for: kept
    assert collapse_repeated_ngrams(longer) == longer


@_cases(
    ("He owes 1.5 minas (fem.) in month VI.", "He owes 1 ½ minas in month 6."),
    ("", FALLBACK),
    ("  \n ", FALLBACK),
    ("<|im_end|>", FALLBACK),
)
def test_normalised_and_never_empty(raw: str, expected: str) -> None:
    assert postprocess(raw) == expected


def test_idempotent_and_non_empty_on_demo_references(demo_dir: Path) -> None:
    with open(demo_dir / "references.csv", encoding="utf-8", newline="") as fh:
        refs = [r["translation"] for r in csv.DictReader(fh)]
    assert refs
    for ref in refs:
        once = postprocess(ref)
        assert once
        assert postprocess(once) == once
