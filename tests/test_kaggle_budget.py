"""Time budget: the Qwen3-1.7B shape table, the estimate's behaviour and the stop message."""

import json
from dataclasses import asdict

import pytest

from deep_past.kaggle.budget import (
    HARDWARE,
    KNOWN_MODELS,
    BudgetExceeded,
    Measured,
    ModelShape,
    check_budget,
    estimate_run,
    new_token_budget,
    read_gpu_benchmark,
    summary,
    time_budget,
)
from deep_past.modeling.generate import GenerateConfig

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


# ---------------------------------------------------------------- measured throughput

STEPS = {"1": 0.025, "16": 0.030, "64": 0.045}  # seconds per decoding step at each batch size


def gpu_json(path, *, shape=QWEN, mode="device", device_name="NVIDIA H200"):
    """A benchmarks/gpu.py result with the fields the budget reads."""
    batches = {b: {"step_s": s, "tokens_per_s": int(b) / s} for b, s in STEPS.items()}
    path.write_text(
        json.dumps(
            {
                "mode": mode,
                "environment": {"device": "cuda", "device_name": device_name},
                "models": {
                    "other": {"shape": {**asdict(QWEN), "layers": 2}, "generate": {}},
                    "qwen": {
                        "shape": asdict(shape),
                        "generate": {"dtype": "bfloat16", "batches": batches},
                    },
                },
            }
        )
    )
    return path


def budget_inputs(tmp_path):
    seg = tmp_path / "test.csv"
    seg.write_text(
        "id,text_id,source\n1,a,a-na A-šur qí-bi-ma\n2,a,um-ma PUZUR₄-a-šur-ma\n", encoding="utf-8"
    )
    prompts = tmp_path / "test.jsonl"
    lines = [
        json.dumps({"id": i, "prompt": [{"role": "user", "content": "a-na " * (5 * i)}]})
        for i in (1, 2)
    ]
    prompts.write_text("\n".join(lines) + "\n")
    return {"model": "Qwen/Qwen3-1.7B", "segments_csv": seg, "prompts_jsonl": prompts}


def test_measured_step_time_between_and_beyond_the_batch_sizes():
    m = Measured("f", "NVIDIA H200", 4.8e12, "bfloat16", {int(b): s for b, s in STEPS.items()})
    assert m.step_at(1) == 0.025 and m.step_at(64) == 0.045
    assert m.step_at(8) == pytest.approx(0.025 + 0.005 * 7 / 15)
    assert m.step_at(40) == pytest.approx(0.030 + 0.015 * 24 / 48)
    assert m.step_at(128) == pytest.approx(0.045 + 0.015 * 64 / 48)  # the last slope on
    one = Measured("f", "NVIDIA H200", 4.8e12, "bfloat16", {16: 0.03})
    assert one.step_at(1) == one.step_at(64) == 0.03


def test_measured_throughput_is_scaled_by_the_bandwidth_ratio(tmp_path):
    gpu = gpu_json(tmp_path / "gpu.json")
    gen = {**GEN, "batch_size": 32, "num_beams": 2}
    t4 = time_budget(**budget_inputs(tmp_path), generation=gen, gpu_json=gpu)
    p100 = time_budget(**budget_inputs(tmp_path), generation=gen, gpu_json=gpu, hardware="p100")
    assert t4["throughput"]["source"] == "measured" and t4["throughput"]["scale"] == 15.0
    assert p100["throughput"]["scale"] == pytest.approx(4.8e12 / 732e9)
    e = t4["estimate"]
    # 4,000 sentences in 125 batches of 64 rows, each batch its whole new-token budget.
    assert e["batches"] == 125
    steps = e["mean_steps_per_batch"] * e["batches"]
    assert e["decode_s"] == pytest.approx(steps * 0.045 * 15)
    assert e["decode_s"] / p100["estimate"]["decode_s"] == pytest.approx(732 / 320)
    assert "paper_estimate" in t4 and t4["paper_estimate"]["prefill_s"] > 0
    text = summary(t4)
    assert "measured on NVIDIA H200" in text and "x15.0" in text and "estimate (measured)" in text


def test_without_a_measurement_of_this_shape_the_paper_figures_stand(tmp_path):
    tiny = ModelShape(64, 2, 4, 2, 16, 1027, 128)
    gpu = gpu_json(tmp_path / "gpu.json", shape=tiny)
    budget = time_budget(**budget_inputs(tmp_path), generation=GEN, gpu_json=gpu)
    assert budget["throughput"]["source"] == "paper" and "paper_estimate" not in budget
    assert "measured no model of this shape" in budget["throughput"]["note"]
    plain = time_budget(**budget_inputs(tmp_path), generation=GEN)
    assert plain["estimate"] == budget["estimate"]
    assert "estimate (paper)" in summary(plain)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mode": "cpu-smoke"}, "not a GPU measurement"),
        ({"device_name": "Some GPU"}, "MEASURED_BANDWIDTH"),
    ],
)
def test_a_json_the_budget_cannot_scale_is_an_error(tmp_path, kw, message):
    gpu = gpu_json(tmp_path / "gpu.json", **kw)
    with pytest.raises(ValueError, match=message):
        read_gpu_benchmark(gpu, QWEN)
