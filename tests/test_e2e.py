"""The whole demo graph on CPU: a valid submission, scores for every system. (Same seed, same
bytes: tests/test_resume.py's killed-and-resumed run predicts exactly what the uninterrupted
one did, and the cluster tests' SLURM and SSH runs submit exactly what the local run did.)"""

import json

import pandas as pd
import pytest

from deep_past.evaluation.submission import submission_problems
from workflow_helpers import snakemake

pytestmark = pytest.mark.slow

RUN = "name_slots/default/r8/s0/last"


def test_submission_is_valid(demo_run):
    sample = demo_run / "resources" / "demo" / "sample_submission.csv"
    assert submission_problems(demo_run / "results" / "submission.csv", sample) == []


def test_scores_cover_every_system_and_split(demo_run):
    table = pd.read_csv(demo_run / "results" / "ablation" / "scores.tsv", sep="\t")
    systems = {RUN, "zeroshot/name_slots", "memory", "mbr/all"}
    assert set(zip(table.system, table.split, strict=True)) == {
        (system, split) for system in systems for split in ("val", "eval")
    }
    run = table[table.system == RUN].iloc[0]
    assert (run.prompt, run.hparams, run["rank"], run.seed, run.ckpt) == (
        "name_slots",
        "default",
        8,
        0,
        "last",
    )
    assert (demo_run / "results" / "ablation" / "score_by_checkpoint.png").stat().st_size > 0
    alignment = pd.read_csv(demo_run / "results" / "ablation" / "alignment.tsv", sep="\t")
    assert alignment.set_index("statistic").loc["documents", "value"] == "100"
    scores = json.loads((demo_run / "results" / "scores" / RUN / "eval.json").read_text())
    assert scores["n"] == 47 and 0 <= scores["geomean"] <= 100
    assert "nw:2" in scores["chrf_signature"] and "tok:13a" in scores["bleu_signature"]


def test_submission_has_no_degenerate_output(demo_run):
    from deep_past.evaluation.submission import degenerate_ids

    submission = pd.read_csv(demo_run / "results" / "submission.csv", keep_default_na=False)
    assert degenerate_ids(submission) == []


def test_best_submission_is_the_marked_system_and_at_least_the_memory(demo_run):
    """`submission: best` takes the highest validation geomean; on the demo's eval set it
    scores at least what the memory scores."""
    table = pd.read_csv(demo_run / "results" / "ablation" / "scores.tsv", sep="\t")
    chosen = table.loc[table["selected"] == "best", "system"].unique()
    assert len(chosen) == 1
    val = table[table.split == "val"].set_index("system")["geomean"]
    assert val[chosen[0]] == val.max()
    expected = pd.read_csv(demo_run / "results" / "predictions" / chosen[0] / "test.csv")
    submission = pd.read_csv(demo_run / "results" / "submission.csv")
    assert submission.set_index("id")["translation"].equals(
        expected.set_index("id")["translation"].loc[submission["id"]]
    )
    log = (demo_run / "results" / "logs" / "submission.log").read_text()
    assert f"submission: best = {chosen[0]}" in log
    evals = table[table.split == "eval"].set_index("system")["geomean"]
    assert evals[chosen[0]] >= evals["memory"]


def test_finetuning_the_shipped_base_learns(demo_run):
    """From the shipped base (a model that already translates, never trained on the demo's
    documents), fine-tuning on them lowers the training and the validation loss and raises
    chrF++ over the base's zero-shot answers on both labelled splits."""
    run_dir = demo_run / "results" / "runs" / RUN.rsplit("/", 1)[0] / "train"
    history = json.loads((run_dir / "log_history.json").read_text())
    train_losses = [e["loss"] for e in history if "loss" in e]
    assert sum(train_losses[-3:]) / 3 < train_losses[0]
    evals = [e["eval_loss"] for e in history if "eval_loss" in e]
    assert len(evals) >= 2 and evals[-1] < evals[0]  # evals[0]: before training
    table = pd.read_csv(demo_run / "results" / "ablation" / "scores.tsv", sep="\t")
    for split in ("val", "eval"):
        chrf = table[table.split == split].set_index("system")["chrf"]
        assert chrf[RUN] > chrf[f"zeroshot/{RUN.split('/')[0]}"] > 10, split


def test_every_rule_logged_and_benchmarked(demo_run):
    logs = list((demo_run / "results" / "logs").rglob("*.log"))
    benchmarks = list((demo_run / "results" / "benchmarks").rglob("*.tsv"))
    assert len(logs) >= 20 and len(benchmarks) == len(logs)


def test_report_holds_table_plots_and_captions(demo_run):
    done = snakemake(demo_run, "--report", "results/report.html")
    assert done.returncode == 0, done.stderr[-3000:]
    html = (demo_run / "results" / "report.html").read_text(encoding="utf-8")
    for name in ("scores.tsv", "score_by_checkpoint.png", "score_by_axis.png"):
        assert name in html
    assert "Geometric mean of BLEU and chrF++ for each training run" in html
