"""steps.dataset's prompt file: measured prompt lengths, the token budget kept, long sources cut
into pieces."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from deep_past.corpus.names import NameSpeller
from deep_past.io import read_jsonl, write_json
from deep_past.modeling.tokens import token_counter
from deep_past.prompting.hints import HintTables
from deep_past.steps.dataset import prompt_file


def one_prompt(segments: Path, variant: str, tables: HintTables, base: Path, out: Path) -> dict:
    """The prompt file of a one-segment split, within the tiny model's context: its record."""
    prompt_file(
        segments,
        variant,
        out,
        tables,
        base_dir=base,
        max_tokens=2048,
        out_stats=out.with_suffix(".stats.json"),
    )
    (record,) = read_jsonl(out)
    return record


def test_prompt_file_measures_and_keeps_the_budget(
    tiny_dir: Path, lexicon_tables: Path, demo_dir: Path, tmp_path: Path
):
    base = tmp_path / "base"
    base.mkdir()
    write_json({"model": "x", "path": str(tiny_dir)}, base / "base_model.json")
    segments = tmp_path / "segments.csv"
    train = pd.read_csv(demo_dir / "train.csv").head(5)
    pd.DataFrame(
        {"id": list("abcde"), "text_id": ["t"] * 5, "source": train["transliteration"]}
    ).to_csv(segments, index=False)
    tables = HintTables(lexicon_tables / "lexicon.csv", lexicon_tables / "proper_nouns.csv", None)
    out, stats = tmp_path / "p.jsonl", tmp_path / "p.stats.json"
    count = token_counter(base)
    loose = None
    for budget in (100_000, 150):
        prompt_file(
            segments,
            "doc_context",
            out,
            tables,
            base_dir=base,
            max_tokens=budget,
            out_stats=stats,
        )
        measured = json.loads(stats.read_text())
        records = read_jsonl(out)
        lengths = [count(r["prompt"]) for r in records]
        assert measured["prompt_tokens_max"] == max(lengths)
        assert measured["prompt_tokens_mean"] == pytest.approx(
            sum(lengths) / len(lengths), abs=0.05
        )
        loose = loose or measured
    # A budget over the tiny model's context (2048) is held to the context: nothing to cut.
    assert loose["max_tokens"] == 2048 and loose["prompts"] == 5 and loose["cut_segments"] == 0
    # At 150 tokens the context is trimmed and every source is too long for one prompt: each is
    # cut into pieces (records of its id, in order) that together are the source, word for word.
    assert measured["trimmed"] > 0 and measured["cut_segments"] == 5
    assert max(lengths) <= 150 and measured["over_budget"] == 0
    pieces: dict[str, list[str]] = {}
    for record in records:
        source = record["prompt"][-1]["content"].split("Translate:\n")[-1]
        pieces.setdefault(record["id"], []).append(source)
    assert list(pieces) == list("abcde")
    for seg_id, source in zip("abcde", train["transliteration"], strict=True):
        assert len(pieces[seg_id]) > 1 and " ".join(pieces[seg_id]) == " ".join(source.split())


def test_name_slots_mask_the_prompt_and_generation_fills_them_back(
    tiny_dir: Path, lexicon_tables: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import deep_past.modeling.generate as generate_module
    from deep_past.steps.predict import generate_file

    base = tmp_path / "base"
    base.mkdir()
    write_json({"model": "x", "path": str(tiny_dir)}, base / "base_model.json")
    names = pd.read_csv(lexicon_tables / "proper_nouns.csv").head(2)
    source = f"um-ma {names['form'][0]} a-na {names['form'][1]} qí-bi-ma"
    segments = tmp_path / "segments.csv"
    pd.DataFrame({"id": ["a"], "text_id": ["t"], "source": [source]}).to_csv(segments, index=False)
    tables = HintTables(lexicon_tables / "lexicon.csv", lexicon_tables / "proper_nouns.csv", None)
    prompts = tmp_path / "p.jsonl"
    record = one_prompt(segments, "name_slots", tables, base, prompts)
    shown = record["prompt"][-1]["content"]
    assert names["form"][1] not in shown and "PN" in shown
    assert sorted(record["slots"].values()) == sorted(names["english"])

    # The model writes placeholders (and one the source never had); the names come back.
    placeholder = {english: slot for slot, english in record["slots"].items()}
    second = placeholder[names["english"][1]]
    written = f"Thus {placeholder[names['english'][0]]}: say to {second} and PN9."
    monkeypatch.setattr(generate_module, "generate", lambda *a, **k: [[written]])
    generate_file(None, None, prompts, tmp_path / "raw.csv", {})
    raw = pd.read_csv(tmp_path / "raw.csv")["raw"][0]
    assert raw == f"Thus {names['english'][0]}: say to {names['english'][1]} and."


def test_memory_matches_in_placeholders_beside_a_masked_source(
    tiny_dir: Path, lexicon_tables: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """name_slots_memory_k1: the memory is asked with the source as written, and its match is
    shown with the query's placeholders on both sides, the same as in the source to translate.
    The masking and the memory share one name speller (seconds to build on the full data)."""
    built = []
    from_files = NameSpeller.from_files.__func__
    monkeypatch.setattr(
        NameSpeller,
        "from_files",
        classmethod(lambda cls, *a, **k: built.append(a) or from_files(cls, *a, **k)),
    )
    base = tmp_path / "base"
    base.mkdir()
    write_json({"model": "x", "path": str(tiny_dir)}, base / "base_model.json")
    nouns = pd.read_csv(lexicon_tables / "proper_nouns.csv")
    names = nouns[nouns["type"] == "PN"].drop_duplicates("english").head(3).reset_index()
    form, english = names["form"], names["english"]
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame(
        {
            "oare_id": ["d1"],
            "source": [f"um-ma {form[2]} a-na {form[1]} qí-bi-ma"],
            "target": [f"Thus {english[2]}: say to {english[1]}."],
            "kind": ["sentence_dp"],
            "split": ["train"],
            "position": [0],
        }
    ).to_csv(pairs, index=False)
    segments = tmp_path / "segments.csv"
    query = f"um-ma {form[0]} a-na {form[1]} qí-bi-ma"
    pd.DataFrame({"id": ["a"], "text_id": ["t"], "source": [query]}).to_csv(segments, index=False)
    tables = HintTables(
        lexicon_tables / "lexicon.csv", lexicon_tables / "proper_nouns.csv", pairs, ("train",)
    )
    prompts = tmp_path / "p.jsonl"
    record = one_prompt(segments, "name_slots_memory_k1", tables, base, prompts)
    shown = record["prompt"][-1]["content"]
    assert record["slots"] == {"PN1": english[0], "PN2": english[1]}
    memory, translate = shown.split("\n\nTranslate:\n")
    assert translate == "um-ma PN1 a-na PN2 qí-bi-ma"
    assert memory.splitlines()[1:] == ["um-ma PN1 a-na PN2 qí-bi-ma", "=> Thus PN1: say to PN2."]
    assert len(built) == 1
