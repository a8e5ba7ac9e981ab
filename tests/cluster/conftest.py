"""The cluster tests start real services (SLURM, sshd) as root: only `make test-cluster` runs
them (DEEP_PAST_CLUSTER_TESTS=1); a plain `pytest` / `make test` does not even collect them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deep_past.systems import SystemId

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

if os.environ.get("DEEP_PAST_CLUSTER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

TARGET = "results/submission.csv"
# The demo's one grid run, read from the default config so that a new default cannot leave
# these tests looking at a run that is no longer made.
_GRID = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["grid"]
SYSTEM = SystemId.run(
    *(_GRID[k][0] for k in ("prompt", "hparams", "lora_rank", "seed", "checkpoint"))
)
RUN = f"results/runs/{SYSTEM.run_dir}/train"
TRAIN_LOG = f"results/logs/train/{SYSTEM.run_dir}.log"
PREDICTIONS = f"results/predictions/{SYSTEM}"
LINKED = ("Snakefile", "rules", "workflow", "envs", "profiles", "src", "resources")
# Every run here trains 12 steps (the demo trains 108) with a checkpoint every 4: what is tested
# is where jobs run, kills and resumes, not the model.
SHORT_TRAINING = {"max_steps": 12, "save_steps": 4, "eval_steps": 4}


def workflow_copy(dest: Path) -> Path:
    """A working directory for one run: code linked from the checkout, its own config."""
    dest.mkdir(parents=True)
    for name in LINKED:
        (dest / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "config", dest / "config")
    config = dest / "config" / "config.yaml"
    settings = yaml.safe_load(config.read_text())
    settings["hparams"]["default"].update(SHORT_TRAINING)
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    return dest


def snakemake(workdir: Path, *args: str, env: dict | None = None, timeout: int = 2400):
    """snakemake ARGS in ``workdir``; on a timeout or an interrupt it gets SIGTERM first, so
    that it cancels its SLURM jobs and stops its local ones, before the exception goes on."""
    with subprocess.Popen(
        [str(Path(sys.executable).parent / "snakemake"), *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="session", autouse=True)
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the cluster tests start SLURM and sshd: run them as root (in a container)")
    import services

    services.install_packages()  # once, before anything is timed


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo graph run the ordinary way, to compare the cluster runs with."""
    wf = workflow_copy(tmp_path_factory.mktemp("local") / "wf")
    done = snakemake(wf, "-c2", TARGET)
    assert done.returncode == 0, done.stderr[-3000:]
    return wf


def planned_gpu_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Jobs per GPU rule (a job whose resources ask for ``gpu``) in a dry run of ``args``: what
    a run has to send to the GPU side, read from the workflow rather than kept by hand."""
    done = snakemake(workdir, "-n", *args)
    assert done.returncode == 0, done.stderr[-3000:]
    counts: dict[str, int] = {}
    for block in re.split(r"^(?=(?:local)?rule \w+:)", done.stdout, flags=re.M):
        head = re.match(r"(?:local)?rule (\w+):", block)
        if head and re.search(r"^\s+resources:.*\bgpu=[1-9]", block, flags=re.M):
            counts[head.group(1)] = counts.get(head.group(1), 0) + 1
    return counts
