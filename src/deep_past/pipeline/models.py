"""Workflow steps: the base model, a training run, and generation for a split."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from deep_past.io import TRAIN, read_json, read_table, write_csv, write_json
from deep_past.long_sources import join_pieces
from deep_past.pipeline.datasets import read_jsonl

log = logging.getLogger(__name__)

MANIFEST = "base_model.json"


def base_model_dir(
    model: str,
    scratch: dict[str, Any],
    train_csv: str | Path,
    out: str | Path,
    shipped: str | Path | None = None,
) -> None:
    """Record the base model the runs start from: the shipped one (``tiny``), one built here
    from scratch (``scratch``: tokenizer trained on the training documents, random weights), or
    a hub/local model."""
    out = Path(out)
    if model == "scratch":
        from deep_past.modeling import build_scratch_model

        train = read_table(train_csv, TRAIN)
        texts = train["transliteration"].tolist() + train["translation"].tolist()
        build_scratch_model(texts, out, **scratch)
        write_json({"model": "scratch", "path": ".", **scratch}, out / MANIFEST)
        log.info("base model: %s", read_json(out / MANIFEST))
        return
    out.mkdir(parents=True, exist_ok=True)
    if model == "tiny":
        if shipped is None or not (Path(shipped) / "config.json").is_file():
            raise FileNotFoundError(f"the shipped base model is missing: {shipped}")
        # Absolute, so the runs load it wherever snakemake's working directory is.
        write_json({"model": "tiny", "path": str(Path(shipped).resolve())}, out / MANIFEST)
    else:
        # A hub name or a local directory: loaded (and cached by transformers) where it is used.
        write_json({"model": model, "path": model}, out / MANIFEST)
    log.info("base model: %s", read_json(out / MANIFEST))


def base_model_path(base_dir: str | Path) -> str:
    """What ``from_pretrained`` should load for the base model recorded in ``base_dir``."""
    manifest = read_json(Path(base_dir) / MANIFEST)
    return str(base_dir) if manifest["path"] == "." else manifest["path"]


def train_run(
    settings: dict[str, Any],
    train_jsonl: str | Path,
    val_jsonl: str | Path,
    base_dir: str | Path,
    out_dir: str | Path,
) -> None:
    """Train into ``<out>.partial`` (kept when killed, so a rerun resumes from its last
    checkpoint), then move it into place in one rename."""
    from deep_past.train import TrainConfig, train

    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    cfg = TrainConfig(
        model=base_model_path(base_dir),
        train_file=str(train_jsonl),
        val_file=str(val_jsonl),
        output_dir=str(partial),
        **settings,
    )
    train(cfg)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(partial, out_dir)


def predict_file(
    base_dir: str | Path,
    prompts_jsonl: str | Path,
    out_csv: str | Path,
    *,
    generation: dict[str, Any],
    model: dict[str, Any],
    run_dir: str | Path | None = None,
    checkpoint: str | None = None,
) -> None:
    """Generate for every prompt; ``raw`` holds each hypothesis as the model wrote it (one row
    per hypothesis: several per id when sampling ``num_return_sequences`` > 1)."""
    from deep_past.generate import GenerateConfig, generate
    from deep_past.modeling import load_model_and_tokenizer

    adapter = None
    if run_dir is not None:
        from deep_past.train import resolve_checkpoint

        adapter = resolve_checkpoint(run_dir, checkpoint or "last")
    records = read_jsonl(prompts_jsonl)
    net, tokenizer = load_model_and_tokenizer(base_model_path(base_dir), adapter=adapter, **model)
    outputs = generate(net, tokenizer, [r["prompt"] for r in records], GenerateConfig(**generation))
    log.info("generated %d outputs with adapter %s", len(outputs), adapter)
    # Records of one id are the pieces of a source too long for one prompt: joined in order,
    # hypothesis by hypothesis.
    record_ids = [r["id"] for r in records]
    n = len(outputs[0]) if outputs else 1
    joined = [join_pieces(record_ids, [o[h] for o in outputs]) for h in range(n)]
    ids = joined[0][0]
    frame = pd.DataFrame(
        {
            "id": [i for i in ids for _ in range(n)],
            "raw": [joined[h][1][k] for k in range(len(ids)) for h in range(n)],
        }
    )
    write_csv(frame, out_csv)
