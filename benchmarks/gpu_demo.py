"""The demo graph's GPU steps (train, predict) on CUDA and on the CPU, for benchmarks/gpu.py
--demo-rules: the pipeline step functions its rules call, without snakemake (which the GPU
machine lacks), from the same base model, datasets and prompts; how many test predictions agree.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
from hint_data import prepare_hint_data

from deep_past.steps.dataset import prompt_file, sft_files
from deep_past.steps.predict import predict_answers
from deep_past.steps.train import base_model_dir, train_run

ROOT = Path(__file__).resolve().parents[1]


def train_settings(
    config: dict[str, Any], device: str, max_steps: int | None = None
) -> dict[str, Any]:
    """What rules/common.smk's train_settings gives the demo grid's first run (``max_steps``
    shortens it, for the CPU smoke run)."""
    preset = dict(config["hparams"][config["grid"]["hparams"][0]])
    if max_steps is not None:
        preset["max_steps"] = max_steps
    rank = config["grid"]["lora_rank"][0]
    skip = ("lora_alpha_ratio", "batch_size")
    return {
        **{k: v for k, v in preset.items() if k not in skip},
        "per_device_batch_size": preset["batch_size"],
        "lora_rank": rank,
        "lora_alpha": int(round(preset.get("lora_alpha_ratio", 2) * rank)),
        "seed": config["grid"]["seed"][0],
        "quantization": None,
        "device": device,
        "report_to": "none",
    }


def demo_rules(
    work: Path, config: dict[str, Any], device: str, max_steps: int | None = None
) -> dict[str, Any]:
    data = ROOT / config["data_dir"]
    work.mkdir(parents=True, exist_ok=True)
    prompt = config["grid"]["prompt"][0]
    # The hint tables the prompt variant may need (name_slots: the name speller's), as the
    # preprocessing, lexicon and pairs rules write them.
    tables = prepare_hint_data(
        data,
        work,
        sample_csv=data / "sample_submission.csv",
        **{k: config["data"][k] for k in ("val_fraction", "split_seed", "alignment")},
    )
    base = work / "base_model"
    shipped = Path(__file__).resolve().parents[1] / "resources" / "models" / "tiny"
    base_model_dir(config["model"], config["scratch_model"], work / "train.csv", base, shipped)
    budget = {"base_dir": base, "max_tokens": config["data"]["prompt_max_tokens"]}
    sft_files(
        work / "pairs.csv",
        work / "val.csv",
        prompt,
        work / "sft_train.jsonl",
        work / "sft_val.jsonl",
        tables["train"],
        out_stats=work / "sft_stats.json",
        **budget,
    )
    prompt_file(
        work / "test.csv",
        prompt,
        work / "prompts.jsonl",
        tables["test"],
        out_stats=work / "prompt_stats.json",
        **budget,
    )
    runs: dict[str, Any] = {}
    for where in dict.fromkeys((device, "cpu")):
        run_dir = work / f"run-{where}"
        start = time.perf_counter()
        train_run(
            train_settings(config, where, max_steps),
            work / "sft_train.jsonl",
            work / "sft_val.jsonl",
            base,
            run_dir,
        )
        trained = time.perf_counter()
        predict_answers(
            base,
            {"test": work / "prompts.jsonl"},
            [("last", "test", work / f"predict-{where}.csv")],
            work / f"timing-{where}.json",
            generation=config["generation"],
            model={"quantization": None, "device": where},
            run_dir=run_dir,
        )
        history = json.loads((run_dir / "log_history.json").read_text())
        losses = [e["loss"] for e in history if "loss" in e]
        runs[where] = {
            "train_s": trained - start,
            "predict_s": time.perf_counter() - trained,
            "final_train_loss": losses[-1] if losses else None,
            "steps": max((e.get("step", 0) for e in history), default=0),
        }
    ours = pd.read_csv(work / f"predict-{device}.csv", dtype=str, keep_default_na=False)
    cpu = pd.read_csv(work / "predict-cpu.csv", dtype=str, keep_default_na=False)
    same = int((ours["raw"] == cpu["raw"]).sum())
    return {"runs": runs, "identical_predictions": same, "predictions": len(cpu)}
