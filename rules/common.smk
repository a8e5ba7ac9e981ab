# Input functions, wildcard constraints and config look-ups. Paths only: no file reads, no torch.
import fnmatch
import itertools
import os
import re

from deep_past.modeling.base import quantization_mode
from deep_past.prompting.registry import PROMPTS
from deep_past.systems import PART_PATTERNS, PATTERNS, RUN, SystemId, kinds_regex

# Optional paths and names: "" and null (`--config eval_set=` on the command line) both mean
# none; spelled "" from here on, so every reader sees one value.
for _section, _key in (
    (config, "eval_set"),
    (config, "submission"),
    (config["cluster"]["ssh"], "host"),
    (config["kaggle"]["notebook"], "model_dir"),
):
    if _section.get(_key) is None:
        _section[_key] = ""

SPLITS_SCORED = ["val"] + (["eval"] if config["eval_set"] else [])
# Every split a system answers: the labelled ones, then test (the submission's). One job answers
# them all: per job a process start, a model load and a share of every dry run, so a large grid
# has a job per run, not per run, checkpoint and split.
SPLITS = SPLITS_SCORED + ["test"]
# A grid run's answers, (checkpoint, split) in this order: its predict and evaluate_run jobs
# cover every checkpoint of grid.checkpoint; the scripts pair these with their file lists.
RUN_ANSWERS = [(c, s) for c in config["grid"]["checkpoint"] for s in SPLITS]
RUN_SCORED = [(c, s) for c, s in RUN_ANSWERS if s in SPLITS_SCORED]
# Any other system's answers: each split once, with no checkpoint of its own.
SPLIT_ANSWERS = [(None, s) for s in SPLITS]


def each_split(pattern):
    """``pattern`` for each of SPLITS, its other wildcards kept."""
    return expand(pattern, split=SPLITS, allow_missing=True)


def run_answer_files(pattern, answers=RUN_ANSWERS):
    """``pattern`` (with {ckpt} and {split}) for each of a run's ``answers``, in their order."""
    return [
        expand(pattern, ckpt=ckpt, split=split, allow_missing=True)[0]
        for ckpt, split in answers
    ]


# The systems' paths as wildcard patterns (deep_past.systems): RUN is a grid run's directory
# "{prompt}/{hparams}/r{rank}/s{seed}", RUN_SYSTEM one of its checkpoints (RUN, then {ckpt}),
# ZEROSHOT "zeroshot/{prompt}" and MBR "mbr/{ensemble}".
RUN_SYSTEM, ZEROSHOT, MBR = (PATTERNS[k] for k in ("run", "zeroshot", "mbr"))
# Sampled hypotheses of a grid system for MBR: results/samples/<system>/<SAMPLES>/.
SAMPLES = "k{k}_t{temp}"


wildcard_constraints:
    prompt="|".join(PROMPTS),
    hparams="|".join(map(re.escape, config["hparams"])),
    rank=PART_PATTERNS["rank"],
    seed=PART_PATTERNS["seed"],
    ckpt=PART_PATTERNS["ckpt"],
    split="val|test|eval",
    system=r".+",
    ensemble="|".join(config["mbr"]) or "no-ensembles",
    k=r"\d+",
    temp=r"[0-9.]+",


def data_file(name):
    return os.path.join(config["data_dir"], name)


def get_excluded_documents(wildcards):
    """Documents to leave out of training (data.exclude_documents), as a train.csv-shaped file."""
    path = config["data"]["exclude_documents"]
    return {"exclude": os.path.join(workflow.basedir, path)} if path else {}


def eval_file(name):
    return os.path.join(config["eval_set"], name)


def grid_systems():
    """Every checkpoint of every grid run, in the order of the grid's axes."""
    g = config["grid"]
    axes = (g["prompt"], g["hparams"], g["lora_rank"], g["seed"], g["checkpoint"])
    return [str(SystemId.run(*combo)) for combo in itertools.product(*axes)]


def grid_run_dirs():
    """Each grid system's training run directory."""
    return {
        s: f"results/runs/{SystemId.parse(s).run_dir}/train" for s in grid_systems()
    }


