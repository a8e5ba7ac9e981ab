import pytest

from deep_past.prompts import PROMPTS, SYSTEM_PROMPT, PromptInput, build_messages, get_variant


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
