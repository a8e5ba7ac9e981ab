"""How long a dry run of a large ablation grid takes (target: < 2 s for 108 combinations).

Usage: python benchmarks/dryrun.py [--repeats N]

Grid: 3 prompts x 3 LoRA ranks x 3 seeds x 4 checkpoints (108 scored combinations, 27 training
runs) plus 2 MBR ensembles, in a temporary copy of the workflow. Times `snakemake -n` end to end
(process start, parsing, DAG) against a dry run of the default one-run config measured in the
same run; prints the job count and the ratio to the 2 s target on the last line. More rows say
where the time goes and how it grows: a process that only imports snakemake (its floor, before
any of this workflow's code runs), the grid with ``--quiet`` (no per-job listing), and a grid
ten times the size (30 seeds: 1,080 combinations, 270 runs).

Snakemake imports every installed executor plugin at start-up; the SLURM one imports pandas,
~0.3 s of every call. It is in the ``cluster`` extra (``make cluster-setup``), not in a plain
``make setup``: the plugins this venv has are printed with the table.
"""

from __future__ import annotations

import argparse
import pkgutil
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import snakemake, workflow_copy  # noqa: E402

TARGET_S = 2.0
GRID = {
    "grid": {
        "prompt": ["plain", "doc_context", "lexicon"],
        "lora_rank": [8, 16, 32],
        "seed": [0, 1, 2],
        "checkpoint": ["step100", "step200", "best", "last"],
    },
    "mbr": {
        "seeds": {"members": ["plain/*/r16/*/best"]},
        "everything": {"members": ["*/best", "*/last", "memory"], "utility": "mix"},
    },
}


GRID_X10 = {**GRID, "grid": {**GRID["grid"], "seed": list(range(30))}}


def dry_run(workdir: Path, *args: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (robust when other work shares the cores) and job count."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = snakemake(workdir, "-n", *args)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stdout[-2000:] + done.stderr[-2000:])
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    total = re.search(r"^total\s+(\d+)", done.stdout, re.M)  # --quiet prints no job table
    jobs = int(total.group(1)) if total else 0
    return seconds, cpu, jobs


def import_floor() -> tuple[float, float]:
    """What any snakemake call costs before it reads the Snakefile: its own imports and the
    plugin registries (wall and CPU seconds of a process that only imports them)."""
    code = "import snakemake.api, snakemake.workflow, snakemake.cli"
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    seconds = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wf = workflow_copy(Path(tmp) / "wf")
        overlay = wf / "grid108.yaml"
        overlay.write_text(yaml.safe_dump(GRID))
        overlay_x10 = wf / "grid1080.yaml"
        overlay_x10.write_text(yaml.safe_dump(GRID_X10))
        rows = []
        runs = [import_floor() for _ in range(args.repeats)]
        rows.append(
            ("import snakemake only", 0, *(statistics.median(r[i] for r in runs) for i in (0, 1)))
        )
        # Any workflow's floor: snakemake's start-up, CLI and plugin registries, one rule.
        one_rule = Path(tmp) / "one_rule"
        one_rule.mkdir()
        (one_rule / "Snakefile").write_text(
            'rule all:\n    output:\n        "a.txt",\n    shell:\n        "touch {output}"\n'
        )
        runs = [dry_run(one_rule, "-c1") for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        rows.append(("one-rule workflow", 1, wall, statistics.median(r[1] for r in runs)))
        for name, extra in (
            ("default config", ()),
            ("108-combination grid", ("--configfile", str(overlay))),
            ("grid, --quiet", ("--configfile", str(overlay), "--quiet")),
            ("grid x10 (1,080)", ("--configfile", str(overlay_x10))),
        ):
            runs = [dry_run(wf, *extra) for _ in range(args.repeats)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rows.append((name, runs[0][2] or rows[-1][1], wall, cpu))
    plugins = sorted(
        m.name.removeprefix("snakemake_executor_plugin_")
        for m in pkgutil.iter_modules()
        if m.name.startswith("snakemake_executor_plugin_")
    )
    print(f"executor plugins installed: {', '.join(plugins) or 'none'}")
    print(f"{'dry run':<24}{'jobs':>7}{'wall s':>9}{'cpu s':>8}")
    for name, jobs, wall, cpu in rows:
        print(f"{name:<24}{jobs:>7}{wall:>9.2f}{cpu:>8.2f}")
    floor_s, one_rule_s, default_s, grid_s = (rows[i][2] for i in range(4))
    print(
        f"snakemake's own start-up: {floor_s:.2f} s of every call, {one_rule_s:.2f} s with a"
        f" one-rule workflow (before any of this workflow's code)"
    )
    print(
        f"grid dry run {grid_s:.2f} s (default config {default_s:.2f} s); target {TARGET_S:.0f} s;"
        f" ratio {grid_s / TARGET_S:.2f}"
    )


if __name__ == "__main__":
    main()
