"""Issue 7 parts: prompt token budget, alignment option, synthetic lexicon pairs, name
correction in post-processing, prompt statistics in the ablation table, continued pre-training."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_modeling import DEMO_TRAIN, tiny_model_path

from deep_past.corpus.lexicon import build_lexicon, proper_nouns
from deep_past.evaluation.ablation import ablation_table, alignment_table
from deep_past.io import DICTIONARY, LEXICON, TRAIN, read_table, write_json
from deep_past.prompting.registry import PromptInput, build_messages, fit_to_budget

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


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


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    lexicon = read_table(DEMO / "OA_Lexicon_eBL.csv", LEXICON)
    train = read_table(DEMO / "train.csv", TRAIN)
    build_lexicon(lexicon, read_table(DEMO / "eBL_Dictionary.csv", DICTIONARY)).to_csv(
        d / "lexicon.csv", index=False
    )
    proper_nouns(lexicon, train).to_csv(d / "proper_nouns.csv", index=False)
    return d


def test_synthetic_pairs_are_frequent_known_words(tables):
    from deep_past.corpus.synthetic import synthetic_segments

    sources = pd.read_csv(DEMO_TRAIN)["transliteration"].fillna("")
    seg = synthetic_segments(
        sources,
        lexicon=tables / "lexicon.csv",
        proper_nouns=tables / "proper_nouns.csv",
        max_pairs=20,
        phrase_share=0.25,
    )
    assert len(seg) == 20 and seg["id"].is_unique and (seg["id"] == seg["text_id"]).all()
    assert (seg["reference"].str.len() > 0).all()
    assert seg.iloc[0].tolist()[2:] == ["a-na", "to"]  # the commonest word of the demo
    phrases = seg[seg["source"].str.contains(" ")]
    assert len(phrases) == 5
    again = synthetic_segments(
        sources,
        lexicon=tables / "lexicon.csv",
        proper_nouns=tables / "proper_nouns.csv",
        max_pairs=20,
        phrase_share=0.25,
    )
    pd.testing.assert_frame_equal(seg, again)


def test_postprocess_corrects_names_only_when_asked(tables, tmp_path):
    from deep_past.steps.predict import postprocess_file

    names = pd.read_csv(tables / "proper_nouns.csv", dtype=str, keep_default_na=False)
    row = names.sort_values("count", ascending=False).iloc[0]
    english = row["english"]
    wrong = english[:-1] + ("a" if english[-1] != "a" else "e")
    raw = tmp_path / "raw.csv"
    pd.DataFrame({"id": ["1", "2"], "raw": [f"To {wrong}: send silver.", "Nothing here."]}).to_csv(
        raw, index=False
    )
    segments = tmp_path / "segments.csv"
    pd.DataFrame({"id": ["1", "2"], "source": [f"a-na {row['form']}", "ù"]}).to_csv(
        segments, index=False
    )
    postprocess_file(raw, tmp_path / "plain.csv")
    postprocess_file(
        raw,
        tmp_path / "fixed.csv",
        proper_nouns_csv=tables / "proper_nouns.csv",
        segments_csv=segments,
        min_similarity=0.8,
    )
    plain = pd.read_csv(tmp_path / "plain.csv")["translation"].tolist()
    fixed = pd.read_csv(tmp_path / "fixed.csv")["translation"].tolist()
    assert wrong in plain[0] and english in fixed[0] and plain[1] == fixed[1]


def test_ablation_table_joins_prompt_tokens_and_setup(tmp_path):
    scores = {"bleu": 1.0, "chrf": 4.0, "geomean": 2.0, "n": 3}
    files = []
    for system in ("plain/default/r8/s0/last", "memory"):
        path = tmp_path / "scores" / system / "eval.json"
        write_json(scores, path)
        files.append(path)
    stats = tmp_path / "prompts" / "plain" / "eval.stats.json"
    write_json({"prompt_tokens_mean": 41.5, "prompt_tokens_max": 90}, stats)
    table = ablation_table(files, [stats], {"alignment": "dp"})
    run = table[table["kind"] == "run"].iloc[0]
    assert run["prompt_tokens_mean"] == 41.5 and repr(run["prompt_tokens_max"]) == "90"
    assert table[table["kind"] == "memory"].iloc[0]["prompt_tokens_max"] == ""
    assert (table["alignment"] == "dp").all()


def test_best_system_is_the_highest_validation_geomean_and_is_marked(tmp_path):
    from deep_past.evaluation.ablation import best_system, mark_best

    files = []
    for system, split, geomean in (
        ("plain/default/r8/s0/last", "val", 20.0),
        ("memory", "val", 23.5),
        ("mbr/all", "val", 23.5),  # a tie: the first in table order wins
        ("plain/default/r8/s0/last", "eval", 40.0),  # never chosen on the eval set
    ):
        path = tmp_path / "scores" / system / f"{split}.json"
        write_json({"bleu": 1.0, "chrf": 1.0, "geomean": geomean, "n": 3}, path)
        files.append(path)
    table = ablation_table(files)
    best = best_system(table)
    assert best["system"] == "memory" and best["margin"] == 0.0
    assert best["runner_up"] == "mbr/all"
    marked = mark_best(table)
    assert set(marked.loc[marked["selected"] == "best", "system"]) == {"memory"}
    with pytest.raises(ValueError, match="no scores on the 'test' split"):
        best_system(table, "test")


def test_alignment_options_differ_as_named():
    from deep_past.corpus.align.strategy import aligned_pairs

    train = read_table(DEMO / "train.csv", TRAIN).head(30)
    from deep_past.io import SENTENCES

    sentences = read_table(DEMO / "Sentences_Oare_FirstWord_LinNum.csv", SENTENCES)
    kinds = {
        name: set(aligned_pairs(train, sentences, name)["kind"])
        for name in ("auto", "sentence_file", "dp", "proportional")
    }
    assert "sentence_dp" in kinds["auto"] and "sentence_dp" not in kinds["sentence_file"]
    assert "sentence_file" not in kinds["dp"] and "sentence_file" not in kinds["proportional"]
    with pytest.raises(ValueError, match="alignment"):
        aligned_pairs(train, sentences, "fancy")


def test_prompt_file_measures_and_keeps_the_budget(tmp_path_factory, tmp_path, tables):
    from deep_past.io import read_jsonl
    from deep_past.modeling.tokens import token_counter
    from deep_past.prompting.hints import HintTables
    from deep_past.steps.dataset import prompt_file

    tiny = tiny_model_path(tmp_path_factory)
    base = tmp_path / "base"
    base.mkdir()
    write_json({"model": "x", "path": str(tiny)}, base / "base_model.json")
    segments = tmp_path / "segments.csv"
    train = pd.read_csv(DEMO_TRAIN).head(5)
    pd.DataFrame(
        {"id": list("abcde"), "text_id": ["t"] * 5, "source": train["transliteration"]}
    ).to_csv(segments, index=False)
    tables_ = HintTables(tables / "lexicon.csv", tables / "proper_nouns.csv", None)
    out, stats = tmp_path / "p.jsonl", tmp_path / "p.stats.json"
    count = token_counter(base)
    loose = None
    for budget in (100_000, 150):
        prompt_file(
            segments,
            "doc_context",
            out,
            tables_,
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


def demo_pairs(tmp_path) -> Path:
    """pairs.csv of the demo documents (whole documents only), a tenth held out."""
    from deep_past.corpus.segments import document_pairs, split_pairs

    pairs = split_pairs(document_pairs(read_table(DEMO_TRAIN, TRAIN)), 0.1, 0)
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    return tmp_path / "pairs.csv"


def test_pretrain_texts_are_training_documents_and_optionally_their_english(tmp_path):
    from deep_past.modeling.pretrain import pretrain_texts

    pairs_csv = demo_pairs(tmp_path)
    pairs = pd.read_csv(pairs_csv)
    train_docs = pairs[pairs["split"] == "train"]
    source_only = pretrain_texts(None, pairs_csv)
    assert len(source_only) == train_docs["source"].nunique()
    held_out = pairs.loc[pairs["split"] == "val", "target"].iloc[0]
    with_english = pretrain_texts(None, pairs_csv, english=True)
    assert train_docs["target"].iloc[0] in with_english and held_out not in with_english
    published = tmp_path / "published_texts.csv"
    pd.DataFrame({"transliteration": ["a-na ša-lim-a-šùr", ""]}).to_csv(published, index=False)
    assert pretrain_texts(published, pairs_csv)[-1] == "a-na ša-lim-a-šùr"


def test_pretrain_tiny_model_full_and_lora(tmp_path_factory, tmp_path):
    from deep_past.modeling.base import load_model_and_tokenizer
    from deep_past.modeling.pretrain import PretrainConfig, pack, pretrain, pretrain_texts

    assert pack([[1, 2], [3]], 0, 2) == [[1, 2], [0, 3]]
    texts = pretrain_texts(tmp_path / "absent.csv", demo_pairs(tmp_path))[:16]
    tiny = str(tiny_model_path(tmp_path_factory))
    for mode in ("full", "lora"):
        cfg = PretrainConfig(
            model=tiny,
            output_dir=str(tmp_path / mode),
            mode=mode,
            max_steps=3,
            batch_size=2,
            max_length=32,
            lora_rank=4,
            learning_rate=1e-3,
            device="cpu",
            num_threads=1,
        )
        out = pretrain(cfg, texts)
        manifest = json.loads((out / "base_model.json").read_text())
        assert manifest["path"] == "." and manifest["from"] == tiny
        history = json.loads((out / "pretrain_history.json").read_text())
        assert history and not (out.parent / f"{mode}.partial").exists()
        model, _ = load_model_and_tokenizer(out, device="cpu")
        base, _ = load_model_and_tokenizer(tiny, device="cpu")
        changed = any(
            not (a == b).all()
            for a, b in zip(model.state_dict().values(), base.state_dict().values(), strict=True)
        )
        assert changed and not hasattr(model, "peft_config")
    with pytest.raises(ValueError, match="mode"):
        PretrainConfig(model=tiny, output_dir="x", mode="half")


def test_source_alone_over_budget_comes_back_whole():
    item = PromptInput("a b c d e f g h")
    fitted, n, cut = fit_to_budget("plain", item, words, 1)
    assert fitted.source == item.source and not cut and n > 1


def test_long_segments_become_pieces_logged_with_their_row(caplog):
    from deep_past.prompting.fit import cut_long_segments
    from deep_past.prompting.registry import get_variant

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


def test_sentence_rows_read_as_strings_align_like_numbers():
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


def test_alignment_table_flattens_the_statistics():
    stats = {"documents": 3, "pairs_per_kind": {"document": 3, "window": 2}, "alignment": "dp"}
    table = alignment_table(stats)
    assert table.to_dict("list") == {
        "statistic": ["documents", "pairs_per_kind.document", "pairs_per_kind.window", "alignment"],
        "value": [3, 3, 2, "dp"],
    }
