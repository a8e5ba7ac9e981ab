"""Run the workflow in a temporary copy, so tests never touch the checkout's results/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINKED = ("Snakefile", "rules", "workflow", "envs", "profiles", "src", "resources")


def workflow_copy(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        (dest / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "config", dest / "config")
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def job_counts(workdir: Path, *args: str) -> dict[str, int]:
    """Jobs per rule of a dry run, from ``--d3dag``'s JSON."""
    done = snakemake(workdir, "--d3dag", *args)
    assert done.returncode == 0, done.stderr
    graph = json.loads(done.stdout[done.stdout.index("{") :])
    counts: dict[str, int] = {}
    for node in graph["nodes"]:
        counts[node["value"]["rule"]] = counts.get(node["value"]["rule"], 0) + 1
    return counts
