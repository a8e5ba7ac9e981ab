"""The cluster tests start real services (SLURM, sshd) as root: only `make test-cluster` runs
them (DEEP_PAST_CLUSTER_TESTS=1); a plain `pytest` / `make test` does not even collect them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

if os.environ.get("DEEP_PAST_CLUSTER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

TARGET = "results/submission.csv"
RUN = "results/runs/plain/default/r8/s0/train"
LINKED = ("Snakefile", "rules", "workflow", "envs", "profiles", "src", "resources")


def workflow_copy(dest: Path) -> Path:
    """A working directory for one run: code linked from the checkout, its own config."""
    dest.mkdir(parents=True)
    for name in LINKED:
        (dest / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "config", dest / "config")
    return dest


def snakemake(workdir: Path, *args: str, env: dict | None = None, timeout: int = 1500):
    return subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session", autouse=True)
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the cluster tests start SLURM and sshd: run them as root (in a container)")


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo graph run the ordinary way, to compare the cluster runs with."""
    wf = workflow_copy(tmp_path_factory.mktemp("local") / "wf")
    done = snakemake(wf, "-c2", TARGET)
    assert done.returncode == 0, done.stderr[-3000:]
    return wf
