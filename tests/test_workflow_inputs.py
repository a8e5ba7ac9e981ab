"""Inputs a user really has, run through the workflow (issue 13): files exported by other tools
(UTF-8 BOM, CRLF, extra columns, NFD accents, quoted newlines, `NA` as a word), a whole tablet
in one test row, `--config eval_set=`, and inputs that must stop the run with one clear message.

The legitimate inputs share one snakemake run that ends in a validated submission: the memory,
a zero-shot model and their MBR ensemble, so no training is needed."""

from __future__ import annotations

import json
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from deep_past.evaluation.submission import submission_problems
from deep_past.io import TRAIN, read_frame, read_table
from deep_past.steps.preprocess import preprocess_test_file, preprocess_train_file
from deep_past.steps.submission import submission_file
from workflow_helpers import job_counts, snakemake, workflow_copy

LONG_ID = "3"  # the test row that holds a whole tablet
NA_ID = "5"  # the test row whose transliteration is the word NA


@pytest.fixture
def wf(tmp_path):
    return workflow_copy(tmp_path / "wf")


def demo_tables(demo_dir: Path) -> dict[str, pd.DataFrame]:
    """The demo CSVs with what real exports hold as content: a whole tablet in one test row
    (100 KB), quoted newlines inside cells, `NA` as a transliteration."""
    tables = {
        p.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in demo_dir.glob("*.csv")
    }
    train, test = tables["train.csv"], tables["test.csv"]
    tablet = ""
    while len(tablet.encode()) < 100_000:
        tablet += " " + " ".join(train["transliteration"])
    test.loc[test["id"] == LONG_ID, "transliteration"] = tablet.strip()
    test.loc[test["id"] == NA_ID, "transliteration"] = "NA"
    test.loc[0, "transliteration"] = test.loc[0, "transliteration"].replace(" ", "\n", 1)
    train.loc[0, "translation"] = train.loc[0, "translation"].replace(" ", "\r\n", 1)
    return tables


def write_plain(tables: dict[str, pd.DataFrame], dest: Path) -> None:
    dest.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(dest / name, index=False, lineterminator="\n")


