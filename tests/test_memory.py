"""Translation memory on the demo data."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from deep_past.corpus.align.corpus import align_documents
from deep_past.corpus.names import NameSpeller
from deep_past.retrieval.memory import MemoryConfig, TranslationMemory


@pytest.fixture(scope="module")
def pairs(demo_dir: Path) -> pd.DataFrame:
    train = pd.read_csv(demo_dir / "train.csv")
    sentences = pd.read_csv(demo_dir / "Sentences_Oare_FirstWord_LinNum.csv")
    return align_documents(train, sentences)


@pytest.fixture(scope="module")
def memory(pairs: pd.DataFrame) -> TranslationMemory:
    return TranslationMemory.from_pairs(pairs)


def test_every_test_row_gets_a_translation(memory: TranslationMemory, demo_dir: Path) -> None:
    test = pd.read_csv(demo_dir / "test.csv")
    out = memory.translate(test)
    assert len(out) == len(test)
    assert all(isinstance(t, str) and t.strip() for t in out)


def test_exact_match_returns_stored_translation(pairs: pd.DataFrame) -> None:
    memory = TranslationMemory.from_pairs(pairs, MemoryConfig(conventions=False))
    row = memory.pairs.iloc[7]
    assert memory.translate_one(row["source"]) in set(
        memory.pairs.loc[memory.pairs["source"] == row["source"], "target"]
    )
    # Extra spaces do not break an exact match.
    assert memory.translate_one("  " + row["source"].replace(" ", "  ")) == memory.translate_one(
        row["source"]
    )


def test_search_excludes_own_document(memory: TranslationMemory) -> None:
    row = memory.pairs.iloc[3]
    hits = memory.search(row["source"], k=5)
    assert hits.loc[0, "oare_id"] == row["oare_id"]
    for exclude in (row["oare_id"], row["oare_id"][:8]):
        hits = memory.search(row["source"], k=5, exclude_doc=exclude)
        assert len(hits) == 5
        assert not hits["oare_id"].str.startswith(row["oare_id"][:8]).any()
        assert list(hits["score"]) == sorted(hits["score"], reverse=True)


def test_translate_excludes_own_document(memory: TranslationMemory) -> None:
    row = memory.pairs.iloc[3]
    own = memory.pairs.loc[memory.pairs["oare_id"] == row["oare_id"], "target"]
    query = pd.DataFrame({"text_id": [row["oare_id"][:8]], "transliteration": [row["source"]]})
    out = memory.translate(query, exclude_own_document=True)[0]
    assert out.strip() and out not in {memory.convert(t) for t in own}


def test_repair_swaps_a_number(pairs: pd.DataFrame) -> None:
    memory = TranslationMemory.from_pairs(pairs, MemoryConfig(conventions=False, exact=False))
    stored = "5 ma-na KÙ.BABBAR a-na a-lá-ḫi-im"
    fake = pd.DataFrame(
        {"oare_id": ["x"], "source": [stored], "target": ["5 minas of silver to Ali-ahum."]}
    )
    small = TranslationMemory.from_pairs(
        fake, MemoryConfig(conventions=False, exact=False), table=memory.table
    )
    assert small.translate_one("7 ma-na KÙ.BABBAR a-na a-lá-ḫi-im") == (
        "7 minas of silver to Ali-ahum."
    )


def test_deterministic(pairs: pd.DataFrame, demo_dir: Path) -> None:
    test = pd.read_csv(demo_dir / "test.csv")
    a = TranslationMemory.from_pairs(pairs).translate(test)
    b = TranslationMemory.from_pairs(pairs).translate(test)
    assert a == b


def test_memory_file_applies_the_configured_options(tmp_path: Path) -> None:
    from deep_past.steps.ensemble import memory_file

    pairs = pd.DataFrame(
        {
            "oare_id": ["d1"],
            "source": ["1.5 ma-na KÙ.BABBAR"],
            "target": ["1.5 minas of silver."],
            "kind": ["sentence_dp"],
            "split": ["train"],
        }
    )
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    pd.DataFrame({"id": ["0"], "source": ["1.5 ma-na KÙ.BABBAR"]}).to_csv(
        tmp_path / "segments.csv", index=False
    )
    outputs = {}
    for name, options in (("default", None), ("raw", {"conventions": False})):
        out = tmp_path / f"{name}.csv"
        memory_file(
            tmp_path / "pairs.csv", tmp_path / "segments.csv", out, options=options, split="test"
        )
        outputs[name] = pd.read_csv(out)["raw"].tolist()
    assert outputs == {"default": ["1 ½ minas of silver."], "raw": ["1.5 minas of silver."]}


def test_candidates_rank_answers_and_the_first_is_the_translation(
    memory: TranslationMemory, demo_dir: Path
) -> None:
    test = pd.read_csv(demo_dir / "test.csv")
    for query in test["transliteration"].head(8):
        found = memory.candidates(query, 3)
        assert len(found) == 3 and found[0][1] == memory.translate_one(query)
        assert len({source for source, _, _ in found}) == 3
        sims = [sim for _, _, sim in found]
        assert all(0.0 <= s <= 1.0 + 1e-9 for s in sims)


def test_candidates_never_come_from_the_excluded_document(memory: TranslationMemory) -> None:
    row = memory.pairs.iloc[3]
    found = memory.candidates(row["source"], 5, exclude_doc=row["oare_id"])
    own = set(memory.pairs.loc[memory.pairs["oare_id"] == row["oare_id"], "source"])
    assert found and not {source for source, _, _ in found} & own


def test_a_whole_tablet_in_one_row_is_answered_piece_by_piece(
    memory: TranslationMemory, demo_dir: Path
) -> None:
    """A 100 KB query (every demo document, then again): the answer covers the row piece by
    piece, in order, instead of one stored sentence (the workflow test bounds its memory)."""
    train = pd.read_csv(demo_dir / "train.csv")
    text = ""
    while len(text.encode()) < 100_000:
        text += " " + " ".join(train["transliteration"])
    answer = memory.translate_one(text.strip())
    most_words = max(len(s.split()) for s in memory.pairs["source"])
    first_piece = " ".join(text.split()[:most_words])
    assert answer.startswith(memory.translate_one(first_piece))
    assert len(answer.split()) > 20 * max(len(t.split()) for t in memory.pairs["target"])


def test_shots_are_the_memory_search_from_the_index_alone(
    pairs: pd.DataFrame, tmp_path: Path, lexicon_tables: Path
) -> None:
    """Few-shot examples are the memory's search results (own document left out), found by
    the index alone: building them trains no word table and imports neither the memory nor
    the aligner."""
    table = tmp_path / "pairs.csv"
    pairs.assign(split="train").to_csv(table, index=False)
    lexicon, proper_nouns = lexicon_tables / "lexicon.csv", lexicon_tables / "proper_nouns.csv"
    names = NameSpeller.from_files(proper_nouns, lexicon)
    memory = TranslationMemory.from_pairs(pairs, MemoryConfig(repair=False), names=names)
    rows = [tuple(r) for r in memory.pairs[["oare_id", "source"]].head(5).values]
    tables = f"memory={str(table)!r}, lexicon={str(lexicon)!r}, proper_nouns={str(proper_nouns)!r}"
    probe = f"""
import sys
from deep_past.prompting.hints import HintTables, hint_functions
from deep_past.prompting.registry import PROMPTS
shots = hint_functions(PROMPTS["fewshot_k4"], HintTables({tables}))["shots"]
for doc, source in {rows!r}:
    print(repr(shots(source, doc + ":1")))
print(sorted(m for m in sys.modules if m.startswith("deep_past.")))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    )
    *lines, modules = done.stdout.splitlines()
    for line, (doc, source) in zip(lines, rows, strict=True):
        found = memory.search(source, k=4, exclude_doc=doc)
        assert ast.literal_eval(line) == list(zip(found["source"], found["target"], strict=True))
    loaded = ast.literal_eval(modules)
    assert "deep_past.retrieval.index" in loaded
    assert "deep_past.retrieval.memory" not in loaded and "deep_past.corpus.align" not in loaded