def given_configfiles():
    """The --configfile files of this run (the workflow's own config/config.yaml left out),
    relative to the workflow where they are in it."""
    default = os.path.join(workflow.basedir, "config", "config.yaml")
    files = []
    for path in map(os.path.abspath, workflow.configfiles):
        if path == os.path.abspath(default):
            continue
        inside = path.startswith(os.path.abspath(workflow.basedir) + os.sep)
        files.append(os.path.relpath(path, workflow.basedir) if inside else path)
    return files or ["config/config.yaml"]


def shipped_base_provenance():
    """What the shipped base's model card says about its making."""
    return {
        "data": f"Training documents of {config['data_dir']} (validation share "
        f"{config['data']['val_fraction']} held out by document), alignment "
        f"{config['data']['alignment']}, pair kinds {', '.join(config['data']['train_kinds'])}.",
        "command": f"snakemake -c2 --configfile {' '.join(given_configfiles())} --config "
        f"data_dir={config['data_dir']} -- results/shipped_base",
        "eval_set": config["eval_set"],
        "settings": {
            **{
                k: config[k]
                for k in ("model", "scratch_model", "pretrain", "grid", "generation")
            },
            "hparams": {h: config["hparams"][h] for h in config["grid"]["hparams"]},
        },
    }


def member_systems():
    """Systems that predict on their own: grid runs, zero-shot baselines, the memory."""
    zeroshot = (
        [str(SystemId.zeroshot(p)) for p in config["grid"]["prompt"]]
        if config["zeroshot"]
        else []
    )
    memory = [str(SystemId.memory())] if config["memory"] else []
    return grid_systems() + zeroshot + memory


def all_systems():
    return member_systems() + [str(SystemId.mbr(name)) for name in config["mbr"]]


def mbr_members(name):
    """Member systems of an ensemble: every system matching one of its glob selectors."""
    patterns = config["mbr"][name]["members"]
    members = [
        s
        for s in member_systems()
        if any(fnmatch.fnmatchcase(s, pat) for pat in patterns)
    ]
    if not members:
        raise ValueError(f"mbr ensemble '{name}': no system matches {patterns}")
    return members


def samples_leaf(spec):
    """The samples directory of an ensemble's spec (its `samples` at its `temperature`)."""
    return SAMPLES.format(k=spec["samples"], temp=spec["temperature"])


def _samples_path(system, name, split):
    return f"results/samples/{system}/{samples_leaf(config['mbr'][name])}/{split}.csv"


def mbr_candidates(name, split):
    paths = [f"results/predictions/{s}/{split}.csv" for s in mbr_members(name)]
    if config["mbr"][name]["samples"] > 0:
        runs = [s for s in mbr_members(name) if s in grid_systems()]
        paths += [_samples_path(s, name, split) for s in runs]
    if config["mbr"][name]["memory_nbest"] > 0:
        paths.append(
            f"results/samples/memory/nbest{config['mbr'][name]['memory_nbest']}/{split}.csv"
        )
    return paths


def get_mbr_candidates(wildcards):
    """Every split's candidate files, split by split (each in get_mbr_member_names' order)."""
    return [p for split in SPLITS for p in mbr_candidates(wildcards.ensemble, split)]


def get_mbr_member_names(wildcards):
    name = wildcards.ensemble
    names = mbr_members(name)
    if config["mbr"][name]["samples"] > 0:
        names += [f"{s}/samples" for s in mbr_members(name) if s in grid_systems()]
    if config["mbr"][name]["memory_nbest"] > 0:
        names.append("memory/nbest")
    return names


def sampling_settings(wildcards):
    return {
        **config["generation"],
        "do_sample": True,
        "num_return_sequences": int(wildcards.k),
        "temperature": float(wildcards.temp),
    }


def submission_system():
    """The submitted system's path, or "best" (chosen after scoring, by validation geomean)."""
    return config["submission"] or grid_systems()[0]


def submission_candidates():
    """Systems whose test predictions the submission rule may take."""
    choice = submission_system()
    return all_systems() if choice == "best" else [choice]


def get_submission_predictions(wildcards):
    return [f"results/predictions/{s}/test.csv" for s in submission_candidates()]


def get_scores(wildcards=None):
    return expand(
        "results/scores/{system}/{split}.json",
        system=all_systems(),
        split=SPLITS_SCORED,
    )


def get_final_output():
    return [
        "results/submission.csv",
        "results/ablation/scores.tsv",
        "results/data/lexicon.csv",
    ]


def quantization():
    """Config quantization as the code takes it: None (LoRA) or "nf4" (QLoRA)."""
    return quantization_mode(config["quantization"])