def write_as_exported(tables: dict[str, pd.DataFrame], dest: Path) -> None:
    """The same tables as another tool saves them: an extra first column, NFD accents, CRLF line
    ends and a UTF-8 byte-order mark."""
    dest.mkdir(parents=True)
    for name, frame in tables.items():
        frame = frame.map(lambda v: unicodedata.normalize("NFD", v))
        frame.insert(
            0, "notes", ["NA", "two\nlines", "nan"] * (len(frame) // 3) + [""] * (len(frame) % 3)
        )
        text = frame.to_csv(index=False, lineterminator="\r\n")
        (dest / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


@pytest.mark.slow
def test_exported_inputs_and_a_whole_tablet_row_give_a_valid_submission(wf, demo_dir, tmp_path):
    """One run to the test predictions of an MBR ensemble over a zero-shot model and the memory
    (results/submission.csv itself waits for the whole ablation table, training included); the
    submission is then built from them as the submission rule does, and validated."""
    tables = demo_tables(demo_dir)
    write_plain(tables, tmp_path / "plain")
    data = wf / "data"
    write_as_exported(tables, data)
    overlay = wf / "long.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                # plain: its prompts show the source as it is, pieces and all
                "grid": {"prompt": ["plain"]},
                "mbr": {"long": {"members": ["zeroshot/plain", "memory"]}},
                "generation": {"max_new_tokens": 8},  # 100+ prompts on CPU: keep answers short
            }
        )
    )
    target = "results/predictions/mbr/long/test.csv"
    args = ["--configfile", str(overlay), "--config", f"data_dir={data}", "eval_set="]
    done = snakemake(wf, "-c2", target, *args, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    submission = wf / "results/submission.csv"
    submission_file(wf / target, data / "sample_submission.csv", submission)
    assert submission_problems(submission, data / "sample_submission.csv") == []

    # Content, not only a file: the exported copy preprocesses exactly as the plain one.
    preprocess_train_file(tmp_path / "plain/train.csv", tmp_path / "train.csv")
    preprocess_test_file(
        tmp_path / "plain/test.csv",
        tmp_path / "test.csv",
        sample_csv=tmp_path / "plain/sample_submission.csv",
    )
    train = read_frame(wf / "results/data/train.csv")
    pd.testing.assert_frame_equal(train.drop(columns="notes"), read_frame(tmp_path / "train.csv"))
    assert train["notes"].tolist()[:3] == ["NA", "two\nlines", "nan"]  # words, not missing
    segments = read_frame(wf / "results/data/segments/test.csv")
    pd.testing.assert_frame_equal(segments, read_frame(tmp_path / "test.csv"))
    assert len(segments) == 47 and segments.set_index("id").at[NA_ID, "source"] == "NA"
    first_words = tables["test.csv"].loc[0, "transliteration"].split()[:2]
    assert segments.loc[0, "source"].startswith(" ".join(first_words))  # the newline: a space

    # The whole tablet: prompts within the budget, its pieces in order are its source, and the
    # log names the row; every system answers it in one row.
    records = [json.loads(line) for line in open(wf / "results/prompts/plain/test.jsonl")]
    pieces = [r["prompt"][-1]["content"].split("Translate:\n")[-1] for r in records]
    long_pieces = [p for r, p in zip(records, pieces, strict=True) if r["id"] == LONG_ID]
    source = segments.set_index("id").at[LONG_ID, "source"]
    assert len(long_pieces) > 20 and " ".join(long_pieces) == source
    stats = json.loads((wf / "results/prompts/plain/test.stats.json").read_text())
    assert stats["prompt_tokens_max"] <= 768 and stats["cut_segments"] == 1
    log = (wf / "results/logs/prompts/plain/test.log").read_text()
    assert f"row 4 (id {LONG_ID}): source of {len(source)} characters over the prompt" in log
    for system in ("zeroshot/plain", "memory", "mbr/long"):
        predictions = read_frame(wf / f"results/predictions/{system}/test.csv")
        assert predictions["id"].tolist() == segments["id"].tolist(), system
    memory = read_frame(wf / "results/predictions/memory/test.csv").set_index("id")
    assert len(memory.at[LONG_ID, "translation"].split()) > 1000  # piece by piece, not 1 line
    for job in ("prompts/plain/test", "predict_zeroshot/plain", "memory", "mbr/long"):
        bench = pd.read_csv(wf / f"results/benchmarks/{job}.tsv", sep="\t")
        assert bench["max_rss"].max() < 2048, job  # MiB: bounded, no 37 GB allocation


def test_empty_optional_paths_on_the_command_line_mean_none(wf):
    with_eval = job_counts(wf)
    counts = job_counts(wf, "--config", "eval_set=", "submission=")
    assert "preprocess_eval" not in counts and with_eval["preprocess_eval"] == 1
    assert counts["submission"] == 1 and counts["train"] == 1
    # Scored on val only, not val + eval.
    dry = snakemake(wf, "-n", "--config", "eval_set=", "submission=").stdout
    assert "/val.json" in dry and "/eval.json" not in dry and "eval.raw.csv" not in dry


def blank_every_translation(data: Path, demo_dir: Path) -> None:
    train = read_table(demo_dir / "train.csv", TRAIN)
    train["translation"] = " "
    train.to_csv(data / "train.csv", index=False)


def kaggle_zip_saved_as_test_csv(data: Path, demo_dir: Path) -> None:
    with zipfile.ZipFile(data / "test.csv", "w") as archive:
        for name in ("train.csv", "test.csv", "sample_submission.csv"):
            archive.write(demo_dir / name, name)


@pytest.mark.parametrize(
    "spoil, target, expected, not_expected",
    [
        pytest.param(
            blank_every_translation,
            "results/data/train.csv",
            "file {data}/train.csv, row 1, column 'translation': preprocessing dropped every one "
            "of the 100 rows (each needs a non-empty transliteration and translation): "
            "'translation' is blank in 100 of them",
            "no data rows",  # what the next rule said about results/data/train.csv before
            id="train-emptied-by-preprocessing",
        ),
        pytest.param(
            kaggle_zip_saved_as_test_csv,
            "results/data/segments/test.csv",
            "file {data}/test.csv: is a zip archive holding train.csv, test.csv, "
            "sample_submission.csv, not a CSV: unpack it (unzip -d DIR {data}/test.csv)",
            "UTF-8",  # "not valid UTF-8 (byte 11)" before
            id="zip-saved-as-test-csv",
        ),
    ],
)
def test_bad_input_stops_in_preprocessing_with_one_message(
    wf, demo_dir, spoil, target, expected, not_expected
):
    data = wf / "data"
    shutil.copytree(demo_dir, data)
    spoil(data, demo_dir)
    done = snakemake(wf, "-c1", target, "--config", f"data_dir={data}")
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert out.count("deep-past error: ") == 1
    assert f"deep-past error: {expected.format(data=data)}" in out and not_expected not in out
    assert not (wf / target).exists() and not list((wf / target).parent.glob("*"))
