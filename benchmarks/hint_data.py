"""A Kaggle-shaped data dir prepared as the preprocessing, pairs and lexicon rules prepare it,
without snakemake: what benchmarks need before they build prompts (generate.py, gpu_demo.py)."""

from __future__ import annotations

from pathlib import Path

from deep_past.prompting.hints import HintTables, memory_splits
from deep_past.steps.dataset import pairs_files
from deep_past.steps.preprocess import lexicon_files, preprocess_test_file, preprocess_train_file


def prepare_hint_data(
    data_dir: Path,
    work: Path,
    *,
    test_csv: Path | None = None,
    sample_csv: Path | None = None,
    val_fraction: float = 0.1,
    split_seed: int = 0,
    alignment: str = "auto",
) -> dict[str, HintTables]:
    """work/train.csv, test.csv (from ``test_csv``, default the dir's), pairs.csv, val.csv,
    lexicon.csv and proper_nouns.csv; the hint tables of the training and the test prompts."""
    preprocess_train_file(data_dir / "train.csv", work / "train.csv")
    preprocess_test_file(
        test_csv or data_dir / "test.csv", work / "test.csv", sample_csv=sample_csv
    )
    pairs_files(
        work / "train.csv",
        data_dir / "Sentences_Oare_FirstWord_LinNum.csv",
        work / "pairs.csv",
        work / "val.csv",
        work / "alignment_stats.json",
        val_fraction=val_fraction,
        split_seed=split_seed,
        alignment=alignment,
    )
    lexicon_files(
        data_dir / "OA_Lexicon_eBL.csv",
        data_dir / "eBL_Dictionary.csv",
        work / "train.csv",
        work / "lexicon.csv",
        work / "proper_nouns.csv",
    )
    tables = (work / "lexicon.csv", work / "proper_nouns.csv", work / "pairs.csv")
    return {split: HintTables(*tables, memory_splits(split)) for split in ("train", "test")}
