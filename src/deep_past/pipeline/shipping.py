"""Workflow step: the best grid run of a from-scratch build, packed as a shippable base model.

The output is a plain model directory (weights, tokenizer, config) with a model card,
``README.md``: what it was trained on, how, its scores, and the sha256 of every file. Copied to
``resources/models/tiny/`` it becomes the base that ``model: tiny`` loads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

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
    from deep_past.ablation import best_system
    from deep_past.kaggle.download import file_records
    from deep_past.modeling import is_full_checkpoint
    from deep_past.train import resolve_checkpoint

    table = pd.read_csv(scores_tsv, sep="\t", keep_default_na=False)
    runs_only = table[table["system"].isin(list(runs))]
    best = best_system(runs_only)
    system = str(best["system"])
    ckpt = resolve_checkpoint(runs[system], system.rsplit("/", 1)[1])
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
