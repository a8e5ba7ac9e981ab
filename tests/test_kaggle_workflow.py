"""The Kaggle path end to end, on the tiny model and demo data: one workflow run (with fake
secrets in its environment) up to the notebook, the notebook executed with nbclient against a
/kaggle/input-like directory, then: same submission byte for byte, merged model == adapter model
under greedy decoding, the export manifest, the time budget, and no secret in any output."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from deep_past.kaggle import COMPETITION
from workflow_helpers import ROOT, snakemake, workflow_copy

pytestmark = pytest.mark.slow

SECRETS = {
    "KAGGLE_USERNAME": "fakeuser7c1e9d",
    "KAGGLE_KEY": "fakekey5d8a0e6b4f2c91a7d3e0b6c4f8a2d9e1",
    "WANDB_API_KEY": "fakewandb3f6b8d1e0a2c4e6f8b0d2f4a6c8e0b2d4f6a8c0e",
}
# A few optimiser steps instead of epochs: the graph is the same, the run takes a few minutes.
FAST = {
    # The random-init builder (fast; what these tests ran on before the shipped base): the Kaggle
    # path is the same for any base, and the export's merge equality needs no trained model.
    "model": "scratch",
    "eval_set": "",
    "zeroshot": False,
    "grid": {"prompt": ["plain"], "checkpoint": ["last"]},
    "submission": "plain/default/r8/s0/last",
    # The random-init model writes to its budget: a short one (the notebook decodes as the
    # pipeline does, whatever the budget).
    "generation": {"max_new_tokens": 24},
    "hparams": {
        "default": {
            "learning_rate": 0.002,
            "num_epochs": 1,
            "max_steps": 8,
            "max_length": 256,
            "lora_alpha_ratio": 2,
            "lora_dropout": 0.0,
            "batch_size": 8,
            "gradient_accumulation_steps": 1,
            "save_steps": 4,
            "eval_steps": 4,
            "warmup_ratio": 0.05,
        }
    },
}
SYSTEM = "plain/default/r8/s0/last"


@pytest.fixture(scope="session")
def kaggle_run(tmp_path_factory, demo_dir):
    base = tmp_path_factory.mktemp("kaggle")
    wf = workflow_copy(base / "wf")
    overlay = base / "fast.yaml"
    overlay.write_text(yaml.safe_dump(FAST))
    # Laid out like Kaggle: the competition's files and the model dataset under one root.
    inputs = base / "input"
    shutil.copytree(demo_dir, inputs / COMPETITION)
    working = base / "working"
    working.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SECRETS.items():
            mp.setenv(name, value)
        done = snakemake(
            wf,
            "-c2",
            "results/submission.csv",
            "results/kaggle/notebook.ipynb",
            "--configfile",
            str(overlay),
            timeout=1800,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        shutil.copytree(wf / "results" / "kaggle" / "dataset", inputs / "deep-past-model")
        mp.setenv("DEEP_PAST_KAGGLE_INPUT", str(inputs))
        mp.setenv("DEEP_PAST_KAGGLE_WORKING", str(working))
        executed = _execute(wf / "results" / "kaggle" / "notebook.ipynb", working)
    return {"wf": wf, "working": working, "executed": executed, "inputs": inputs}


def _execute(notebook: Path, cwd: Path) -> Path:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    out = cwd.parent / "executed.ipynb"
    nbformat.write(nb, out)
    return out


def printed(executed: Path) -> str:
    """Everything the executed notebook's cells printed."""
    nb = json.loads(executed.read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_notebook_reproduces_the_pipeline_submission(kaggle_run):
    ours = kaggle_run["working"] / "submission.csv"
    pipeline = kaggle_run["wf"] / "results" / "submission.csv"
    assert ours.read_bytes() == pipeline.read_bytes()
    # The precision guard ran first and kept the dtype: on the CPU that is the probe's fp32.
    assert f"{SYSTEM}: precision guard: float32 kept: 8/8 greedy outputs" in printed(
        kaggle_run["executed"]
    )


def test_precision_guard_falls_back_to_fp32_and_still_reproduces(kaggle_run, tmp_path):
    """A bf16 notebook whose probe it cannot reproduce (one output changed, as an fp16 overflow
    would change them) reloads the model in fp32, says so, and writes the pipeline's
    submission byte for byte."""
    inputs, working = tmp_path / "input", tmp_path / "working"
    shutil.copytree(kaggle_run["inputs"], inputs)
    working.mkdir()
    probe_file = inputs / "deep-past-model" / "precision_probe.json"
    probe = json.loads(probe_file.read_text())
    probe["members"][SYSTEM]["outputs"][0] = "!!!!"
    probe_file.write_text(json.dumps(probe))
    notebook = tmp_path / "bf16.ipynb"
    text = (kaggle_run["wf"] / "results" / "kaggle" / "notebook.ipynb").read_text()
    assert text.count("'dtype': 'auto'") == 1
    notebook.write_text(text.replace("'dtype': 'auto'", "'dtype': 'bfloat16'"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DEEP_PAST_KAGGLE_INPUT", str(inputs))
        mp.setenv("DEEP_PAST_KAGGLE_WORKING", str(working))
        executed = _execute(notebook, working)
    out = printed(executed)
    assert "precision guard: bfloat16 REJECTED" in out and "falling back to float32" in out
    pipeline = kaggle_run["wf"] / "results" / "submission.csv"
    assert (working / "submission.csv").read_bytes() == pipeline.read_bytes()


def test_notebook_is_offline_and_inlines_the_package(kaggle_run):
    nb = json.loads((kaggle_run["wf"] / "results" / "kaggle" / "notebook.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'os.environ[_var] = "1"' in code and "TRANSFORMERS_OFFLINE" in code
    assert "pip install" not in code and 'from_pretrained("Qwen' not in code
    transliteration = (ROOT / "src/deep_past/text/transliteration.py").read_text()
    assert repr(transliteration) in code  # verbatim from the source file
    assert nb["metadata"]["deep_past"]["system"] == SYSTEM


def test_no_secret_in_outputs(kaggle_run):
    wf = kaggle_run["wf"]
    files = [p for d in (wf / "results", wf / ".snakemake" / "log") for p in d.rglob("*")]
    files += [p for p in kaggle_run["working"].rglob("*")] + [kaggle_run["executed"]]
    files = [p for p in files if p.is_file()]
    assert len(files) > 50
    for path in files:
        data = path.read_bytes()
        for name, value in SECRETS.items():
            assert value.encode() not in data, f"{name} leaked into {path}"


def test_export_manifest(kaggle_run):
    from deep_past.kaggle.download import sha256_file
    from deep_past.text.preprocess import PREPROCESS_VERSION

    export = kaggle_run["wf"] / "results" / "export" / "model"
    manifest = json.loads((export / "manifest.json").read_text())
    assert manifest["preprocess_version"] == PREPROCESS_VERSION
    assert manifest["merged"] is True and manifest["source"]["system"] == SYSTEM
    assert manifest["pipeline_config"]["hparams"]["default"]["max_steps"] == 8
    assert {"model.safetensors", "tokenizer.json", "generation_config.json", "config.json"} <= set(
        manifest["files"]
    )
    for rel, rec in manifest["files"].items():
        assert (
            sha256_file(export / rel) == rec["sha256"]
            and (export / rel).stat().st_size == rec["size"]
        )
    assert manifest["total_size"] == sum(r["size"] for r in manifest["files"].values())
    # The precision probe: fp32 greedy outputs of 8 validation prompts, listed like any file.
    assert manifest["precision_probe"] == "precision_probe.json"
    assert "precision_probe.json" in manifest["files"]
    probe = json.loads((export / "precision_probe.json").read_text())["members"][SYSTEM]
    assert len(probe["prompts"]) == len(probe["outputs"]) == 8
    assert probe["reference_dtype"] == "float32" and probe["generation"]["num_beams"] == 1
    assert probe["source"].endswith("results/prompts/plain/val.jsonl")


def test_merged_model_greedy_outputs_equal_the_adapter_models(kaggle_run):
    import torch

    from deep_past.io import read_jsonl
    from deep_past.modeling.base import load_model_and_tokenizer
    from deep_past.modeling.generate import GenerateConfig, generate, render_prompts

    torch.set_num_threads(2)
    wf = kaggle_run["wf"]
    prompts = [r["prompt"] for r in read_jsonl(wf / "results/prompts/plain/test.jsonl")]
    cfg = GenerateConfig(**yaml.safe_load((wf / "config/config.yaml").read_text())["generation"])
    adapter_model, tok = load_model_and_tokenizer(
        wf / "results/base_model", adapter=wf / "results/runs/plain/default/r8/s0/train/final"
    )
    merged, tok2 = load_model_and_tokenizer(wf / "results/export/model")
    assert not hasattr(merged, "peft_config")
    assert generate(merged, tok2, prompts, cfg) == generate(adapter_model, tok, prompts, cfg)
    # The tiny model's greedy text is degenerate, so also compare what decides it: the logits.
    # The merge must match the adapter model closely, and the adapter must matter.
    base, _ = load_model_and_tokenizer(wf / "results/base_model")
    batch = tok(
        render_prompts(tok, prompts[:8]),
        return_tensors="pt",
        padding=True,
        add_special_tokens=False,
    )
    with torch.inference_mode():
        with_adapter, with_merge, without = (
            m(**batch).logits for m in (adapter_model, merged, base)
        )
    assert (with_merge - with_adapter).abs().max() < 1e-4
    assert (with_adapter - without).abs().max() > 1e-3


def test_time_budget_measured_and_estimated(kaggle_run):
    budget = json.loads((kaggle_run["wf"] / "results/kaggle/time_budget.json").read_text())
    measured = budget["measured"]
    assert measured["sequences"] == measured["test_sentences"] == 47
    # The briefly trained tiny model may stop at once: new tokens can be 0.
    assert measured["wall_s"] > 0 and measured["sequences_per_s"] > 0
    assert measured["new_tokens_per_s"] >= 0
    assert budget["fits"] and budget["tokenizer"] == "measured"
    assert budget["hardware"]["name"] == "t4x2" and budget["n_sentences"] == 4000


def test_separate_adapter_export(kaggle_run, tmp_path):
    from deep_past.kaggle.export import export_system
    from deep_past.modeling.base import load_model_and_tokenizer

    wf = kaggle_run["wf"]
    out = tmp_path / "sep"
    manifest = export_system(
        wf / "results/base_model",
        out,
        system=SYSTEM,
        merge=False,
        run_dir=wf / "results/runs/plain/default/r8/s0/train",
    )
    assert manifest["merged"] is False and manifest["adapter"] == "adapter"
    assert "adapter/adapter_model.safetensors" in manifest["files"]
    model, _ = load_model_and_tokenizer(out, adapter=out / "adapter")
    assert hasattr(model, "peft_config")


def test_nf4_export_loads_and_records_its_quality_cost(kaggle_run, tmp_path):
    from deep_past.kaggle.export import export_system

    wf = kaggle_run["wf"]
    generation = yaml.safe_load((wf / "config/config.yaml").read_text())["generation"]
    quality_set = {
        "prompts": wf / "results/prompts/plain/val.jsonl",
        "segments": wf / "results/data/segments/val.csv",
        "generation": generation,
    }
    manifest = export_system(
        wf / "results/base_model",
        tmp_path / "nf4",
        system=SYSTEM,
        run_dir=wf / "results/runs/plain/default/r8/s0/train",
        quantize="nf4",
        quality_set=quality_set,
    )
    full = json.loads((wf / "results/export/model/manifest.json").read_text())
    assert manifest["quantize"] == "nf4"
    assert (
        manifest["files"]["model.safetensors"]["size"] < full["files"]["model.safetensors"]["size"]
    )
    quality = manifest["quality"]
    assert quality["nf4"]["n"] == quality["full"]["n"] > 0
    assert quality["geomean_delta"] == quality["nf4"]["geomean"] - quality["full"]["geomean"]


# Ensemble and memory submissions: the first run's workflow copied (mtimes kept, so only the
# memory, MBR, submission and Kaggle jobs run again) with the submission switched.
PAIR = {"members": ["*/last", "memory"], "samples": 0, "temperature": 0.7, "utility": "chrf"}
SUBMISSIONS = {
    "mbr": {"mbr": {"pair": {**PAIR, "weights": {"memory": 0.5}}}, "submission": "mbr/pair"},
    "memory": {"submission": "memory"},
    # The run's sampled candidates as a third member (k rows per id).
    "mbr_samples": {
        "mbr": {"pair": {**PAIR, "samples": 2, "weights": {"memory": 0.5}}},
        "submission": "mbr/pair",
    },
}


@pytest.fixture(scope="session", params=sorted(SUBMISSIONS))
def kaggle_variant(request, kaggle_run, tmp_path_factory, demo_dir):
    base = tmp_path_factory.mktemp(f"kaggle_{request.param}")
    wf = base / "wf"
    shutil.copytree(kaggle_run["wf"], wf, symlinks=True)
    overlays = []
    for name, value in (("fast", FAST), ("variant", SUBMISSIONS[request.param])):
        overlays.append(base / f"{name}.yaml")
        overlays[-1].write_text(yaml.safe_dump(value))
    done = snakemake(
        wf,
        "-c2",
        "results/submission.csv",
        "results/kaggle/notebook.ipynb",
        "--configfile",
        *map(str, overlays),
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    inputs, working = base / "input", base / "working"
    shutil.copytree(demo_dir, inputs / COMPETITION)
    shutil.copytree(wf / "results" / "kaggle" / "dataset", inputs / "deep-past-model")
    working.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DEEP_PAST_KAGGLE_INPUT", str(inputs))
        mp.setenv("DEEP_PAST_KAGGLE_WORKING", str(working))
        _execute(wf / "results" / "kaggle" / "notebook.ipynb", working)
    return {"name": request.param, "wf": wf, "working": working, "log": done.stderr}


def test_notebook_reproduces_an_ensemble_or_memory_submission(kaggle_variant):
    wf = kaggle_variant["wf"]
    ours = kaggle_variant["working"] / "submission.csv"
    assert ours.read_bytes() == (wf / "results" / "submission.csv").read_bytes()
    assert "rule train:" not in kaggle_variant["log"]  # the copy reused the first run's models
    manifest = json.loads((wf / "results/export/model/manifest.json").read_text())
    members = [m["system"] for m in manifest["members"]]
    budget = json.loads((wf / "results/kaggle/time_budget.json").read_text())
    if kaggle_variant["name"] == "mbr_samples":
        # The notebook's sampled member writes every hypothesis (2 rows per id), byte for byte
        # as predict_samples does (it used to keep the first only).
        samples = wf / f"results/samples/{SYSTEM}/k2_t0.7/test.raw.csv"
        members = kaggle_variant["working"].glob("deep_past_work/members/*/test.raw.csv")
        assert any(path.read_bytes() == samples.read_bytes() for path in members)
        return
    if kaggle_variant["name"] == "memory":
        assert members == ["memory"] and "model.safetensors" not in manifest["files"]
        # The memory's name slots need both name tables in the dataset.
        for table in ("memory", "lexicon", "proper_nouns"):
            assert f"tables/{table}.csv" in manifest["files"]
        assert budget["members"] == {} and budget["fits"]
    else:
        # One base model and the run's adapter beside it, not merged; MBR over both members.
        assert members == [SYSTEM, "memory"] and manifest["merged"] is False
        adapter = manifest["members"][0]["adapter"]
        assert f"{adapter}/adapter_model.safetensors" in manifest["files"]
        assert "model.safetensors" in manifest["files"] and "tables/memory.csv" in manifest["files"]
        assert list(budget["members"]) == [SYSTEM] and budget["estimate"]["hours"] > 0
        selected = wf / "results/predictions/mbr/pair/test.raw.csv"
        assert selected.is_file()
