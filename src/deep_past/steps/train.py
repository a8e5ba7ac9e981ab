"""Workflow steps (rules/train.smk): the base model, a training run (one process or DDP ranks),
and the best run of a from-scratch build packed as a shippable base with its model card."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from deep_past.io import TRAIN, read_json, read_table, write_json
from deep_past.modeling.base import (
    MANIFEST,
    base_model_path,
    build_scratch_model,
    is_full_checkpoint,
)
from deep_past.modeling.distributed import LAUNCH_CONFIG, free_port, launch_command
from deep_past.systems import SystemId

log = logging.getLogger(__name__)


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
        # A copy (18 MB), so results/ holds no path of this machine: the Kaggle export's
        # manifest records where its base came from.
        shutil.copytree(shipped, out, dirs_exist_ok=True)
        write_json({"model": "tiny", "path": "."}, out / MANIFEST)
    else:
        # A hub name or a local directory: loaded (and cached by transformers) where it is used.
        write_json({"model": model, "path": model}, out / MANIFEST)
    log.info("base model: %s", read_json(out / MANIFEST))


def train_run(
    settings: dict[str, Any],
    train_jsonl: str | Path,
    val_jsonl: str | Path,
    base_dir: str | Path,
    out_dir: str | Path,
) -> None:
    """Train into ``<out>.partial`` (kept when killed, so a rerun resumes from its last
    checkpoint), then move it into place in one rename."""
    from deep_past.modeling.train import TrainConfig, train

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


def train_run_distributed(
    settings: dict[str, Any],
    train_jsonl: str | Path,
    val_jsonl: str | Path,
    base_dir: str | Path,
    out_dir: str | Path,
    *,
    num_processes: int,
    threads: int | None = None,
) -> None:
    """Like :func:`train_run`, with ``num_processes`` DDP ranks."""
    import yaml

    from deep_past.modeling.train import TrainConfig

    if num_processes < 2:
        raise ValueError(f"num_processes must be at least 2, got {num_processes}")
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    fields = {
        "model": base_model_path(base_dir),
        "train_file": str(train_jsonl),
        "val_file": str(val_jsonl),
        "output_dir": str(partial),
        **settings,
    }
    if threads and "num_threads" not in settings:
        # The job's cores are shared by the ranks; spinning OpenMP pools would fight.
        fields["num_threads"] = max(1, threads // num_processes)
    cfg = TrainConfig(**fields)  # checked here, before any rank starts
    config_file = partial / LAUNCH_CONFIG
    config_file.write_text(yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False))
    cmd = launch_command(config_file, num_processes, free_port())
    log.info("launching %d ranks: %s", num_processes, " ".join(cmd))
    sys.stderr.flush()
    # Ranks write to this job's log; a failed rank fails the job and keeps the checkpoints.
    subprocess.run(cmd, check=True, stdout=sys.stderr, stderr=sys.stderr)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(partial, out_dir)


# What a model directory needs to load and generate; training state (optimizer, RNG) stays out.
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
)
CARD = "README.md"


def ship_base(
    scores_tsv: str | Path,
    runs: Mapping[str, str | Path],
    out_dir: str | Path,
    *,
    provenance: Mapping[str, Any],
) -> Path:
    """Copy the model files of the best model run (validation geomean) with its model card.

    ``runs`` maps each grid system (``PROMPT/HPARAMS/rR/sS/CKPT``) to its training run
    directory; ``provenance`` (data, command, settings) goes into the card as given.
    """
    from deep_past.evaluation.ablation import best_system
    from deep_past.kaggle.download import file_records
    from deep_past.modeling.train import resolve_checkpoint

    table = pd.read_csv(scores_tsv, sep="\t", keep_default_na=False)
    runs_only = table[table["system"].isin(list(runs))]
    best = best_system(runs_only)
    system = str(best["system"])
    ckpt = resolve_checkpoint(runs[system], SystemId.parse(system).ckpt)
    if not is_full_checkpoint(ckpt):
        raise ValueError(f"{ckpt} is a LoRA adapter: a shipped base needs finetune: full")
    out = Path(out_dir)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in MODEL_FILES:
        if (ckpt / name).is_file():
            shutil.copy2(ckpt / name, partial / name)
    scores = table[table["system"] == system][["split", "bleu", "chrf", "geomean", "n"]]
    files = file_records(partial, exclude=())
    config = json.loads((partial / "config.json").read_text())
    card = model_card(system, best, scores, files, provenance, config, _parameters(partial))
    (partial / CARD).write_text(card, encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
    log.info("shipped base: %s (%s) -> %s", system, ckpt, out)
    return out


def _parameters(model_dir: Path) -> int:
    import math

    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), framework="pt") as fh:
        return sum(math.prod(fh.get_slice(k).get_shape()) for k in fh.keys())  # noqa: SIM118


def model_card(
    system: str,
    best: Mapping[str, Any],
    scores: pd.DataFrame,
    files: Mapping[str, Mapping[str, Any]],
    provenance: Mapping[str, Any],
    config: Mapping[str, Any],
    parameters: int,
) -> str:
    """The card as Markdown: origin, scores per split, settings and file checksums."""
    shape = ", ".join(
        f"{k} {config[k]}"
        for k in (
            "hidden_size",
            "intermediate_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "vocab_size",
        )
    )
    lines = [
        "# deep-past tiny base: a from-scratch Qwen3 for Old Assyrian → English",
        "",
        f"`Qwen3ForCausalLM`, {parameters:,} parameters ({shape}), byte-level BPE tokenizer "
        "trained on the training documents, built and trained on CPU by this repository's "
        "workflow (`config/base-build.yaml`). Pre-trained as a causal LM on the training "
        "documents' transliterations and English, then fully fine-tuned on their sentence "
        f"pairs; this is grid run `{system}`, chosen by validation geomean "
        f"({best['geomean']:.2f}"
        + (f", {best['margin']:+.2f} over `{best['runner_up']}`" if best["runner_up"] else "")
        + ").",
        "",
        "## Data",
        "",
        str(provenance["data"]),
        "",
        "## Command",
        "",
        "```",
        str(provenance["command"]),
        "```",
        "",
        "## Scores",
        "",
        "Competition metric (sacrebleu corpus BLEU, chrF++, their geometric mean); `val` = "
        "held-out training documents, `eval` = the labelled test-shaped set named below.",
        "",
        "| split | BLEU | chrF++ | geomean | segments |",
        "|---|---|---|---|---|",
        *(
            f"| {r.split} | {r.bleu:.2f} | {r.chrf:.2f} | {r.geomean:.2f} | {int(r.n)} |"
            for r in scores.itertuples()
        ),
        "",
        f"Eval set: {provenance.get('eval_set') or 'none'}.",
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(provenance["settings"], indent=2, sort_keys=True),
        "```",
        "",
        "## Files",
        "",
        "| file | bytes | sha256 |",
        "|---|---|---|",
        *(f"| `{name}` | {rec['size']:,} | `{rec['sha256']}` |" for name, rec in files.items()),
        "",
        "Licence: code MIT; trained on the Deep Past Challenge data (CC BY-SA 4.0).",
        "",
    ]
    return "\n".join(lines)
