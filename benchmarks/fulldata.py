"""The full-data run with the shipped base, timed from a clean results/: fine-tune, predict the
dev set and a 4,000-segment test, the memory, MBR, scores and the submission.

Usage: python benchmarks/fulldata.py --data-dir ../shared/data --eval-set ../shared/data/dev
       [--segments 4000] [--cores 2] [--config EXTRA.yaml] [--keep DIR]

The competition's test is hidden, so the test here is the eval set's segments repeated under new
ids up to ``--segments`` rows (same length distribution as the real sentence-level test). Runs
`snakemake -cN results/submission.csv results/ablation/scores.tsv` in a fresh copy of the
workflow with the data dir's other files as they are; prints the per-rule table, the scores of
every system on the eval set and, on the last line, the wall time against the 30-minute target.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import snakemake, workflow_copy  # noqa: E402

TARGET_S = 1800.0


def repeated_test(eval_set: Path, data_dir: Path, out: Path, segments: int) -> None:
    """A Kaggle-shaped data dir whose test.csv is the eval set's segments repeated."""
    shutil.copytree(data_dir, out, ignore=shutil.ignore_patterns("dev", "test.csv", "sample_*"))
    test = pd.read_csv(eval_set / "test.csv", dtype=str, keep_default_na=False)
    copies = -(-segments // len(test))
    big = pd.concat([test] * copies, ignore_index=True).head(segments)
    big["id"] = [str(i) for i in range(len(big))]
    big.to_csv(out / "test.csv", index=False)
    big[["id"]].assign(translation="").to_csv(out / "sample_submission.csv", index=False)


def per_rule(root: Path) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = defaultdict(list)
    for path in root.rglob("*.tsv"):
        with open(path) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        seconds[path.relative_to(root).parts[0].removesuffix(".tsv")].append(float(row["s"]))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--eval-set", type=Path, required=True)
    parser.add_argument("--segments", type=int, default=4000)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--config", type=Path, help="an overlay on top of the defaults")
    parser.add_argument("--keep", type=Path, help="run here instead of a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.keep or Path(tmp)).resolve()
        wf = workflow_copy(root / "wf")
        data = root / "data"
        repeated_test(args.eval_set.resolve(), args.data_dir.resolve(), data, args.segments)
        extra = ["--configfile", str(args.config.resolve())] if args.config else []
        start = time.perf_counter()
        done = snakemake(
            wf,
            f"-c{args.cores}",
            "results/submission.csv",
            "results/ablation/scores.tsv",
            *extra,
            "--config",
            f"data_dir={data}",
            f"eval_set={args.eval_set.resolve()}",
            timeout=7200,
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
        rules = per_rule(wf / "results" / "benchmarks")
        scores = pd.read_csv(wf / "results" / "ablation" / "scores.tsv", sep="\t")
        rows = len(pd.read_csv(wf / "results" / "submission.csv"))
    print(f"{'rule':<18}{'jobs':>5}{'seconds':>10}")
    for rule, seconds in sorted(rules.items(), key=lambda kv: -sum(kv[1])):
        print(f"{rule:<18}{len(seconds):>5}{sum(seconds):>10.1f}")
    print()
    shown = ["system", "split", "bleu", "chrf", "geomean", "selected"]
    print(scores[shown].sort_values(["split", "system"]).to_string(index=False))
    print(f"\nsubmission: {rows} rows")
    ratio = wall / TARGET_S
    print(f"wall {wall:.1f} s with -c{args.cores}; target {TARGET_S:.0f} s; ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
