"""Prompts within the token budget: the registry's fit_to_budget trims hints and shots, and
prompting.fit cuts a source too long for one prompt into pieces."""

from __future__ import annotations

import pandas as pd
import pytest

from deep_past.prompting.fit import cut_long_segments
from deep_past.prompting.registry import PromptInput, build_messages, fit_to_budget, get_variant


def words(messages) -> int:
    """A token counter that needs no tokenizer: whitespace words of all turns."""
    return sum(len(m["content"].split()) for m in messages)


def rich_item() -> PromptInput:
    return PromptInput(
        source="a-na a-šùr-i-mì-tí qí-bi-ma",
        context=("um-ma x-ma", "one two three"),
        lexicon_hint='a-na=ana "to"; qí-bi-ma=qabā\'u "say"; KÙ.BABBAR=kaspum "silver"',
        name_hint="a-šùr-i-mì-tí=Aššur-imittī",
        shots=[("a b c d e f", "g h i j k l")] * 4,
    )


def test_prompt_within_budget_is_untouched():
    item = rich_item()
    fitted, n, cut = fit_to_budget("all", item, words, 10_000)
    assert not cut and n == words(build_messages("all", item))
    assert build_messages("all", fitted) == build_messages("all", item)


@pytest.mark.parametrize("budget", [80, 60, 45, 30, 25])
def test_budget_trims_hints_never_the_source(budget):
    fitted, n, cut = fit_to_budget("all", rich_item(), words, budget)
    text = build_messages("all", fitted)[1]["content"]
    assert cut and text.endswith("Translate:\na-na a-šùr-i-mì-tí qí-bi-ma")
    only_source = words(build_messages("all", PromptInput(rich_item().source)))
    assert n == words(build_messages("all", fitted))
    assert n <= budget or n == only_source


def test_budget_drops_extra_shots_before_hints():
    item = rich_item()
    full = words(build_messages("all", item))
    fitted, _, _ = fit_to_budget("all", item, words, full - 1)
    assert len(fitted.shots) == 3 and fitted.lexicon_hint == item.lexicon_hint


def test_budget_only_counts_what_the_variant_shows():
    fitted, n, cut = fit_to_budget("plain", rich_item(), words, 10_000)
    assert not cut and fitted.shots == () and fitted.lexicon_hint == ""
    assert n == words(build_messages("plain", PromptInput(rich_item().source)))


def test_source_alone_over_budget_comes_back_whole():
    item = PromptInput("a b c d e f g h")
    fitted, n, cut = fit_to_budget("plain", item, words, 1)
    assert fitted.source == item.source and not cut and n > 1


def test_long_segments_become_pieces_logged_with_their_row(caplog):
    plain = get_variant("plain")
    fixed = words(build_messages(plain, PromptInput("")))
    segments = pd.DataFrame(
        {"id": ["s0", "s1"], "text_id": "t", "source": ["a-na", " ".join(["KÙ"] * 50)]}
    )
    with caplog.at_level("WARNING"):
        cut, stats = cut_long_segments(segments, plain, words, fixed + 20, "test.csv")
    assert cut["id"].tolist() == ["s0", "s1", "s1", "s1"]  # 50 words in pieces of 20, 20, 10
    assert cut["source"].str.split().str.len().tolist() == [1, 20, 20, 10]
    assert stats == {"cut_segments": 1, "truncated_segments": 0}
    assert "test.csv row 2 (id s1)" in caplog.text and "3 pieces" in caplog.text
    with pytest.raises(ValueError, match="data.prompt_max_tokens"):
        cut_long_segments(segments, plain, words, fixed - 1, "test.csv")
