# Config look-ups and input functions of rules/kaggle.smk (paths only: no file reads, no torch).
from types import SimpleNamespace

from deep_past.kaggle.export import parse_system
from deep_past.kaggle.notebook import module_file, notebook_modules

KAGGLE = config["kaggle"]
EXPORT_DIR = f"results/export/{KAGGLE['export']['name']}"


def kaggle_system():
    """The submission's system and its parts. Called from input/params functions only, so an
    unsupported submission (an ensemble, the memory) fails the Kaggle jobs, not the workflow.
    """
    system = submission_system()
    parts = parse_system(system)
    if parts is None:
        raise WorkflowError(
            f"the Kaggle notebook needs a single-model submission, got {system!r}"
        )
    return system, parts


def kaggle_export_inputs(wildcards):
    system, parts = kaggle_system()
    inputs = {"base": base_model_dir()}
    if "checkpoint" in parts:
        run = run_path(parts["prompt"], parts["hparams"], parts["rank"], parts["seed"])
        inputs["run"] = f"results/runs/{run}/train"
    inputs.update(get_hint_inputs(SimpleNamespace(prompt=parts["prompt"])))
    if kaggle_postprocess()["correct_names"]:
        inputs["proper_nouns"] = "results/data/proper_nouns.csv"
    if KAGGLE["export"]["quantize"] != "none":
        # The 4-bit cost is measured on the labelled eval set, else on validation.
        split = "eval" if config["eval_set"] else "val"
        inputs["quality_prompts"] = f"results/prompts/{parts['prompt']}/{split}.jsonl"
        inputs["quality_segments"] = f"results/data/segments/{split}.csv"
    return inputs


def kaggle_postprocess():
    """Name correction in postprocessing, as the postprocess rule does it for model systems."""
    post = config.get("postprocess", {})
    return {
        "correct_names": bool(post.get("correct_names", False)),
        "min_similarity": post.get("min_similarity", 0.9),
    }


def kaggle_prompts(wildcards):
    return f"results/prompts/{kaggle_system()[1]['prompt']}/test.jsonl"


def kaggle_raw(wildcards):
    return f"results/predictions/{kaggle_system()[0]}/test.raw.csv"


def kaggle_benchmark():
    system, parts = kaggle_system()
    if "checkpoint" in parts:
        return f"results/benchmarks/predict/{system}/test.tsv"
    return f"results/benchmarks/predict_zeroshot/{parts['prompt']}/test.tsv"


def kaggle_notebook_sources(wildcards):
    """The package files the notebook inlines: a code change re-renders it."""
    features = set(PROMPTS[kaggle_system()[1]["prompt"]].features)
    if kaggle_postprocess()["correct_names"]:
        features.add("names")  # correct_names lives in deep_past.lexicon
    return [str(module_file(m)) for m in notebook_modules(features)]


def kaggle_model_dir():
    return KAGGLE["notebook"]["model_dir"] or KAGGLE["dataset"]["id"].split("/")[-1]


def kaggle_settings(wildcards):
    nb = KAGGLE["notebook"]
    return {
        "prompt": kaggle_system()[1]["prompt"],
        "input_root": nb["input_root"],
        "working_dir": nb["working_dir"],
        "competition_dir": KAGGLE["competition"],
        "model_dir": kaggle_model_dir(),
        "device": nb["device"],
        "dtype": nb["dtype"],
        "generation": config["generation"],
        "prompt_max_tokens": config["data"]["prompt_max_tokens"],
        "postprocess": kaggle_postprocess(),
    }


def kaggle_budget_settings(wildcards):
    b = KAGGLE["budget"]
    return {
        "model": config["model"],
        "generation": config["generation"],
        "hardware": b["hardware"],
        "n_sentences": b["test_sentences"],
        "limit_hours": b["limit_hours"],
        "margin": b["margin"],
        "benchmark_tsv": kaggle_benchmark(),
    }


def kaggle_export_settings(wildcards):
    return {
        "system": kaggle_system()[0],
        **{k: KAGGLE["export"][k] for k in ("merge", "dtype", "quantize")},
        "pipeline_config": config,
        "generation": config["generation"],
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
