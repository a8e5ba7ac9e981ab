"""Paired bootstrap of the competition metric: is system A better than system B on this set?

Both systems are scored on the same resamples of the segments (Koehn 2004), from sacrebleu's
per-segment sufficient statistics of BLEU and chrF++ (as ``sacrebleu --paired-bs`` does), and
the geometric mean is taken per resample. At ~300 segments a 1-point difference is often noise:
the interval says how much.

    python -m deep_past.evaluation.significance A.csv B.csv SEGMENTS.csv [--resamples 1000]

``A.csv``/``B.csv``: ``id,translation``; ``SEGMENTS.csv``: ``id,reference`` (a split's segments)
or ``id,translation`` (a references file).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from deep_past.evaluation.metrics import WORD_ORDER
from deep_past.io import read_frame


@dataclass(frozen=True)
class PairedBootstrap:
    system: float  # geomean of A on the whole set
    baseline: float  # geomean of B on the whole set
    delta: float  # system - baseline
    low: float  # 2.5th percentile of the resampled deltas
    high: float  # 97.5th percentile
    p_not_better: float  # share of resamples where A does not beat B
    resamples: int
    segments: int


def _segment_stats(hypotheses: Sequence[str], references: Sequence[str]) -> tuple:
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF(word_order=WORD_ORDER)
    stats = [
        np.asarray(m._extract_corpus_statistics(list(hypotheses), [list(references)]), float)
        for m in (bleu, chrf)
    ]
    return bleu, chrf, stats


def _geomeans(bleu, chrf, stats: list[np.ndarray], samples: np.ndarray) -> np.ndarray:
    """Geomean per resample (rows of segment indices) from summed sufficient statistics."""
    out = np.empty(len(samples))
    for k, rows in enumerate(samples):
        b = bleu._compute_score_from_stats(stats[0][rows].sum(0).tolist()).score
        c = chrf._compute_score_from_stats(stats[1][rows].sum(0).tolist()).score
        out[k] = math.sqrt(b * c)
    return out


def paired_bootstrap(
    system: Sequence[str],
    baseline: Sequence[str],
    references: Sequence[str],
    resamples: int = 1000,
    seed: int = 0,
) -> PairedBootstrap:
    if not len(system) == len(baseline) == len(references):
        raise ValueError(
            f"lengths differ: {len(system)} system, {len(baseline)} baseline, "
            f"{len(references)} references"
        )
    n = len(references)
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, n, size=(resamples, n))
    whole = np.arange(n)[None, :]
    scored = []
    for hypotheses in (system, baseline):
        bleu, chrf, stats = _segment_stats(hypotheses, references)
        scored.append(
            (_geomeans(bleu, chrf, stats, whole)[0], _geomeans(bleu, chrf, stats, samples))
        )
    (a, a_resampled), (b, b_resampled) = scored
    deltas = a_resampled - b_resampled
    low, high = np.percentile(deltas, [2.5, 97.5])
    return PairedBootstrap(
        system=float(a),
        baseline=float(b),
        delta=float(a - b),
        low=float(low),
        high=float(high),
        p_not_better=float((deltas <= 0).mean()),
        resamples=resamples,
        segments=n,
    )


def _by_id(csv: str | Path, columns: Sequence[str]) -> dict[str, str]:
    """id -> the first of ``columns`` the file has (read_frame keeps every cell a string)."""
    frame = read_frame(csv)
    column = next((c for c in columns if c in frame.columns), None)
    if column is None:
        raise ValueError(
            f"{csv}: no column {' or '.join(columns)} (columns: {list(frame.columns)})"
        )
    return dict(zip(frame["id"], frame[column], strict=True))


def paired_bootstrap_files(
    system_csv: str | Path,
    baseline_csv: str | Path,
    segments_csv: str | Path,
    resamples: int = 1000,
    seed: int = 0,
) -> PairedBootstrap:
    """:func:`paired_bootstrap` of two prediction files on a split's (or a references file's)
    segments, matched by id."""
    refs = _by_id(segments_csv, ("reference", "translation"))
    systems = [_by_id(path, ("translation",)) for path in (system_csv, baseline_csv)]
    for path, predictions in zip((system_csv, baseline_csv), systems, strict=True):
        missing = [i for i in refs if i not in predictions]
        if missing:
            raise ValueError(f"{path}: no prediction for ids {missing[:5]}")
    ids = list(refs)
    return paired_bootstrap(
        [systems[0][i] for i in ids],
        [systems[1][i] for i in ids],
        [refs[i] for i in ids],
        resamples,
        seed,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", help="predictions of the system (id,translation)")
    parser.add_argument("baseline", help="predictions of the baseline (id,translation)")
    parser.add_argument("segments", help="references: id,reference or id,translation")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = paired_bootstrap_files(
        args.system, args.baseline, args.segments, args.resamples, args.seed
    )
    print(json.dumps(asdict(result), indent=2))
    print(
        f"geomean {result.system:.2f} vs {result.baseline:.2f}: delta {result.delta:+.2f}, "
        f"95% interval [{result.low:+.2f}, {result.high:+.2f}], "
        f"p(not better) {result.p_not_better:.3f} ({result.segments} segments)"
    )


if __name__ == "__main__":
    main()
