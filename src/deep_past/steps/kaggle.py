"""Workflow steps (rules/kaggle.smk): download, export, time budget, notebook, upload.

Download, notebook and upload are the Kaggle package's own calls, named here so that rule
scripts import steps only; export and the time budget assemble their inputs from a rule's files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deep_past.kaggle.download import download_competition
from deep_past.kaggle.notebook import build_notebook
from deep_past.kaggle.upload import upload_export
from deep_past.prompting.registry import HINT_TABLES

__all__ = [
    "build_notebook",
    "download_competition",
    "export_file",
    "time_budget_file",
    "upload_export",
]

TABLES = HINT_TABLES  # the hint tables an export carries (under tables/)


def export_file(
    out_dir: str | Path,
    settings: Mapping[str, Any],
    *,
    base_dir: str | Path | None,
    tables: Mapping[str, str | Path],
    run_dirs: Sequence[str | Path] = (),
    quality_prompts: str | Path | None = None,
    quality_segments: str | Path | None = None,
) -> None:
    """The submitted system for the notebook: an ensemble or the memory exports its members (the
    base model once, adapters beside it); a single system its model, checked on a quality set
    when one is given."""
    from deep_past.kaggle.export import export_members, export_system

    settings = dict(settings)
    tables = {k: v for k, v in tables.items() if k in TABLES and v}
    if "members" in settings:
        export_members(base_dir, out_dir, tables=tables, **settings)
        return
    generation = settings.pop("generation", None)
    quality = None
    if quality_prompts is not None:
        quality = {
            "prompts": quality_prompts,
            "segments": quality_segments,
            "generation": generation,
        }
    run_dir = run_dirs[0] if run_dirs else None
    export_system(
        base_dir, out_dir, run_dir=run_dir, tables=tables, quality_set=quality, **settings
    )


def time_budget_file(
    base_dir: str | Path,
    segments_csv: str | Path,
    settings: Mapping[str, Any],
    out_json: str | Path,
    gpu_json: str | Path | None = None,
) -> None:
    """The notebook's estimated run time: each generating member in turn (one member writes its
    own budget; several are summed against the limit)."""
    from deep_past.kaggle.budget import members_budget, time_budget
    from deep_past.modeling.base import base_model_path

    settings = dict(settings)
    members, single = settings.pop("members"), settings.pop("single")
    limits = {k: settings[k] for k in ("limit_hours", "margin")}
    parts = {}
    for m in members:
        parts[m["name"]] = time_budget(
            model_dir=base_model_path(base_dir),  # the shipped base's own directory
            segments_csv=segments_csv,
            prompts_jsonl=m["prompts"],
            raw_csv=m["raw"],
            timing_json=m["timing_json"],
            generation=m["generation"],
            gpu_json=gpu_json,
            out_json=out_json if single else None,
            **settings,
        )
    if not single:
        members_budget(parts, out_json=out_json, **limits)
