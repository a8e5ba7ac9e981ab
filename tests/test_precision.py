"""The notebook's precision guard on CPU: a recorded fp32 probe passes in fp32; a probe the
chosen dtype does not reproduce, or inf/nan logits, make it reload the model in fp32."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from deep_past.modeling.base import load_model_and_tokenizer
from deep_past.modeling.precision import (
    check,
    describe,
    greedy_settings,
    guarded_load,
    logit_health,
    record_probe,
)
from deep_past.prompting.registry import PromptInput, build_messages

GENERATION = {
    "batch_size": 2,
    "num_beams": 4,
    "do_sample": True,
    "temperature": 0.7,
    "num_return_sequences": 2,
    "max_new_tokens": 12,
    "max_new_tokens_ratio": 1.5,
    "min_new_tokens": 6,
}


@pytest.fixture(scope="module")
def prompts(demo_dir):
    sources = pd.read_csv(demo_dir / "train.csv")["transliteration"].head(4)
    return [build_messages("plain", PromptInput(" ".join(s.split()[:8]))) for s in sources]


@pytest.fixture(scope="module")
def probe(tiny_dir, prompts):
    model, tokenizer = load_model_and_tokenizer(tiny_dir, device="cpu", dtype="float32")
    return {**record_probe(model, tokenizer, prompts, GENERATION), "min_identical": 1.0}


def loader(tiny_dir, poison: bool = False):
    """load(dtype) as the notebook builds it; ``poison`` puts an inf into every dtype but fp32
    (what an fp16 overflow looks like to the guard)."""
    loaded = []

    def load(dtype):
        model, tokenizer = load_model_and_tokenizer(tiny_dir, device="cpu", dtype=dtype)
        if poison and dtype != "float32":
            with torch.no_grad():
                model.model.norm.weight[0] = float("inf")
        loaded.append(str(model.dtype))
        return model, tokenizer

    return load, loaded


def test_probe_is_greedy_and_keeps_the_budget():
    settings = greedy_settings(GENERATION)
    assert settings["num_beams"] == 1 and settings["do_sample"] is False
    assert settings["num_return_sequences"] == 1 and "temperature" not in settings
    assert settings["max_new_tokens"] == 12 and settings["batch_size"] == 2


def test_recorded_probe_passes_in_its_own_dtype(tiny_dir, probe):
    assert probe["reference_dtype"] == "float32" and len(probe["outputs"]) == 4
    load, loaded = loader(tiny_dir)
    model, _, report = guarded_load(load, "float32", probe)
    assert report["fallback"] is False and report["check"]["ok"]
    assert report["check"]["identical"] == 4 and report["check"]["nonfinite_logits"] == 0
    assert loaded == ["torch.float32"] and model.dtype == torch.float32
    assert describe(report).startswith("precision guard: float32 kept: 4/4 greedy outputs")


def test_an_output_that_differs_falls_back_to_fp32(tiny_dir, probe):
    tampered = {**probe, "outputs": ["!!!!", *probe["outputs"][1:]]}
    load, loaded = loader(tiny_dir)
    model, _, report = guarded_load(load, "bfloat16", tampered)
    assert report["check"]["dtype"] == "bfloat16" and not report["check"]["ok"]
    assert 0 in report["check"]["differing"]
    assert report["fallback"] is True and report["dtype"] == "float32"
    assert loaded == ["torch.bfloat16", "torch.float32"] and model.dtype == torch.float32
    assert report["after"]["identical"] == 3  # the tampered one still differs, the rest agree
    line = describe(report)
    assert "bfloat16 REJECTED" in line and "falling back to float32" in line


def test_non_finite_logits_fall_back_to_fp32(tiny_dir, probe):
    load, _ = loader(tiny_dir, poison=True)
    model, _, report = guarded_load(load, "float16", probe)
    assert report["check"]["nonfinite_logits"] > 0 and not report["check"]["ok"]
    assert report["fallback"] and model.dtype == torch.float32
    assert report["after"]["nonfinite_logits"] == 0 and report["after"]["ok"]


def test_min_identical_tolerates_some_differences(tiny_dir, probe):
    model, tokenizer = load_model_and_tokenizer(tiny_dir, device="cpu", dtype="float32")
    one_off = {**probe, "outputs": ["!!!!", *probe["outputs"][1:]]}
    assert not check(model, tokenizer, one_off)["ok"]
    assert check(model, tokenizer, {**one_off, "min_identical": 0.75})["ok"]


def test_without_a_probe_nothing_is_checked(tiny_dir):
    load, loaded = loader(tiny_dir)
    _, _, report = guarded_load(load, "float16", None)
    assert report == {"requested": "float16", "checked": False} and len(loaded) == 1
    assert "no probe" in describe(report)


def test_logit_health_counts_real_positions_only(tiny_dir):
    model, tokenizer = load_model_and_tokenizer(tiny_dir, device="cpu", dtype="float32")
    health = logit_health(model, [[5, 6, 7, 8, 9], [5, 6]], tokenizer.pad_token_id)
    assert health["positions"] == 7 and health["nonfinite_logits"] == 0
    assert 0 < health["max_abs_hidden"] < 65504
