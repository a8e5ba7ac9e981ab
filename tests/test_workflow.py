"""The workflow's graph, lint, config validation and bad-input handling (no model runs here)."""

import re
import shutil

import pytest
import yaml

from workflow_helpers import job_counts, snakemake, workflow_copy


@pytest.fixture
def wf(tmp_path):
    return workflow_copy(tmp_path / "wf")


def test_default_graph(wf):
    counts = job_counts(wf)
    assert counts["train"] == 1
    # One job per system answers val, eval and test (`submission: best` may take any test).
    assert counts["predict"] == 1 and counts["predict_zeroshot"] == 1
    assert counts["memory"] == 1 and counts["mbr"] == 1
    assert counts["evaluate_run"] == 1 and counts["evaluate"] == 3  # zero-shot, memory, mbr
    assert counts["submission"] == 1
    named = job_counts(wf, "--config", "submission=memory")
    assert named == counts


def dry_run_jobs(wf, *args):
    """Each job of a dry run: its first output, mapped to (rule, inputs, outputs)."""
    done = snakemake(wf, "-n", *args)
    assert done.returncode == 0, done.stderr
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", done.stdout):
        head = re.match(r"(?:local)?rule (\w+):", block)
        output = re.search(r"^\s+output: (.+)$", block, flags=re.M)
        if head and output:
            inputs = re.search(r"^\s+input: (.+)$", block, flags=re.M).group(1)
            outputs = output.group(1).split(", ")
            jobs[outputs[0]] = (head.group(1), inputs.split(", "), outputs)
    return jobs


def test_answers_are_cleaned_and_scored_in_one_job_per_system(wf):
    """evaluate_run cleans every checkpoint's answers of a run on every split and scores the
    labelled ones; name correction gives the proper-noun table to model outputs only."""
    (wf / "names.yaml").write_text("postprocess: {correct_names: true}\n")
    jobs = dry_run_jobs(wf, "--configfile", "names.yaml")
    model = "results/predictions/name_slots/default/r8/s0/last"
    rule, inputs, outputs = jobs[f"{model}/val.csv"]
    assert rule == "evaluate_run" and "results/data/proper_nouns.csv" in inputs
    assert f"{model}/test.csv" in outputs and f"{model}/test.raw.csv" in inputs
    scores = "results/scores/name_slots/default/r8/s0/last"
    assert f"{scores}/eval.json" in outputs and f"{scores}/test.json" not in outputs
    assert "results/data/segments/test.csv" in inputs
    rule, inputs, outputs = jobs["results/predictions/memory/val.csv"]
    assert rule == "evaluate" and "results/data/proper_nouns.csv" not in inputs
    assert "results/predictions/memory/test.csv" in outputs
    rule, inputs, _ = jobs["results/predictions/zeroshot/name_slots/val.csv"]
    assert rule == "evaluate" and "results/data/proper_nouns.csv" in inputs


def test_sampled_candidates_get_the_name_table_only_from_a_model(wf):
    (wf / "samples.yaml").write_text(
        "postprocess: {correct_names: true}\n"
        'mbr: {all: {members: ["*/last", "memory"], samples: 2, memory_nbest: 3}}\n'
    )
    jobs = dry_run_jobs(wf, "--configfile", "samples.yaml")
    rule, inputs, outputs = jobs["results/samples/name_slots/default/r8/s0/last/k2_t0.7/val.csv"]
    assert rule == "postprocess_samples" and "results/data/proper_nouns.csv" in inputs
    assert len(outputs) == 3  # val, eval, test
    rule, inputs, _ = jobs["results/samples/memory/nbest3/val.csv"]
    assert rule == "postprocess_samples" and "results/data/proper_nouns.csv" not in inputs


