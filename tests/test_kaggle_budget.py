"""Time budget: the Qwen3-1.7B shape table, the estimate's behaviour and the stop message."""

import pytest

from deep_past.generate import GenerateConfig
from deep_past.kaggle.budget import (
    HARDWARE,
    KNOWN_MODELS,
    BudgetExceeded,
    check_budget,
    estimate_run,
    new_token_budget,
    time_budget,
)

GEN = {
    "batch_size": 16,
    "num_beams": 1,
    "max_new_tokens": 256,
    "max_new_tokens_ratio": 1.5,
    "min_new_tokens": 8,
}
QWEN = KNOWN_MODELS["Qwen/Qwen3-1.7B"]


def test_qwen3_1_7b_parameter_count():
    # Published: 1.7B parameters, 1.4B without embeddings (tied, counted once).
    assert QWEN.parameters() == pytest.approx(1.72e9, rel=0.01)
    assert QWEN.parameters() - QWEN.vocab * QWEN.hidden == pytest.approx(1.41e9, rel=0.01)
    assert QWEN.kv_bytes_per_token(2) == 2 * 28 * 8 * 128 * 2


@pytest.mark.parametrize("longest", [0, 3, 40, 1000])
def test_budget_rule_matches_generate(longest):
    cfg = GenerateConfig(**{k: v for k, v in GEN.items() if k != "batch_size"})
    assert new_token_budget(longest, GEN) == cfg.budget(longest)


def test_more_beams_longer_sources_cost_more():
    base = estimate_run([30] * 10, [90] * 10, QWEN, HARDWARE["t4x2"], GEN, 4000)
    beams = estimate_run(
        [30] * 10, [90] * 10, QWEN, HARDWARE["t4x2"], {**GEN, "num_beams": 4}, 4000
    )
    longer = estimate_run([120] * 10, [180] * 10, QWEN, HARDWARE["t4x2"], GEN, 4000)
    assert beams["seconds"] > base["seconds"] and longer["seconds"] > base["seconds"]
    assert base["batches"] == 250 and base["mean_steps_per_batch"] == 45


def test_estimate_over_the_limit_stops_with_a_clear_message(tmp_path):
    seg = tmp_path / "test.csv"
    seg.write_text("id,text_id,source\n1,a,a-na A-šur qí-bi-ma\n", encoding="utf-8")
    prompts = tmp_path / "test.jsonl"
    prompts.write_text('{"id": "1", "prompt": [{"role": "user", "content": "a-na"}]}\n')
    fits = time_budget(
        model="Qwen/Qwen3-1.7B", segments_csv=seg, prompts_jsonl=prompts, generation=GEN
    )
    check_budget(fits)
    assert fits["fits"] and fits["tokenizer"] == "assumed tokens per character"
    tight = time_budget(
        model="Qwen/Qwen3-1.7B",
        segments_csv=seg,
        prompts_jsonl=prompts,
        generation=GEN,
        limit_hours=0.01,
        out_json=tmp_path / "b.json",
    )
    with pytest.raises(BudgetExceeded, match=r"exceeds the allowed 0\.01 h .*9|exceeds"):
        check_budget(tight)
    assert (tmp_path / "b.json").is_file()
