"""steps.predict's post-processing step: name correction only when its tables are given."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deep_past.steps.predict import postprocess_file


def test_postprocess_corrects_names_only_when_asked(lexicon_tables: Path, tmp_path: Path):
    names = pd.read_csv(lexicon_tables / "proper_nouns.csv", dtype=str, keep_default_na=False)
    row = names.sort_values("count", ascending=False).iloc[0]
    english = row["english"]
    wrong = english[:-1] + ("a" if english[-1] != "a" else "e")
    raw = tmp_path / "raw.csv"
    pd.DataFrame({"id": ["1", "2"], "raw": [f"To {wrong}: send silver.", "Nothing here."]}).to_csv(
        raw, index=False
    )
    segments = tmp_path / "segments.csv"
    pd.DataFrame({"id": ["1", "2"], "source": [f"a-na {row['form']}", "ù"]}).to_csv(
        segments, index=False
    )
    postprocess_file(raw, tmp_path / "plain.csv")
    postprocess_file(
        raw,
        tmp_path / "fixed.csv",
        proper_nouns_csv=lexicon_tables / "proper_nouns.csv",
        segments_csv=segments,
        min_similarity=0.8,
    )
    plain = pd.read_csv(tmp_path / "plain.csv")["translation"].tolist()
    fixed = pd.read_csv(tmp_path / "fixed.csv")["translation"].tolist()
    assert wrong in plain[0] and english in fixed[0] and plain[1] == fixed[1]