def test_grid_multiplies_runs_not_jobs_per_checkpoint(wf):
    overlay = wf / "grid.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "grid": {
                    "prompt": ["plain", "doc_context"],
                    "lora_rank": [4, 8],
                    "seed": [0, 1],
                    "checkpoint": ["last", "best", "step4"],
                }
            }
        )
    )
    counts = job_counts(wf, "--configfile", str(overlay))
    runs = 2 * 2 * 2
    assert counts["train"] == runs and counts["sft_data"] == 2
    # A run's job answers its 3 checkpoints on val, eval and test: one model load each.
    assert counts["predict"] == runs and counts["evaluate_run"] == runs
    assert counts["predict_zeroshot"] == 2 and counts["evaluate"] == 2 + 1 + 1
    jobs = dry_run_jobs(wf, "--configfile", str(overlay))
    run = "results/predictions/doc_context/default/r8/s1"
    rule, _, outputs = jobs[f"{run}/last/val.raw.csv"]
    assert rule == "predict"
    assert outputs == [
        f"{run}/{ckpt}/{split}.raw.csv"
        for ckpt in ("last", "best", "step4")
        for split in ("val", "eval", "test")
    ] + [f"{run}/timing.json"]


def test_prompt_ranking_overlay_graph(wf):
    """config/rank-prompts.yaml on top of config/cloud.yaml: one run per prompt variant."""
    counts = job_counts(
        wf,
        "--configfile",
        "config/cloud.yaml",
        "config/rank-prompts.yaml",
        "--config",
        "data_dir=resources/demo",
        "eval_set=resources/demo",
    )
    assert counts["train"] == 4 and counts["sft_data"] == 4
    assert counts["predict"] == 4  # one job per run: val, eval and test
    assert counts["memory"] == 1 and counts["mbr"] == 2  # ensembles "all" and "variants"


def test_lint_clean(wf):
    done = snakemake(wf, "--lint")
    assert done.returncode == 0
    assert "Congratulations" in done.stdout + done.stderr


def test_config_of_wrong_type_names_the_key(wf):
    done = snakemake(wf, "-n", "--config", "zeroshot=maybe")
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "instance['zeroshot']" in out and "is not of type 'boolean'" in out


def test_unknown_memory_option_is_refused(wf):
    overlay = wf / "memory.yaml"
    overlay.write_text(yaml.safe_dump({"memory_options": {"nmae_slots": False}}))
    done = snakemake(wf, "-n", "--configfile", str(overlay))
    assert done.returncode != 0 and "'nmae_slots' was unexpected" in done.stdout + done.stderr


def test_unknown_config_key_is_refused(wf):
    done = snakemake(wf, "-n", "--config", "modle=tiny")
    assert done.returncode != 0 and "'modle' was unexpected" in done.stdout + done.stderr


@pytest.mark.parametrize(
    "mutation, expected",
    [
        (lambda t: t.replace("transliteration", "translit", 1), "column 'transliteration'"),
        (lambda t: t.replace("\n1,", "\n0,", 1), "row 2, column 'id': duplicate id '0'"),
        (lambda t: "", "file is empty"),
        (
            lambda t: re.sub(r"\n(0,[^,]*,[^,]*,[^,]*,)[^\n]*", r"\n\1", t),
            "row 1, column 'transliteration'",
        ),
        (lambda t: t.encode().replace("ša".encode(), b"\xe8a", 1), "not valid UTF-8"),
    ],
)
def test_bad_test_csv_stops_with_a_clear_message(wf, mutation, expected):
    data = wf / "data"
    shutil.copytree(wf / "resources" / "demo", data)
    test = data / "test.csv"
    changed = mutation(test.read_text(encoding="utf-8"))
    test.write_bytes(changed if isinstance(changed, bytes) else changed.encode())
    target = "results/data/segments/test.csv"
    done = snakemake(wf, "-c1", target, "--config", f"data_dir={data}")
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert expected in out and str(test) in out
    assert not (wf / target).exists()
    assert not list((wf / "results" / "data" / "segments").glob("*"))
