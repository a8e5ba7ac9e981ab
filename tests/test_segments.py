import pandas as pd
import pytest

from deep_past.corpus.segments import (
    competition_segments,
    document_pairs,
    split_pairs,
    training_segments,
    validation_documents,
    validation_segments,
)
from deep_past.prompting.records import prompt_inputs, sft_records
from deep_past.prompting.registry import get_variant


@pytest.fixture
def train(demo_dir):
    return pd.read_csv(demo_dir / "train.csv", dtype=str, keep_default_na=False)


def test_validation_documents_deterministic_and_seeded(train):
    ids = train["oare_id"].tolist()
    a = validation_documents(ids, 0.1, seed=0)
    assert a == validation_documents(list(reversed(ids)), 0.1, seed=0)
    assert len(a) == 10
    assert a != validation_documents(ids, 0.1, seed=1)


def test_validation_never_empty_nor_everything():
    assert len(validation_documents(["a", "b"], 0.01, 0)) == 1
    assert len(validation_documents(["a", "b"], 0.9, 0)) == 1
    assert validation_documents(["a", "b"], 0.0, 0) == set()


def test_split_keeps_documents_whole(train):
    pairs = document_pairs(train)
    sentences = pairs.assign(kind="sentence_file", position=1)
    both = split_pairs(pd.concat([pairs, sentences]), 0.2, seed=3)
    assert both.groupby("oare_id")["split"].nunique().max() == 1


def test_validation_segments_prefer_sentences(train):
    docs = document_pairs(train.head(3)).assign(split="val")
    sent = docs.head(1).assign(kind="sentence_file", source="s", target="t", position=0)
    segments = validation_segments(pd.concat([docs, sent]))
    first = train["oare_id"].iloc[0]
    assert segments[segments.text_id == first]["source"].tolist() == ["s"]
    assert len(segments) == 3


def test_context_comes_from_the_same_document():
    segs = pd.DataFrame(
        {"id": ["1", "2", "3"], "text_id": ["A", "B", "A"], "source": ["a1", "b1", "a2"]}
    )
    inputs = prompt_inputs(segs, get_variant("doc_context"))
    assert [i.context for i in inputs] == [(), (), ("a1",)]


def test_missing_hint_source_fails():
    segs = pd.DataFrame({"id": ["1"], "text_id": ["A"], "source": ["a"]})
    with pytest.raises(ValueError, match="lexicon"):
        prompt_inputs(segs, get_variant("lexicon"))


def test_sft_records_are_prompt_completion(train):
    pairs = split_pairs(document_pairs(train), 0.1, 0)
    segs = training_segments(pairs)
    records = sft_records(segs, prompt_inputs(segs, get_variant("plain")), "plain")
    assert len(records) == 90
    assert records[0]["prompt"][-1]["role"] == "user"
    assert records[0]["completion"] == [{"role": "assistant", "content": segs["reference"].iloc[0]}]


def test_test_segments_attach_references(demo_dir):
    test = pd.read_csv(demo_dir / "test.csv", dtype=str, keep_default_na=False)
    refs = pd.read_csv(demo_dir / "references.csv", dtype=str, keep_default_na=False)
    segs = competition_segments(test, refs.iloc[::-1])
    assert segs["reference"].tolist() == refs["translation"].tolist()
    with pytest.raises(ValueError, match="lack ids"):
        competition_segments(test, refs.head(3))
