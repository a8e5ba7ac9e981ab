"""Export the chosen system's model for the offline notebook: the LoRA adapter merged into its
base model (``merge_and_unload``) or kept beside it, optionally saved 4-bit (NF4).

``results/export/{name}/`` holds safetensors weights, the tokenizer, ``generation_config.json``,
``adapter/`` when not merged, ``tables/`` (hint tables the prompt variant needs) and
``manifest.json``: pipeline config, preprocessing version, source run and checkpoint, and the
sha256 and size of every file.

An ensemble (``mbr/NAME``) or the translation memory is exported member by member
(``export_members``): the base model once, each member run's LoRA adapter under
``adapters/<system with / as -->/`` (never merged: N merged copies would multiply the dataset by
the member count, adapters are a few MB each), the hint tables of every member's prompt, and for
the memory ``tables/memory.csv`` (``results/data/pairs.csv``). The manifest lists the members.

With ``probe`` settings, each model member's greedy outputs for a few validation prompts are
recorded in fp32 (``precision_probe.json``, see ``modeling.precision``): the notebook checks
its chosen dtype against them before the full run.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deep_past.systems import SystemId

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TRAINING_STATE = shutil.ignore_patterns(
    "optimizer.pt", "scheduler.pt", "rng_state*.pth", "training_args.bin", "trainer_state.json"
)
ADAPTER_DIR = "adapter"
ADAPTERS_DIR = "adapters"  # one per member run of an ensemble export
TABLES_DIR = "tables"
DTYPES = ("auto", "float32", "bfloat16", "float16")
QUANTIZE = ("none", "nf4")


def _torch_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}: use one of {DTYPES}")
    return "auto" if name == "auto" else getattr(torch, name)


def _load_merged(base: str, adapter: Path | None, merge: bool, dtype: str) -> Any:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype=_torch_dtype(dtype), device_map="cpu")
    if adapter is not None and merge:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    return model


def _save_nf4(model: Any, out: Path) -> None:
    """Reload the saved full-precision weights as bitsandbytes NF4 and save those."""
    from transformers import AutoModelForCausalLM

    from deep_past.modeling.base import choose_device, quantization_config

    device = choose_device("auto", "nf4")
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        quantized = AutoModelForCausalLM.from_pretrained(
            tmp, quantization_config=quantization_config("nf4", device), device_map={"": device}
        )
        quantized.save_pretrained(out, safe_serialization=True)


def quality_cost(
    full: Any,
    quantized_dir: str | Path,
    prompts_jsonl: str | Path,
    segments_csv: str | Path,
    generation: Mapping[str, Any],
) -> dict[str, Any]:
    """Competition scores of the full-precision model and of the saved 4-bit one on a labelled
    split (its prompts and segments), with the same decoding: what quantizing costs."""
    import pandas as pd

    from deep_past.evaluation.metrics import corpus_scores
    from deep_past.io import read_jsonl
    from deep_past.modeling.base import load_model_and_tokenizer
    from deep_past.modeling.generate import GenerateConfig, generate
    from deep_past.text.long_sources import join_pieces
    from deep_past.text.postprocess import postprocess

    records = read_jsonl(prompts_jsonl)
    refs = pd.read_csv(segments_csv, dtype=str, keep_default_na=False).set_index("id")["reference"]
    messages = [r["prompt"] for r in records]
    # Records of one id are the pieces of an over-long source: joined before scoring.
    ids = [r["id"] for r in records]
    references = [refs[i] for i in dict.fromkeys(ids)]
    cfg = GenerateConfig(**generation)
    # Name the quantization: passing quantization_config=None (what the loader does without it)
    # makes transformers ignore the checkpoint's own 4-bit config.
    quantized, tokenizer = load_model_and_tokenizer(str(quantized_dir), quantization="nf4")
    scores = {}
    for name, model in (("full", full), ("nf4", quantized)):
        outputs = generate(model, tokenizer, messages, cfg)
        _, hypotheses = join_pieces(ids, [o[0] for o in outputs])
        scores[name] = corpus_scores([postprocess(h) for h in hypotheses], references)
    scores["geomean_delta"] = scores["nf4"]["geomean"] - scores["full"]["geomean"]
    scores["split"] = str(segments_csv)
    log.info("4-bit quality cost on %s: %s", segments_csv, scores)
    return scores


def export_model(
    base_model: str,
    out_dir: str | Path,
    *,
    adapter: str | Path | None = None,
    merge: bool = True,
    dtype: str = "auto",
    quantize: str = "none",
    tables: Mapping[str, str | Path] | None = None,
    pipeline_config: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
    quality_set: Mapping[str, Any] | None = None,
    probe: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the export directory and its manifest; returns the manifest.

    With ``quantize="nf4"`` and ``quality_set`` ({"prompts", "segments", "generation"}), the
    manifest also records the scores of both precisions on that labelled split. ``probe``
    ({"count", "min_identical", "members": {system: {"prompts", "generation"}}}) records the
    precision probe of the exported model (``write_probe``).

    ``base_model`` is what ``from_pretrained`` loads (the tiny model's directory, a hub name or
    a local path); ``adapter`` a run's ``final``/``checkpoint-N`` directory or None.
    """
    from transformers import AutoTokenizer

    from deep_past.io import write_json
    from deep_past.modeling.base import MANIFEST as BASE_MANIFEST

    if quantize not in QUANTIZE:
        raise ValueError(f"unknown quantize {quantize!r}: use one of {QUANTIZE}")
    if adapter is not None:
        from deep_past.modeling.base import is_full_checkpoint

        if is_full_checkpoint(adapter):
            # A fully fine-tuned run's checkpoint is the whole model: it is what is exported.
            base_model, adapter = str(adapter), None
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    model = _load_merged(base_model, Path(adapter) if adapter else None, merge, dtype)
    if quantize == "nf4":
        _save_nf4(model, out)
    else:
        model.save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(base_model).save_pretrained(out)
    quality = None
    if quantize == "nf4" and quality_set:
        quality = quality_cost(
            model, out, quality_set["prompts"], quality_set["segments"], quality_set["generation"]
        )
    if adapter is not None and not merge:
        shutil.copytree(adapter, out / ADAPTER_DIR)
    system = (source or {}).get("system")
    probe_file = None
    if probe and system in probe["members"]:
        separate = ADAPTER_DIR if adapter is not None and not merge else None
        probe_file = write_probe(out, probe, {system: separate}, quantize)
    # The export is a base-model directory like results/base_model: the pipeline's steps that
    # take a base_dir (the prompts' token counter) accept it as it is.
    write_json({"model": "export", "path": "."}, out / BASE_MANIFEST)
    return _finish(
        out,
        tables,
        {
            "merged": adapter is not None and merge,
            "adapter": ADAPTER_DIR if adapter is not None and not merge else None,
            "dtype": str(getattr(model, "dtype", dtype)).removeprefix("torch."),
            "quantize": quantize,
            "source": {
                "base_model": base_model,
                "adapter": str(adapter) if adapter else None,
                **dict(source or {}),
            },
            "pipeline_config": dict(pipeline_config or {}),
            "quality": quality,
            "precision_probe": probe_file,
        },
    )


