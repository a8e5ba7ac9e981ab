import pytest

from deep_past.prompting.registry import (
    PROMPTS,
    SYSTEM_PROMPT,
    PromptInput,
    build_messages,
    get_variant,
)


def test_plain_shows_only_the_source():
    item = PromptInput("a-na a-šùr qí-bi-ma", context=("um-ma",), lexicon_hint="a-na=ana")
    messages = build_messages("plain", item)
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert messages[1]["content"] == "Translate:\na-na a-šùr qí-bi-ma"


def test_all_shows_every_part_in_order():
    item = PromptInput(
        "KIŠIB a-šùr",
        context=("one", "two", "three"),
        lexicon_hint="KIŠIB=kunukkum",
        name_hint="a-šùr=Aššur",
        shots=[("a-na", "to")] * 5,
    )
    text = build_messages("all", item)[1]["content"]
    assert text.count("Example:") == 4
    assert "Preceding lines:\ntwo\nthree" in text and "one" not in text
    assert text.index("Glossary:") < text.index("Names:") < text.index("Translate:")
    assert text.endswith("Translate:\nKIŠIB a-šùr")


def test_features_follow_flags():
    assert PROMPTS["plain"].features == frozenset()
    assert PROMPTS["all"].features == {"context", "lexicon", "names", "shots"}


def test_unknown_variant_lists_known_ones():
    with pytest.raises(KeyError, match="plain"):
        get_variant("fancy")


def test_memory_variants_show_their_matches_above_the_source():
    item = PromptInput(
        "KIŠIB a-šùr",
        matches=[("KIŠIB i-dí", "Seal of Aššur.", 0.83), ("IGI i-dí", "Witnessed by Idī.", 0.41)],
    )
    one = build_messages("memory_k1", item)[1]["content"]
    assert one == "Memory 0.8:\nKIŠIB i-dí\n=> Seal of Aššur.\n\nTranslate:\nKIŠIB a-šùr"
    two = build_messages("memory_k2", item)[1]["content"]
    assert two.count("Memory ") == 2 and two.index("0.8") < two.index("0.4")
    assert PROMPTS["memory_k2"].features == {"matches"}
    assert "Memory" not in build_messages("plain", item)[1]["content"]


def test_the_budget_drops_memory_matches_last():
    from deep_past.prompting.registry import fit_to_budget

    item = PromptInput("a-na a-šùr", shots=[("x", "y")], matches=[("a", "b", 0.5), ("c", "d", 0.4)])

    def count(messages):
        return len(messages[1]["content"])

    fitted, _, cut = fit_to_budget("memory_k2", item, count, 60)
    assert cut and len(fitted.matches) == 1 and not fitted.shots