def train_settings(wildcards):
    """Everything the training run needs besides its files, from config and wildcards."""
    preset = config["hparams"][wildcards.hparams]
    rank = int(wildcards.rank)
    return {
        **{
            k: v
            for k, v in preset.items()
            if k not in ("lora_alpha_ratio", "batch_size")
        },
        "per_device_batch_size": preset["batch_size"],
        "lora_rank": rank,
        "lora_alpha": int(round(preset.get("lora_alpha_ratio", 2) * rank)),
        "seed": int(wildcards.seed),
        "quantization": quantization(),
        "device": config["device"],
        "report_to": config["report_to"],
        "wandb_mode": config["wandb_mode"],
    }


def model_settings():
    return {
        "quantization": quantization(),
        "device": None if config["device"] == "auto" else config["device"],
    }


# Where this workflow keeps each hint table (deep_past.prompting.registry.HINT_TABLES).
HINT_TABLE_FILES = {
    "lexicon": "results/data/lexicon.csv",
    "proper_nouns": "results/data/proper_nouns.csv",
    "memory": "results/data/pairs.csv",
}


def hint_inputs(tables):
    return {table: HINT_TABLE_FILES[table] for table in tables}


def get_hint_inputs(wildcards):
    """The tables a prompt variant's hints come from (none for plain prompts)."""
    return hint_inputs(PROMPTS[wildcards.prompt].tables)


# Rule scripts import deep_past from this checkout, also inside conda envs and on cluster nodes.
os.environ.update(PYTHONPATH=os.path.join(workflow.basedir, "src"))


# The shipped base model (`model: tiny`): a small Qwen3 pre-trained and fine-tuned by this
# workflow on the public training documents (its README says how; config/base-build.yaml).
SHIPPED_BASE = os.path.join(workflow.basedir, "resources", "models", "tiny")


def get_shipped_base(wildcards):
    return {"shipped": SHIPPED_BASE} if config["model"] == "tiny" else {}


def base_model_dir():
    """The model fine-tuning starts from: the continued pre-trained one when enabled."""
    return (
        "results/pretrained_model"
        if config["pretrain"]["enabled"]
        else "results/base_model"
    )


def get_published_texts(wildcards):
    """published_texts.csv of the data dir when it exists (else pre-training uses train.csv)."""
    path = data_file("published_texts.csv")
    return {"published": path} if os.path.exists(path) else {}


def pretrain_settings():
    settings = {k: v for k, v in config["pretrain"].items() if k != "enabled"}
    return {**settings, "device": config["device"]}


def get_synthetic_inputs(wildcards):
    """Lexicon tables the synthetic pairs come from, when they are mixed in."""
    if not config["data"]["synthetic_lexicon"]["enabled"]:
        return {}
    return {
        "synthetic_lexicon": "results/data/lexicon.csv",
        "synthetic_names": "results/data/proper_nouns.csv",
    }


NAME_TABLE = {"proper_nouns": "results/data/proper_nouns.csv"}


def name_table(system):
    """Name correction's proper-noun table, for model outputs only (the memory's and the
    ensembles' answers come from corrected ones)."""
    names = config["postprocess"]["correct_names"]
    return NAME_TABLE if names and SystemId.parse(system).is_model else {}


def get_name_table(wildcards):
    return name_table(wildcards.system)


def get_samples_name_table(wildcards):
    """As get_name_table, for results/samples/<system>/<sample set> (k{k}_t{temp}, nbest{k})."""
    return name_table(wildcards.samples.rsplit("/", 1)[0])


def get_prompt_stats(wildcards=None):
    return expand(
        "results/prompts/{prompt}/{split}.stats.json",
        prompt=config["grid"]["prompt"],
        split=SPLITS_SCORED,
    )


def run_setup():
    """Data options of this run: constant columns of the ablation table."""
    data = config["data"]
    return {
        "alignment": data["alignment"],
        "synthetic_lexicon": (
            data["synthetic_lexicon"]["max_pairs"]
            if data["synthetic_lexicon"]["enabled"]
            else 0
        ),
        "pretrain": (
            config["pretrain"]["max_steps"] if config["pretrain"]["enabled"] else 0
        ),
        "correct_names": config["postprocess"]["correct_names"],
        "memory_options": ",".join(
            f"{key}={value}" for key, value in sorted(config["memory_options"].items())
        ),
    }
