"""Alignment B on the demo data: coverage, statistics, hand-checked sentence-file pairs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from deep_past.corpus.align.corpus import KINDS, align_documents, alignment_stats
from deep_past.corpus.align.cuts import boundary_prior, dp_cuts, proportional_cuts
from deep_past.corpus.align.model1 import fit_alignment_model, train_model1
from deep_past.corpus.align.tokens import split_sentences


@pytest.fixture(scope="module")
def train(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "train.csv")


@pytest.fixture(scope="module")
def pairs(train: pd.DataFrame, demo_dir: Path) -> pd.DataFrame:
    sentences = pd.read_csv(demo_dir / "Sentences_Oare_FirstWord_LinNum.csv")
    return align_documents(train, sentences)


def test_split_sentences_keeps_text_and_abbreviations() -> None:
    text = "Seal of Aššur s. Ilī. To Ali-ahum from Puzur-Aššur: 1.5 minas. Witnessed by Kula."
    pieces = split_sentences(text)
    assert pieces == [
        "Seal of Aššur s. Ilī.",
        "To Ali-ahum from Puzur-Aššur:",
        "1.5 minas.",
        "Witnessed by Kula.",
    ]
    assert " ".join(pieces) == text


def test_proportional_cuts_are_monotone_and_non_empty() -> None:
    assert proportional_cuts(10, [1, 1]) == [0, 5, 10]
    bounds = proportional_cuts(5, [100, 1, 1, 1])
    assert bounds[0] == 0 and bounds[-1] == 5
    assert all(b > a for a, b in zip(bounds, bounds[1:], strict=False))


def test_model1_learns_cooccurring_words() -> None:
    pairs = [(["KÙ.BABBAR", "ma-na"], ["silver", "mina"]), (["KÙ.BABBAR"], ["silver"])] * 3
    table = train_model1(pairs)
    best = table.best_translation("KÙ.BABBAR")
    assert best is not None and best[0] == "silver"


def test_clause_cues_favour_cuts_before_um_ma_and_forbid_them_after_a_na() -> None:
    tokens = "a-na a-šur-i-dí qí-bi-ma um-ma en-na-nim-ma".split()
    prior = boundary_prior(tokens, weight=3.0)
    assert prior.tolist() == [0.0, -3.0, 0.0, 3.0, -3.0, 0.0]  # positions 0..T, never at the ends


def test_a_truncated_source_leaves_the_english_it_cannot_cover_unaligned() -> None:
    sentence = ("5 ma-na KÙ.BABBAR a-na a-šur-i-dí", "Give 5 minas of silver to Aššur-idī.")
    model = fit_alignment_model([sentence] * 4)
    tokens = (sentence[0] + " " + sentence[0]).split()  # the tablet's source: two sentences
    units = [sentence[1]] * 6  # its translation: six (the source of four was cut off)
    bounds, n_aligned, _ = dp_cuts(model, tokens, units, truncated=True)
    assert n_aligned == 2 and bounds == [0, 5, 10]
    bounds, n_aligned, _ = dp_cuts(model, tokens, units, truncated=False)
    assert n_aligned == 6 and bounds[-1] == 10  # a complete source must take every unit


@pytest.mark.parametrize("kind", ["sentence_file", "sentence_dp"])
def test_segments_cover_each_document_monotonically(
    pairs: pd.DataFrame, train: pd.DataFrame, kind: str
) -> None:
    docs = train.set_index("oare_id")
    for oid, group in pairs[pairs["kind"] == kind].groupby("oare_id"):
        group = group.sort_values("segment")
        tokens = docs.at[oid, "transliteration"].split()
        starts, ends = group["word_start"].tolist(), group["word_end"].tolist()
        assert starts[0] == 0
        assert all(s < e for s, e in zip(starts, ends, strict=True))
        assert starts[1:] == ends[:-1]  # contiguous: no gap, no overlap
        # The source pieces rejoin to the (covered prefix of the) transliteration.
        assert " ".join(group["source"]) == " ".join(tokens[: ends[-1]])
        if kind == "sentence_file":
            assert ends[-1] == len(tokens)
            # Sentence-file targets cover the whole translation in order.
            assert " ".join(group["target"]) == " ".join(docs.at[oid, "translation"].split())


def test_stats_add_up(pairs: pd.DataFrame, train: pd.DataFrame) -> None:
    stats = alignment_stats(pairs)
    assert stats["documents"] == len(train) == stats["documents_dp"]
    per_kind = stats["pairs_per_kind"]
    assert set(per_kind) == set(KINDS)
    assert sum(per_kind.values()) == len(pairs)
    assert per_kind["sentence_file"] == stats["sentences_sentence_file"]
    with_rows = stats["documents_sentence_file"] + sum(stats["sentence_file_rejections"].values())
    docs_with_rows = (pairs[pairs["kind"] == "document"]["note"] != "no sentence rows").sum()
    assert with_rows == docs_with_rows
    # Windows: one fewer than the sentences of the segmentation they are built from.
    sentence_kinds = pairs[pairs["kind"].isin(["sentence_file", "sentence_dp"])]
    assert per_kind["window"] <= len(sentence_kinds)


def _file_pairs(pairs: pd.DataFrame, prefix: str) -> list[tuple[str, str]]:
    rows = pairs[(pairs["kind"] == "sentence_file") & pairs["oare_id"].str.startswith(prefix)]
    return list(zip(rows["source"], rows["target"], strict=True))


def test_sentence_file_pairs_match_hand_checked_examples(pairs: pd.DataFrame) -> None:
    assert _file_pairs(pairs, "4075988b") == [
        (
            "a-na a-ta-ta DUMU ma-num-ba-lúm-a-šùr ù kà-nu-tim DUMU.MÍ en-na-sú-in",
            "To Atata, son of Mannum-balum-Assur, and Kannutum, daughter of Ennam-Suen.",
        ),
        ("KIŠIB a-na-aḫ-ì-lí DUMU DU₁₀-ṣí-lá-a-šùr", "Seal of Anah-ili, son of Tab-silli-Assur"),
    ]
    verdict = _file_pairs(pairs, "a9836a99")
    assert verdict[0] == ("KIŠIB kà-ri-im ḫa-ḫi-im", "Sealed by the hahhum colony.")
    assert verdict[1] == ("kà-ru-um dí-nam i-dí-in-ma", "The colony passed a verdict:")
    assert verdict[-1] == ("a-ba pá-šé-er a-wa-tim", "Aba was the arbitrator.")
    seals = _file_pairs(pairs, "583bdccb")
    assert seals[0][0].startswith("KIŠIB ú-ra-a") and seals[0][0].endswith("DUMU ib-ki-im")
    assert seals[1][0].startswith("a-na a-wa-tim a-ni-a-tim kà-ru-um")


def test_deterministic(train: pd.DataFrame, demo_dir: Path) -> None:
    sentences = pd.read_csv(demo_dir / "Sentences_Oare_FirstWord_LinNum.csv")
    first = align_documents(train.head(30), sentences)
    second = align_documents(train.head(30), sentences)
    pd.testing.assert_frame_equal(first, second)


def test_alignment_options_differ_as_named(demo_dir: Path) -> None:
    from deep_past.corpus.align.strategy import aligned_pairs
    from deep_past.io import SENTENCES, TRAIN, read_table

    train = read_table(demo_dir / "train.csv", TRAIN).head(30)
    sentences = read_table(demo_dir / "Sentences_Oare_FirstWord_LinNum.csv", SENTENCES)
    kinds = {
        name: set(aligned_pairs(train, sentences, name)["kind"])
        for name in ("auto", "sentence_file", "dp", "proportional")
    }
    assert "sentence_dp" in kinds["auto"] and "sentence_dp" not in kinds["sentence_file"]
    assert "sentence_file" not in kinds["dp"] and "sentence_file" not in kinds["proportional"]
    with pytest.raises(ValueError, match="alignment"):
        aligned_pairs(train, sentences, "fancy")


def test_sentence_rows_read_as_strings_align_like_numbers() -> None:
    """read_table gives strings: sentence order must still be numeric ("10" after "9")."""
    from deep_past.corpus.align.sentence_file import sentence_file_units

    tokens = [f"w{i}" for i in range(12)]
    translation = " ".join(f"Sentence number {i} is here." for i in range(11))
    rows = pd.DataFrame(
        {
            "sentence_obj_in_text": [str(i) for i in range(11)],
            "translation": [f"Sentence number {i} is here." for i in range(11)],
            "first_word_number": [str(i + 1) for i in range(11)],
            "first_word_spelling": [f"w{i}" for i in range(11)],
        }
    ).sort_values("sentence_obj_in_text")  # text order: 0, 1, 10, 2, ...
    result = sentence_file_units(tokens, translation, rows)
    assert not isinstance(result, str), result
    units, allowed, _ = result
    assert units[10] == "Sentence number 10 is here." and allowed[-1] == (10, 10)


def test_each_word_table_names_its_own_words() -> None:
    """Tables built and dropped in turn: a freed table's memory (and ids) may be reused, and
    each new table must still translate into its own vocabulary."""
    for i in range(20):
        table = train_model1([(["x"], [f"word{i}"])])
        assert table.best_translation("x") == (f"word{i}", 1.0)
