"""The ablation table: scores joined with prompt statistics and setup, the best system marked,
the alignment statistics flattened."""

from __future__ import annotations

import pytest

from deep_past.evaluation.ablation import ablation_table, alignment_table, best_system, mark_best
from deep_past.io import write_json


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


def test_alignment_table_flattens_the_statistics():
    stats = {"documents": 3, "pairs_per_kind": {"document": 3, "window": 2}, "alignment": "dp"}
    table = alignment_table(stats)
    assert table.to_dict("list") == {
        "statistic": ["documents", "pairs_per_kind.document", "pairs_per_kind.window", "alignment"],
        "value": [3, 3, 2, "dp"],
    }