def write_probe(
    out: Path,
    probe: Mapping[str, Any],
    adapters: Mapping[str, str | None],
    quantize: str,
) -> str:
    """Greedy fp32 outputs of each model member (``adapters``: system -> its adapter directory
    in the export, None for the base alone) on the first ``count`` prompts of its validation
    prompt file, as the notebook will load it; written to ``out/precision_probe.json``."""
    from deep_past.io import read_jsonl, write_json
    from deep_past.modeling.base import load_model_and_tokenizer
    from deep_past.modeling.precision import FALLBACK_DTYPE, PROBE_FILE, record_probe

    members = {}
    for system, adapter in adapters.items():
        spec = probe["members"][system]
        prompts = [r["prompt"] for r in read_jsonl(spec["prompts"])[: probe["count"]]]
        model, tokenizer = load_model_and_tokenizer(
            str(out),
            dtype=FALLBACK_DTYPE,
            adapter=out / adapter if adapter else None,
            quantization="nf4" if quantize == "nf4" else None,
        )
        members[system] = {
            **record_probe(model, tokenizer, prompts, spec["generation"]),
            "min_identical": probe["min_identical"],
            "source": str(spec["prompts"]),
        }
        del model
    write_json({"format": 1, "members": members}, out / PROBE_FILE)
    log.info("precision probe: %d prompts for %s", probe["count"], sorted(members))
    return PROBE_FILE


