"""Name skeletons and name-slot filling for the translation memory."""

from __future__ import annotations

import pandas as pd

from deep_past.corpus.names import (
    NameSpeller,
    english_spelling,
    fill_name_slots,
    fill_placeholders,
    mask_as_query,
    mask_names,
    mask_target,
    skeleton,
)
from deep_past.retrieval.memory import MemoryConfig, TranslationMemory

LEXICON = pd.DataFrame(
    {
        "form": ["en-na-nim", "šu-a-nim", "a-šùr-i-dí", "pu-zur₄-a-na", "a-na", "kà-ni-iš"],
        "norm": ["Ennānim", "Šu-Anim", "Aššur-idī", "Puzur-Ana", "ana", "Kaneš"],
        "lexeme": ["Ennānum", "Šu-Anum", "Aššur-idī", "Puzur-Ana", "ana", "Kaneš"],
        "type": ["PN", "PN", "PN", "PN", "word", "GN"],
        "gloss": ["", "", "", "", "to", ""],
    }
)
PROPER_NOUNS = pd.DataFrame(
    {
        "form": ["en-na-nim", "šu-a-nim"],
        "norm": ["Ennānim", "Šu-Anim"],
        "type": ["PN", "PN"],
        "english": ["Ennānum", "Šu-Anum"],
        "count": [12, 7],
    }
)


def speller() -> NameSpeller:
    return NameSpeller.from_tables(PROPER_NOUNS, LEXICON)


def test_training_spelling_wins_over_the_lexicon_norm() -> None:
    names = speller()
    assert names.english("en-na-nim") == "Ennānum"  # proper-noun table
    assert names.english("a-šùr-i-dí") == "Aššur-idī"  # lexicon norm, never spelled in training
    assert names.english("a-na") is None  # an ordinary word
    assert names.english("qí-bi-ma") is None


def test_loose_keys_find_other_sign_indices_but_never_shadow_words() -> None:
    names = speller()
    assert names.english("en-na-nim₂") == "Ennānum"  # index digit ignored
    assert names.english("á-na") is None  # loose key of the word a-na, not of a name


def test_skeleton_replaces_every_name_by_a_placeholder_of_its_type() -> None:
    text = "IGI en-na-nim DUMU šu-a-nim a-na kà-ni-iš"
    assert skeleton(text, speller()) == "IGI §PN DUMU §PN a-na §GN"


def test_lexicon_norms_lose_optional_letters_and_the_enclitic() -> None:
    assert english_spelling("Nab(i)-Suen", "Nabi-Suen") == "Nab-Suen"
    assert english_spelling("Iddin-abumma", "Iddin-abu") == "Iddin-abum"
    assert english_spelling("Al-abum-ma", "Ali-abu") == "Al-abum"
    assert english_spelling("Elamma", "Elamma") == "Elamma"  # -ma of the name itself


def test_slots_are_filled_with_the_query_names() -> None:
    out = fill_name_slots(
        "IGI a-šùr-i-dí DUMU pu-zur₄-a-na",
        "IGI en-na-nim DUMU šu-a-nim",
        "Witnessed by Ennānum son of Šu-Anum.",
        speller(),
    )
    assert out == "Witnessed by Aššur-idī son of Puzur-Ana."


def test_swapped_names_are_not_rewritten_twice() -> None:
    out = fill_name_slots(
        "IGI šu-a-nim DUMU en-na-nim",
        "IGI en-na-nim DUMU šu-a-nim",
        "Witnessed by Ennānum son of Šu-Anum.",
        speller(),
    )
    assert out == "Witnessed by Šu-Anum son of Ennānum."


def test_a_place_slot_never_takes_a_person() -> None:
    target = "Šu-Anum went to Kaneš."
    out = fill_name_slots("šu-a-nim a-na en-na-nim", "šu-a-nim a-na kà-ni-iš", target, speller())
    assert out == target


def test_a_name_missing_from_the_target_leaves_it_unchanged() -> None:
    target = "Witnessed by the colony."
    out = fill_name_slots("IGI a-šùr-i-dí", "IGI en-na-nim", target, speller())
    assert out == target


def test_memory_matches_the_template_and_fills_its_names() -> None:
    pairs = pd.DataFrame(
        {
            "oare_id": ["d1", "d2"],
            "source": ["IGI en-na-nim DUMU šu-a-nim", "a-šùr-i-dí a-na kà-ni-iš i-li-ik"],
            "target": ["Witnessed by Ennānum son of Šu-Anum.", "Aššur-idī went to Kaneš."],
            "kind": ["sentence_dp", "sentence_dp"],
        }
    )
    config = MemoryConfig(conventions=False, repair=False, exact=False)
    query = "IGI a-šùr-i-dí DUMU pu-zur₄-a-na"
    with_names = TranslationMemory.from_pairs(pairs, config, names=speller())
    assert with_names.translate_one(query) == "Witnessed by Aššur-idī son of Puzur-Ana."
    # Without the speller the shared name wins over the shared template.
    plain = TranslationMemory.from_pairs(pairs, config)
    assert plain.translate_one(query) == "Aššur-idī went to Kaneš."


def test_names_become_numbered_placeholders_and_come_back() -> None:
    source = "IGI en-na-nim DUMU šu-a-nim a-na kà-ni-iš IGI en-na-nim₂"
    masked, slots = mask_names(source, speller())
    # Two spellings of one person share a placeholder; a place has its own numbering.
    assert masked == "IGI PN1 DUMU PN2 a-na GN1 IGI PN1"
    assert slots == {"PN1": "Ennānum", "PN2": "Šu-Anum", "GN1": "Kaneš"}
    target = "Witnessed by Ennanum, son of Šu-Anum's brother, to Kaneš; by Ennānum."
    masked_target = mask_target(target, slots)
    # Fuzzy and diacritic-insensitive; the possessive stays outside the placeholder.
    assert masked_target == "Witnessed by PN1, son of PN2's brother, to GN1; by PN1."
    assert fill_placeholders(masked_target, slots) == (
        "Witnessed by Ennānum, son of Šu-Anum's brother, to Kaneš; by Ennānum."
    )


def test_a_placeholder_the_source_lacks_is_dropped() -> None:
    assert fill_placeholders("PN1 paid PN7.", {"PN1": "Ennānum"}) == "Ennānum paid."
    assert fill_placeholders("no names here", {}) == "no names here"


def test_names_missing_from_the_translation_stay_as_written() -> None:
    assert mask_target("He paid.", {"PN1": "Ennānum"}) == "He paid."
    assert mask_target("Puzur-Ana paid.", {"PN1": "Ennānum"}) == "Puzur-Ana paid."


def test_a_match_takes_the_placeholders_of_the_names_it_stands_for() -> None:
    """A memory match shown beside a masked query: its names that fill the query's slots (or
    are the query's names) get the query's placeholders, so PN1 is one person everywhere; a
    name with no counterpart stays as written."""
    query = "IGI a-šùr-i-dí DUMU en-na-nim"
    masked, slots = mask_names(query, speller())
    assert masked == "IGI PN1 DUMU PN2"
    match = "IGI šu-a-nim DUMU en-na-nim a-na pu-zur₄-a-na"
    assert mask_as_query(match, query, slots, speller()) == "IGI PN1 DUMU PN2 a-na pu-zur₄-a-na"
