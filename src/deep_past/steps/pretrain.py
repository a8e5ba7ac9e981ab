"""Workflow step (rules/pretrain.smk): the base model pre-trained on monolingual text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deep_past.modeling.base import base_model_path
from deep_past.modeling.pretrain import PretrainConfig, pretrain, pretrain_texts


def pretrain_dir(
    base_dir: str | Path,
    pairs_csv: str | Path,
    published_csv: str | Path | None,
    out_dir: str | Path,
    settings: dict[str, Any],
) -> Path:
    """Workflow step: the base model in ``base_dir`` pre-trained into ``out_dir``."""
    cfg = PretrainConfig(model=base_model_path(base_dir), output_dir=str(out_dir), **settings)
    texts = pretrain_texts(published_csv, pairs_csv, cfg.english)
    return pretrain(cfg, texts)
