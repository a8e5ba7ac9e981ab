"""Paired bootstrap of the competition metric (deep_past.evaluation.significance)."""

from __future__ import annotations

import pandas as pd
import pytest

from deep_past.evaluation.metrics import corpus_scores
from deep_past.evaluation.significance import paired_bootstrap, paired_bootstrap_files

REFS = [
    "Seal of Aššur-idī, son of Puzur-Aššur.",
    "He owes 5 minas of refined silver to Ennam-Aššur.",
    "Say to Ali-ahum: thus Suen-nādā.",
    "Witnessed by Ennānum and Šu-Anum.",
    "The textiles are in the house of the colony.",
    "Send me the tin without delay.",
] * 5
GOOD = [r.replace("refined ", "") for r in REFS]
BAD = [" ".join(r.split()[:2]) for r in REFS]


def test_whole_set_scores_are_the_competition_metric() -> None:
    result = paired_bootstrap(GOOD, BAD, REFS, resamples=50)
    assert result.system == pytest.approx(corpus_scores(GOOD, REFS)["geomean"])
    assert result.baseline == pytest.approx(corpus_scores(BAD, REFS)["geomean"])
    assert result.delta == pytest.approx(result.system - result.baseline)


def test_a_clearly_better_system_has_an_interval_above_zero() -> None:
    result = paired_bootstrap(GOOD, BAD, REFS, resamples=200)
    assert 0 < result.low <= result.delta <= result.high
    assert result.p_not_better < 0.01 and result.segments == len(REFS)


def test_a_system_against_itself_is_never_better() -> None:
    result = paired_bootstrap(GOOD, GOOD, REFS, resamples=100)
    assert result.delta == result.low == result.high == 0
    assert result.p_not_better == 1


def test_files_are_matched_by_id_and_a_missing_id_is_named(tmp_path) -> None:
    ids = [str(i) for i in range(len(REFS))]
    segments = tmp_path / "segments.csv"
    pd.DataFrame({"id": ids, "reference": REFS}).to_csv(segments, index=False)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    # Rows in another order: matched by id, not by position.
    pd.DataFrame({"id": ids[::-1], "translation": GOOD[::-1]}).to_csv(good, index=False)
    pd.DataFrame({"id": ids[1:], "translation": BAD[1:]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match=r"bad.csv: no prediction for ids \['0'\]"):
        paired_bootstrap_files(good, bad, segments, resamples=10)
    pd.DataFrame({"id": ids, "translation": BAD}).to_csv(bad, index=False)
    result = paired_bootstrap_files(good, bad, segments, resamples=10)
    assert result.system == pytest.approx(corpus_scores(GOOD, REFS)["geomean"])
