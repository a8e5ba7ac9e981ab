# Config look-ups and input functions of rules/kaggle.smk (paths only: no file reads, no torch).
import glob
from types import SimpleNamespace

from deep_past.kaggle.notebook import (
    export_tables,
    module_file,
    notebook_features,
    notebook_modules,
)

KAGGLE = config["kaggle"]
EXPORT_DIR = f"results/export/{KAGGLE['export']['name']}"


def kaggle_system():
    """The submission's system id. Called from input/params functions only, so an unknown
    submission fails the Kaggle jobs, not the workflow."""
    system = KAGGLE["system"] or submission_system()
    if system == "best":
        raise WorkflowError(
            "submission: best is chosen after scoring, but the notebook's system must be known "
            "before: set kaggle.system to it (results/ablation/scores.tsv marks it 'best')"
        )
    try:
        sid = SystemId.parse(system)
    except ValueError:
        sid = None
    if sid is None or (sid.kind == "mbr" and sid.ensemble not in config["mbr"]):
        raise WorkflowError(
            f"the Kaggle notebook runs a grid run, zeroshot/PROMPT, memory or mbr/NAME of "
            f"config mbr; got submission {system!r}"
        )
    return sid


def kaggle_members():
    """What the notebook runs, in the order the pipeline feeds them to MBR: one entry per
    candidate file (a grid run, zeroshot/PROMPT, the memory, a grid run's samples)."""
    sid = kaggle_system()
    spec = config["mbr"][sid.ensemble] if sid.kind == "mbr" else None
    systems = mbr_members(sid.ensemble) if spec is not None else [str(sid)]
    if spec is not None and spec["memory_nbest"] > 0:
        raise WorkflowError(
            f"the Kaggle notebook does not run the memory's n-best yet: ensemble "
            f"{sid.ensemble!r} has memory_nbest {spec['memory_nbest']}; use memory_nbest: 0"
        )
    members = [_kaggle_member(s) for s in systems]
    if spec is not None and spec["samples"] > 0:
        members += [
            _kaggle_member(s, spec) for s in systems if s in grid_systems()
        ]  # as get_mbr_candidates
    return members


def _kaggle_member(system, sampling=None):
    sid = SystemId.parse(system)
    if sid.kind == "memory":
        return {"name": "memory", "system": system, "kind": "memory"}
    if sampling is None:
        raw = f"results/predictions/{system}/test.raw.csv"
        # As the timing outputs of the predict (a job per run) and predict_zeroshot rules.
        job_dir = sid.run_dir if sid.kind == "run" else system
        timing = f"results/predictions/{job_dir}/timing.json"
        generation, name = dict(config["generation"]), system
    else:
        leaf = f"{system}/{samples_leaf(sampling)}"
        raw = f"results/samples/{leaf}/test.raw.csv"
        timing = f"results/samples/{leaf}/timing.json"
        generation = sampling_settings(
            SimpleNamespace(k=sampling["samples"], temp=sampling["temperature"])
        )
        name = f"{system}/samples"
    return {
        "name": name,
        "system": system,
        "kind": "model",
        "prompt": sid.prompt,
        "run": f"results/runs/{sid.run_dir}/train" if sid.kind == "run" else None,
        "generation": generation,
        "raw": raw,
        "timing": timing,
    }


def kaggle_model_members():
    return [m for m in kaggle_members() if m["kind"] == "model"]


def kaggle_single():
    """True when the submission is one model (the export may merge its adapter)."""
    return kaggle_system().is_model


def kaggle_features():
    return notebook_features(kaggle_members(), kaggle_postprocess()["correct_names"])


def kaggle_export_inputs(wildcards):
    members = kaggle_members()
    models = [m for m in members if m["kind"] == "model"]
    inputs = {}
    if models:
        inputs["base"] = base_model_dir()
    runs = list(dict.fromkeys(m["run"] for m in models if m["run"]))
    if runs:
        inputs["runs"] = runs
    inputs.update(hint_inputs(export_tables(kaggle_features())))
    probe = kaggle_probe()
    if probe:
        inputs["probe_prompts"] = sorted(
            {m["prompts"] for m in probe["members"].values()}
        )
    if KAGGLE["export"]["quantize"] != "none" and kaggle_single():
        # The 4-bit cost is measured on the labelled eval set, else on validation.
        split = "eval" if config["eval_set"] else "val"
        inputs["quality_prompts"] = (
            f"results/prompts/{models[0]['prompt']}/{split}.jsonl"
        )
        inputs["quality_segments"] = f"results/data/segments/{split}.csv"
    return inputs


