"""Wall time and peak memory of `make run`'s graph on the demo data, per rule.

Usage: python benchmarks/e2e.py [--cores N] [--keep DIR]

Runs `snakemake -cN results/submission.csv` in a fresh temporary copy of the workflow (nothing
cached), then reads every rule's benchmark file. Prints a table per rule and, on the last line,
the total wall time against the 5-minute target.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import snakemake, workflow_copy  # noqa: E402

TARGET_S = 300.0


def rule_of(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0].removesuffix(".tsv")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", type=Path, help="run here instead of a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wf = workflow_copy((args.keep or Path(tmp)) / "wf")
        start = time.perf_counter()
        done = snakemake(wf, f"-c{args.cores}", "results/submission.csv", timeout=3600)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
        root = wf / "results" / "benchmarks"
        per_rule: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for path in root.rglob("*.tsv"):
            with open(path) as fh:
                row = next(csv.DictReader(fh, delimiter="\t"))
            per_rule[rule_of(path, root)].append((float(row["s"]), float(row["max_rss"])))
    print(f"{'rule':<18}{'jobs':>5}{'seconds':>10}{'max RSS MiB':>13}")
    for rule, rows in sorted(per_rule.items(), key=lambda kv: -sum(s for s, _ in kv[1])):
        seconds = sum(s for s, _ in rows)
        print(f"{rule:<18}{len(rows):>5}{seconds:>10.1f}{max(m for _, m in rows):>13.0f}")
    jobs = sum(len(r) for r in per_rule.values())
    total = sum(s for rows in per_rule.values() for s, _ in rows)
    peak = max(m for rows in per_rule.values() for _, m in rows)
    print(f"{'all jobs (sum)':<18}{jobs:>5}{total:>10.1f}{peak:>13.0f}")
    ratio = wall / TARGET_S
    print(f"wall {wall:.1f} s with -c{args.cores}; target {TARGET_S:.0f} s; ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
