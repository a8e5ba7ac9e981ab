"""Over-long sources: cut at word boundaries into pieces that fit, translations joined in order."""

from __future__ import annotations

import pytest

from deep_past.text.long_sources import cut_to_fit, join_pieces

DEMO_WORDS = "a-na a-šur-i-dí qí-bi-ma um-ma en-nam-a-šur-ma 17 GÍN KÙ.BABBAR ší-im <gap>".split()


def prompt_tokens(text: str) -> int:
    """A stand-in tokenizer for a whole prompt: 20 tokens of instructions, then about one token
    per 3 characters of source (what a BPE does to transliterations, roughly)."""
    return 20 + (len(text) + 2) // 3


def long_source(n_words: int) -> str:
    return " ".join(DEMO_WORDS[i % len(DEMO_WORDS)] for i in range(n_words))


def test_a_source_that_fits_is_its_only_piece() -> None:
    cut = cut_to_fit("a-na a-šur", prompt_tokens, 100)
    assert cut.pieces == ["a-na a-šur"] and cut.truncated_words == []


def test_long_source_is_cut_at_word_boundaries_into_maximal_pieces_that_fit() -> None:
    text = long_source(2000)
    cut = cut_to_fit(text, prompt_tokens, 120)
    assert len(cut.pieces) > 10 and cut.truncated_words == []
    assert " ".join(cut.pieces) == text  # nothing dropped, nothing reordered, words whole
    assert all(prompt_tokens(p) <= 120 for p in cut.pieces)
    # Greedy and maximal: each piece plus the next piece's first word would be over the budget.
    for piece, following in zip(cut.pieces, cut.pieces[1:], strict=False):
        assert prompt_tokens(f"{piece} {following.split()[0]}") > 120


def test_a_100_kb_row_costs_a_bounded_number_of_counted_characters() -> None:
    """Galloping from the last piece's size: the counter never sees much more than a few times
    the text, however long, so a 100 KB row costs what a few prompts do."""
    text = long_source(12_000)
    assert len(text.encode()) > 100_000
    seen = []

    def counting(piece: str) -> int:
        seen.append(len(piece))
        return prompt_tokens(piece)

    cut = cut_to_fit(text, counting, 768)
    assert " ".join(cut.pieces) == text
    assert sum(seen) < 5 * len(text) and len(seen) < 4 * len(cut.pieces)


def test_a_word_that_fits_no_prompt_is_truncated_and_reported() -> None:
    giant = "x" * 1000
    cut = cut_to_fit(f"a-na {giant} um-ma", prompt_tokens, 60)
    assert cut.truncated_words == [giant]
    assert cut.pieces[0] == "a-na" and cut.pieces[-1] == "um-ma"
    head = cut.pieces[1]
    assert giant.startswith(head) and prompt_tokens(head) <= 60 < prompt_tokens(head + "x")


def test_a_budget_below_the_fixed_prompt_cannot_be_met() -> None:
    with pytest.raises(ValueError, match="without a source already has 20 tokens"):
        cut_to_fit(long_source(50), prompt_tokens, 19)


def test_pieces_of_one_id_are_joined_in_order() -> None:
    ids, texts = join_pieces(["a", "b", "b", "b", "c"], ["one", "two", "", "three", "four"])
    assert ids == ["a", "b", "c"]
    assert texts == ["one", "two three", "four"]  # an empty piece adds no double space
