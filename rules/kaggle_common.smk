# Config look-ups and input functions of rules/kaggle.smk (paths only: no file reads, no torch).
import glob
from types import SimpleNamespace

from deep_past.kaggle.export import parse_system
from deep_past.kaggle.notebook import module_file, notebook_modules

KAGGLE = config["kaggle"]
EXPORT_DIR = f"results/export/{KAGGLE['export']['name']}"


def kaggle_system():
    """The submission's system and its parts (None for an ensemble or the memory)."""
    system = KAGGLE["system"] or submission_system()
    if system == "best":
        raise WorkflowError(
            "submission: best is chosen after scoring, but the notebook's system must be known "
            "before: set kaggle.system to it (results/ablation/scores.tsv marks it 'best')"
        )
    return system, parse_system(system)


def kaggle_members():
    """What the notebook runs, in the order the pipeline feeds them to MBR: one entry per
    candidate file (a grid run, zeroshot/PROMPT, the memory, a grid run's samples). Called from
    input/params functions only, so an unknown submission fails the Kaggle jobs, not the workflow.
    """
    system, parts = kaggle_system()
    if parts is not None or system == "memory":
        systems, spec = [system], None
    elif system.startswith("mbr/") and system[4:] in config["mbr"]:
        spec = config["mbr"][system[4:]]
        systems = mbr_members(system[4:])
        if spec["memory_nbest"] > 0:
            raise WorkflowError(
                f"the Kaggle notebook does not run the memory's n-best yet: ensemble "
                f"{system[4:]!r} has memory_nbest {spec['memory_nbest']}; use memory_nbest: 0"
            )
    else:
        raise WorkflowError(
            f"the Kaggle notebook runs a grid run, zeroshot/PROMPT, memory or mbr/NAME of "
            f"config mbr; got submission {system!r}"
        )
    members = [_kaggle_member(s) for s in systems]
    if spec is not None and spec["samples"] > 0:
        members += [
            _kaggle_member(s, spec) for s in systems if s in grid_systems()
        ]  # as get_mbr_candidates
    return members


def _kaggle_member(system, sampling=None):
    if system == "memory":
        return {"name": "memory", "system": system, "kind": "memory"}
    parts = parse_system(system)
    if sampling is None:
        raw = f"results/predictions/{system}/test.raw.csv"
        step = "predict" if "checkpoint" in parts else "predict_zeroshot"
        bench = system if "checkpoint" in parts else parts["prompt"]
        benchmark = f"results/benchmarks/{step}/{bench}/test.tsv"
        generation, name = dict(config["generation"]), system
    else:
        leaf = f"{system}/k{sampling['samples']}_t{sampling['temperature']}"
        raw = f"results/samples/{leaf}/test.raw.csv"
        benchmark = f"results/benchmarks/predict_samples/{leaf}/test.tsv"
        generation = sampling_settings(
            SimpleNamespace(k=sampling["samples"], temp=sampling["temperature"])
        )
        name = f"{system}/samples"
    return {
        "name": name,
        "system": system,
        "kind": "model",
        "prompt": parts["prompt"],
        "run": (
            f"results/runs/{run_path(parts['prompt'], parts['hparams'], parts['rank'], parts['seed'])}/train"
            if "checkpoint" in parts
            else None
        ),
        "generation": generation,
        "raw": raw,
        "benchmark": benchmark,
    }


def kaggle_model_members():
    return [m for m in kaggle_members() if m["kind"] == "model"]


def kaggle_single():
    """True when the submission is one model (the export may merge its adapter)."""
    return kaggle_system()[1] is not None


def kaggle_features():
    """Prompt features of every model member, plus "names" when names are corrected."""
    members = kaggle_model_members()
    features = {f for m in members for f in PROMPTS[m["prompt"]].features}
    if kaggle_postprocess()["correct_names"] and members:
        features.add("names")  # correct_names lives in deep_past.corpus.lexicon
    if any(m["kind"] == "memory" for m in kaggle_members()):
        features.add("memory")  # deep_past.steps.ensemble.memory_file
    return features


def kaggle_export_inputs(wildcards):
    members = kaggle_members()
    models = [m for m in members if m["kind"] == "model"]
    inputs = {}
    if models:
        inputs["base"] = base_model_dir()
    runs = list(dict.fromkeys(m["run"] for m in models if m["run"]))
    if runs:
        inputs["runs"] = runs
    for prompt in dict.fromkeys(m["prompt"] for m in models):
        inputs.update(get_hint_inputs(SimpleNamespace(prompt=prompt)))
    if any(m["kind"] == "memory" for m in members):
        inputs["memory"] = "results/data/pairs.csv"
        inputs["lexicon"] = "results/data/lexicon.csv"  # name slots of the memory
        inputs["proper_nouns"] = "results/data/proper_nouns.csv"
    if kaggle_postprocess()["correct_names"] and models:
        inputs["proper_nouns"] = "results/data/proper_nouns.csv"
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


def kaggle_notebook_sources(wildcards):
    """The package files the notebook inlines: a code change re-renders it."""
    ensemble = kaggle_system()[0].startswith("mbr/")
    modules = notebook_modules(kaggle_features(), ensemble=ensemble)
    return [str(module_file(m)) for m in modules]


def kaggle_model_dir():
    return KAGGLE["notebook"]["model_dir"] or KAGGLE["dataset"]["id"].split("/")[-1]


def kaggle_settings(wildcards):
    nb = KAGGLE["notebook"]
    system = kaggle_system()[0]
    mbr = None
    if system.startswith("mbr/"):
        spec = config["mbr"][system[4:]]
        mbr = {"utility": spec["utility"], "weights": dict(spec["weights"])}
    keep = ("name", "system", "kind", "prompt", "generation")
    return {
        "system": system,
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
                "benchmark_tsv": m["benchmark"],
                "generation": m["generation"],
            }
            for m in kaggle_model_members()
        ],
    }


def kaggle_export_settings(wildcards):
    system = kaggle_system()[0]
    settings = {
        "system": system,
        **{k: KAGGLE["export"][k] for k in ("dtype", "quantize")},
        "pipeline_config": config,
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