def kaggle_probe():
    """The precision probe the export records: each model member's validation prompts and
    decoding settings (the first entry per system: a sampled member shares its model).
    """
    count = KAGGLE["export"]["precision_probe"]
    members = {}
    for m in kaggle_model_members():
        members.setdefault(
            m["system"],
            {
                "prompts": f"results/prompts/{m['prompt']}/val.jsonl",
                "generation": m["generation"],
            },
        )
    if not count or not members:
        return None
    return {
        "count": count,
        "min_identical": KAGGLE["export"]["precision_min_identical"],
        "members": members,
    }


def kaggle_gpu_benchmark(wildcards):
    """The GPU benchmark JSON the time budget scales (none: the paper figures)."""
    name = KAGGLE["budget"]["gpu_benchmark"]
    if name == "auto":
        found = sorted(glob.glob("benchmarks/results/gpu-*.json"))
        return found[-1:]
    return [name] if name else []


def kaggle_postprocess():
    """Name correction in postprocessing, as the postprocess rule does it for model systems."""
    post = config.get("postprocess", {})
    return {
        "correct_names": bool(post.get("correct_names", False)),
        "min_similarity": post.get("min_similarity", 0.9),
    }


def kaggle_prompts(wildcards):
    prompts = dict.fromkeys(m["prompt"] for m in kaggle_model_members())
    return [f"results/prompts/{p}/test.jsonl" for p in prompts]


def kaggle_raw(wildcards):
    return [m["raw"] for m in kaggle_model_members()]


def kaggle_timings(wildcards):
    return list(dict.fromkeys(m["timing"] for m in kaggle_model_members()))


def kaggle_notebook_sources(wildcards):
    """The package files the notebook inlines: a code change re-renders it."""
    ensemble = kaggle_system().kind == "mbr"
    modules = notebook_modules(kaggle_features(), ensemble=ensemble)
    return [str(module_file(m)) for m in modules]


def kaggle_model_dir():
    return KAGGLE["notebook"]["model_dir"] or KAGGLE["dataset"]["id"].split("/")[-1]


def kaggle_settings(wildcards):
    nb = KAGGLE["notebook"]
    sid = kaggle_system()
    mbr = None
    if sid.kind == "mbr":
        spec = config["mbr"][sid.ensemble]
        mbr = {"utility": spec["utility"], "weights": dict(spec["weights"])}
    keep = ("name", "system", "kind", "prompt", "generation")
    return {
        "system": str(sid),
        "members": [{k: m[k] for k in keep if k in m} for m in kaggle_members()],
        "mbr": mbr,
        "input_root": nb["input_root"],
        "working_dir": nb["working_dir"],
        "competition_dir": KAGGLE["competition"],
        "model_dir": kaggle_model_dir(),
        "device": nb["device"],
        "dtype": nb["dtype"],
        "prompt_max_tokens": config["data"]["prompt_max_tokens"],
        "postprocess": kaggle_postprocess(),
        "memory_options": dict(config["memory_options"]),
    }


def kaggle_budget_settings(wildcards):
    b = KAGGLE["budget"]
    return {
        "model": config["model"],
        "hardware": b["hardware"],
        "n_sentences": b["test_sentences"],
        "limit_hours": b["limit_hours"],
        "margin": b["margin"],
        "single": kaggle_single(),
        "members": [
            {
                "name": m["name"],
                "prompts": f"results/prompts/{m['prompt']}/test.jsonl",
                "raw": m["raw"],
                "timing_json": m["timing"],
                "generation": m["generation"],
            }
            for m in kaggle_model_members()
        ],
    }


def kaggle_export_provenance():
    """The settings the exported members were made with, for the export's manifest: only
    these, so that editing another part of the config does not rerun the export."""
    members = kaggle_members()
    presets = [SystemId.parse(m["system"]).hparams for m in members if m.get("run")]
    keys = ("model", "scratch_model", "pretrain", "quantization", "data", "generation")
    return {
        **{k: config[k] for k in keys},
        "hparams": {h: config["hparams"][h] for h in dict.fromkeys(presets)},
        **(
            {"memory_options": dict(config["memory_options"])}
            if any(m["kind"] == "memory" for m in members)
            else {}
        ),
    }


def kaggle_export_settings(wildcards):
    settings = {
        "system": str(kaggle_system()),
        **{k: KAGGLE["export"][k] for k in ("dtype", "quantize")},
        "pipeline_config": kaggle_export_provenance(),
        "probe": kaggle_probe(),
    }
    if kaggle_single():
        return {
            **settings,
            "merge": KAGGLE["export"]["merge"],
            "generation": config["generation"],
        }
    members = kaggle_members()
    return {
        **settings,
        "members": list(dict.fromkeys(m["system"] for m in members)),
        "run_dirs": {m["system"]: m["run"] for m in members if m.get("run")},
    }


def kaggle_dataset_settings():
    d = KAGGLE["dataset"]
    return {
        "dataset_id": d["id"],
        "title": d["title"],
        "license_name": d["license"],
        "version_notes": d["version_notes"],
        "dry_run": not d["upload"],
    }
