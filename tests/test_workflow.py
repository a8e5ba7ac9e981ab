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
    # val + eval per system, and test for each: `submission: best` may take any of them.
    assert counts["predict"] == 3 and counts["predict_zeroshot"] == 3
    assert counts["memory"] == 3 and counts["mbr"] == 3
    assert counts["evaluate"] == 8 and counts["submission"] == 1
    # A named submission predicts the test set with that system alone.
    named = job_counts(wf, "--config", "submission=memory")
    assert named["predict"] == 2 and named["predict_zeroshot"] == 2 and named["memory"] == 3


def test_labelled_answers_are_cleaned_and_scored_in_one_job(wf):
    """evaluate (val, eval) writes the cleaned answers and their scores; postprocess only cleans
    the test split's; name correction gives the proper-noun table to model outputs only."""
    counts = job_counts(wf)
    assert counts["evaluate"] == 8 and counts["postprocess"] == 4  # test: 3 systems, mbr
    (wf / "names.yaml").write_text("postprocess: {correct_names: true}\n")
    done = snakemake(wf, "-n", "--configfile", "names.yaml")
    assert done.returncode == 0, done.stderr
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", done.stdout):
        head = re.match(r"(?:local)?rule (\w+):", block)
        output = re.search(r"^\s+output: (.+)$", block, flags=re.M)
        if head and output:
            inputs = re.search(r"^\s+input: (.+)$", block, flags=re.M).group(1)
            jobs[output.group(1).split(", ")[0]] = (head.group(1), inputs.split(", "))
    model = "results/predictions/name_slots/default/r8/s0/last"
    rule, inputs = jobs[f"{model}/val.csv"]
    assert rule == "evaluate" and "results/data/proper_nouns.csv" in inputs
    rule, inputs = jobs[f"{model}/test.csv"]
    assert rule == "postprocess" and "results/data/proper_nouns.csv" in inputs
    assert "results/data/segments/test.csv" in inputs
    rule, inputs = jobs["results/predictions/memory/val.csv"]
    assert rule == "evaluate" and "results/data/proper_nouns.csv" not in inputs


def test_grid_multiplies_runs_not_training(wf):
    overlay = wf / "grid.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "grid": {
                    "prompt": ["plain", "doc_context"],
                    "lora_rank": [4, 8],
                    "seed": [0, 1],
                    "checkpoint": ["last", "best"],
                }
            }
        )
    )
    counts = job_counts(wf, "--configfile", str(overlay))
    runs = 2 * 2 * 2
    assert counts["train"] == runs
    assert counts["predict"] == runs * 2 * 3  # val, eval and test per checkpoint (best)
    assert counts["sft_data"] == 2
    assert counts["evaluate"] == (runs * 2 + 2 + 1 + 1) * 2  # runs x ckpts, zero-shot, memory, mbr


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
    assert counts["predict"] == 4 * 3  # val, eval and test per run (submission: best)
    assert counts["memory"] == 3 and counts["mbr"] == 6  # ensembles "all" and "variants"


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
