"""Synthetic lexicon pairs: the commonest known words (and a share of phrases) of the sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deep_past.corpus.synthetic import synthetic_segments


def test_synthetic_pairs_are_frequent_known_words(lexicon_tables: Path, demo_dir: Path):
    sources = pd.read_csv(demo_dir / "train.csv")["transliteration"].fillna("")
    options = {
        "lexicon": lexicon_tables / "lexicon.csv",
        "proper_nouns": lexicon_tables / "proper_nouns.csv",
        "max_pairs": 20,
        "phrase_share": 0.25,
    }
    seg = synthetic_segments(sources, **options)
    assert len(seg) == 20 and seg["id"].is_unique and (seg["id"] == seg["text_id"]).all()
    assert (seg["reference"].str.len() > 0).all()
    assert seg.iloc[0].tolist()[2:] == ["a-na", "to"]  # the commonest word of the demo
    phrases = seg[seg["source"].str.contains(" ")]
    assert len(phrases) == 5
    pd.testing.assert_frame_equal(seg, synthetic_segments(sources, **options))  # deterministic