def _finish(
    out: Path, tables: Mapping[str, str | Path] | None, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Copy the tables, then write the manifest (sha256 and size of every file)."""
    from deep_past.io import write_json
    from deep_past.kaggle.download import file_records
    from deep_past.text.preprocess import PREPROCESS_VERSION

    for name, path in (tables or {}).items():
        (out / TABLES_DIR).mkdir(exist_ok=True)
        shutil.copy2(path, out / TABLES_DIR / f"{name}.csv")
    files = file_records(out, exclude=(MANIFEST,))
    manifest = {
        "format": 1,
        "preprocess_version": PREPROCESS_VERSION,
        "members": None,
        **fields,
        "files": files,
        "total_size": sum(f["size"] for f in files.values()),
    }
    write_json(manifest, out / MANIFEST)
    log.info("export %s: %d files, %d bytes", out, len(files), manifest["total_size"])
    return manifest


def export_system(
    base_dir: str | Path,
    out_dir: str | Path,
    *,
    system: str,
    run_dir: str | Path | None = None,
    merge: bool = True,
    dtype: str = "auto",
    quantize: str = "none",
    tables: Mapping[str, str | Path] | None = None,
    pipeline_config: Mapping[str, Any] | None = None,
    quality_set: Mapping[str, Any] | None = None,
    probe: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Export the pipeline system ``system`` (its run's checkpoint, or the bare base model)."""
    from deep_past.modeling.base import base_model_path

    sid = SystemId.parse(system)
    if not sid.is_model:
        raise ValueError(
            f"system {system!r} is not a single model (a grid run or zeroshot/PROMPT); "
            "ensembles are exported member by member"
        )
    adapter = None
    if sid.kind == "run":
        from deep_past.modeling.train import resolve_checkpoint

        if run_dir is None:
            raise ValueError(f"system {system!r} needs its run directory")
        adapter = resolve_checkpoint(run_dir, sid.ckpt)
    return export_model(
        base_model_path(base_dir),
        out_dir,
        adapter=adapter,
        merge=merge,
        dtype=dtype,
        quantize=quantize,
        tables=tables,
        pipeline_config=pipeline_config,
        source={"system": system, "run_dir": str(run_dir) if run_dir else None, **sid.parts()},
        quality_set=quality_set,
        probe=probe,
    )


def adapter_dir(system: str) -> str:
    """Where an ensemble export keeps a member run's adapter (relative to the export)."""
    return f"{ADAPTERS_DIR}/{system.replace('/', '--')}"


def export_members(
    base_dir: str | Path,
    out_dir: str | Path,
    *,
    system: str,
    members: Sequence[str],
    run_dirs: Mapping[str, str | Path] | None = None,
    dtype: str = "auto",
    quantize: str = "none",
    tables: Mapping[str, str | Path] | None = None,
    pipeline_config: Mapping[str, Any] | None = None,
    probe: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Export the members of the submission ``system`` (``mbr/NAME`` or ``memory``).

    ``members`` are the ensemble's member systems (grid runs, ``zeroshot/PROMPT``, ``memory``);
    ``run_dirs`` maps each grid member to its run's ``train/`` directory. The base model is saved
    once (optionally NF4) when any member is a model; each grid member's adapter goes to
    ``adapter_dir(member)``. A memory-only export holds only its tables and the manifest.
    """
    from deep_past.modeling.base import base_model_path
    from deep_past.modeling.train import resolve_checkpoint

    listed = []
    adapters = {}
    for member in dict.fromkeys(members):
        sid = SystemId.parse(member)
        if sid.kind == "mbr":
            raise ValueError(f"member {member!r} is not a grid run, zeroshot/PROMPT or memory")
        entry: dict[str, Any] = {
            "system": member,
            "kind": "model" if sid.is_model else "memory",
        }
        if sid.kind == "run":
            if not run_dirs or member not in run_dirs:
                raise ValueError(f"member {member!r} needs its run directory")
            adapters[member] = resolve_checkpoint(run_dirs[member], sid.ckpt)
            entry.update(adapter=adapter_dir(member), run_dir=str(run_dirs[member]))
        else:
            entry["adapter"] = None
        listed.append({**entry, **sid.parts()})
    if any(m["kind"] == "model" for m in listed):
        # The base model alone, with its tables and manifest; the adapters join it below.
        export_model(base_model_path(base_dir), out_dir, dtype=dtype, quantize=quantize)
    else:
        if Path(out_dir).exists():
            shutil.rmtree(out_dir)
        Path(out_dir).mkdir(parents=True)
    out = Path(out_dir)
    base_manifest = _read_manifest(out)
    for member, adapter in adapters.items():
        # A checkpoint's training state (optimizer, RNG) is of no use to the notebook.
        shutil.copytree(adapter, out / adapter_dir(member), ignore=TRAINING_STATE)
    probed = {
        m["system"]: m["adapter"]
        for m in listed
        if m["kind"] == "model" and probe and m["system"] in probe["members"]
    }
    probe_file = write_probe(out, probe, probed, quantize) if probe and probed else None
    return _finish(
        out,
        tables,
        {
            "merged": False,
            "adapter": None,
            "dtype": base_manifest.get("dtype"),
            "quantize": quantize if base_manifest else "none",
            "source": {
                "system": system,
                "base_model": base_model_path(base_dir) if base_manifest else None,
            },
            "members": listed,
            "pipeline_config": dict(pipeline_config or {}),
            "quality": None,
            "precision_probe": probe_file,
        },
    )


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    from deep_past.io import read_json

    manifest = read_json(path)
    path.unlink()
    return manifest


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Export a (merged) model for the Kaggle notebook.")
    parser.add_argument("--base", required=True, help="results/base_model (has base_model.json)")
    parser.add_argument("--out", required=True, help="export directory to write")
    parser.add_argument("--system", required=True, help="PROMPT/HPARAMS/rR/sS/CKPT or zeroshot/P")
    parser.add_argument("--run", default=None, help="the run's train/ directory")
    parser.add_argument("--no-merge", action="store_true", help="keep the adapter separate")
    parser.add_argument("--dtype", default="auto", choices=DTYPES)
    parser.add_argument("--quantize", default="none", choices=QUANTIZE)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    export_system(
        args.base,
        args.out,
        system=args.system,
        run_dir=args.run,
        merge=not args.no_merge,
        dtype=args.dtype,
        quantize=args.quantize,
    )
    print(f"exported to {args.out}")


if __name__ == "__main__":
    main()
