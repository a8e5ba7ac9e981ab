"""benchmarks/gpu.py in its CPU smoke mode: every part of the device check runs on tiny shapes,
so the script a GPU session runs once cannot rot in between."""

import json
import subprocess
import sys

import pytest

from deep_past.kaggle.budget import read_gpu_benchmark
from workflow_helpers import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu") / "gpu.json"
    done = subprocess.run(
        [sys.executable, "benchmarks/gpu.py", "--cpu-smoke", "--demo-rules", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout, out


def test_every_part_ran(smoke):
    result, _, _ = smoke
    assert result["errors"] == [] and result["mode"] == "cpu-smoke"
    assert result["environment"]["device"] == "cpu"
    assert list(result["models"]) == ["qwen3-tiny-random", "small"]
    assert result["data"]["train_records"] > 100 and result["data"]["prompts"] >= 64
    qwen = result["models"]["qwen3-tiny-random"]
    assert qwen["shape"]["heads"] == 4 and qwen["shape"]["tied"] is True
    for kind in ("lora", "qlora_nf4"):
        train = qwen["train"][kind]
        assert train["tokens_per_s"] > 0 and train["steps_timed"] == 2
    assert qwen["train"]["qlora_nf4"]["quantization"] == "nf4"


def test_generation_writes_the_whole_budget_at_each_batch_size(smoke):
    result, _, _ = smoke
    for model in result["models"].values():
        gen = model["generate"]
        assert list(gen["batches"]) == ["1", "16", "64"]
        for size, part in gen["batches"].items():
            # No early stop: every row writes new_tokens_per_row tokens.
            assert part["new_tokens"] == part["prompts"] * gen["new_tokens_per_row"]
            assert part["calls"] == -(-part["prompts"] // int(size))
            assert part["tokens_per_s"] > 0 and part["step_s"] > 0
        ratio = gen["batches"]["64"]["tokens_per_s"] / gen["batches"]["1"]["tokens_per_s"]
        assert gen["ratio_last_first"] == pytest.approx(ratio)


def test_precision_compares_every_dtype_with_fp32(smoke):
    result, _, _ = smoke
    for model in result["models"].values():
        prec = model["precision"]
        assert list(prec["dtypes"]) == ["float32", "bfloat16", "float16"]
        fp32 = prec["dtypes"]["float32"]
        assert fp32["identical"] == fp32["total"] == 4 and fp32["mean_common_prefix"] == 1
        for part in prec["dtypes"].values():
            assert part["nonfinite_logits"] == 0 and part["positions"] > 0


def test_demo_rules_ran_the_pipeline_steps(smoke):
    result, _, _ = smoke
    demo = result["demo_rules"]
    assert demo["predictions"] == 47 and list(demo["runs"]) == ["cpu"]
    assert demo["runs"]["cpu"]["steps"] == 2


def test_table_and_last_line(smoke):
    _, stdout, _ = smoke
    lines = stdout.strip().splitlines()
    assert lines[-1].startswith("batch-64 / batch-1 generated tokens/s (qwen3-tiny-random, cpu)")
    assert any("train qlora_nf4" in line for line in lines)
    assert any("precision float16" in line for line in lines)


def test_the_budget_refuses_a_cpu_smoke_result(smoke):
    result, _, out = smoke
    from deep_past.kaggle.budget import ModelShape

    shape = ModelShape(**result["models"]["small"]["shape"])
    with pytest.raises(ValueError, match="not a GPU measurement"):
        read_gpu_benchmark(out, shape)


def test_the_benchmark_builds_the_shape_the_budget_knows(tmp_path):
    """The random Qwen3 the device measures is matched to Qwen/Qwen3-1.7B by the budget."""
    from transformers import Qwen3Config

    from deep_past.kaggle.budget import KNOWN_MODELS, model_shape

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gpu_measure

    Qwen3Config(**gpu_measure.QWEN3_1_7B).save_pretrained(tmp_path)
    assert model_shape("local", tmp_path / "config.json") == KNOWN_MODELS["Qwen/Qwen3-1.7B"]
    assert KNOWN_MODELS["Qwen/Qwen3-1.7B"].parameters() == pytest.approx(1.72e9, rel=0.01)
