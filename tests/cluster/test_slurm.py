"""The demo graph through the cloud-gpu profile on a real one-node SLURM with fake GPUs.

What counts is SLURM's own record of the jobs (``scontrol show job``; MinJobAge keeps finished
ones): the GPU rules ran as SLURM jobs with GPUs requested, nothing else did, a training job
killed with scancel was retried and resumed from its checkpoint, and the submission equals the
local run's. Then the 2-GPU path: one job asks for 2 GPUs and DDP starts with world size 2.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
import services
import yaml
from conftest import (
    PREDICTIONS,
    ROOT,
    RUN,
    TARGET,
    TRAIN_LOG,
    planned_gpu_jobs,
    snakemake,
    workflow_copy,
)

# Test-only speed-ups: squeue (no slurmdbd here) and status checks every 2 s instead of 40 s.
FAST = ("--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2")


def rule_of(comment: str) -> str:
    m = re.match(r"rule_(.+?)(_wildcards_.*)?$", comment)
    return m.group(1) if m else comment


def table(records: list[dict]) -> str:
    lines = [f"{'id':>4} {'rule':<17} {'state':<10} {'gpus requested':<15} exit"]
    for r in records:
        rule = rule_of(r["Comment"])
        lines.append(
            f"{r['JobId']:>4} {rule:<17} {r['JobState']:<10} {r['TresPerJob']:<15} {r['ExitCode']}"
        )
    return "\n".join(lines)


class KillFirstTraining(threading.Thread):
    """scancels the training job once it has written its first complete checkpoint."""

    def __init__(self, partial: Path) -> None:
        super().__init__(daemon=True)
        self.partial = partial
        self.killed: tuple[str, str] | None = None  # (job id, checkpoint)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set() and self.killed is None:
            ckpts = sorted(self.partial.glob("checkpoint-*/trainer_state.json"))
            if ckpts:
                for rec in services.jobs():
                    if rule_of(rec["Comment"]) == "train" and rec["JobState"] == "RUNNING":
                        subprocess.run(["scancel", rec["JobId"]], check=True)
                        self.killed = (rec["JobId"], ckpts[0].parent.name)
                        break
            time.sleep(0.5)


@pytest.fixture(scope="module")
def profile_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The README set-up (`make cluster-setup`) into a throwaway XDG config dir."""
    xdg = tmp_path_factory.mktemp("xdg")
    env = {"XDG_CONFIG_HOME": str(xdg)}
    subprocess.run(
        ["make", "-C", str(ROOT), "cluster-setup"], check=True, env={**os.environ, **env}
    )
    assert (xdg / "snakemake" / "cloud-gpu" / "config.yaml").is_file()
    return env


def test_demo_graph_on_slurm(local_run: Path, profile_home: dict, tmp_path: Path) -> None:
    wf = workflow_copy(tmp_path / "wf")
    planned = planned_gpu_jobs(wf, TARGET)
    with services.slurm(tmp_path / "slurm"):
        killer = KillFirstTraining(wf / f"{RUN}.partial")
        killer.start()
        start = time.monotonic()
        done = snakemake(wf, "--profile", "cloud-gpu", TARGET, *FAST, env=profile_home)
        elapsed = time.monotonic() - start
        killer.done.set()
        records = services.jobs()
    print(f"\nSLURM jobs of `snakemake --profile cloud-gpu {TARGET}` ({elapsed:.0f} s):")
    print(table(records))
    assert done.returncode == 0, done.stderr[-4000:]

    # Only the GPU rules went to SLURM, every one with a GPU requested.
    assert {rule_of(r["Comment"]) for r in records} == set(planned)
    assert all(r["TresPerJob"] == "gres:gpu:1" for r in records)
    expected = {**planned, "train": planned["train"] + 1}  # train: killed + retried
    counts = {rule: sum(rule_of(r["Comment"]) == rule for r in records) for rule in planned}
    assert counts == expected
    # The CPU rules ran here, as local jobs.
    assert "localrule submission:" in done.stderr and "localrule base_model:" in done.stderr

    # The killed training job was retried and resumed from its checkpoint.
    assert killer.killed is not None, "training finished before a checkpoint could be killed"
    killed_id, ckpt = killer.killed
    trains = [r for r in records if rule_of(r["Comment"]) == "train"]
    assert [r["JobState"] for r in trains] == ["CANCELLED", "COMPLETED"]
    assert trains[0]["JobId"] == killed_id
    train_log = (wf / TRAIN_LOG).read_text()
    assert f"resuming from {RUN}.partial/{ckpt}" in train_log
    print(f"train job {killed_id} scancelled after {ckpt}; retried job resumed from it")

    assert (wf / TARGET).read_bytes() == (local_run / TARGET).read_bytes()
    for split in ("val", "eval", "test"):
        raw = f"{PREDICTIONS}/{split}.raw.csv"
        assert (wf / raw).read_bytes() == (local_run / raw).read_bytes()


def test_two_gpu_training_runs_ddp_in_one_job(profile_home: dict, tmp_path: Path) -> None:
    wf = workflow_copy(tmp_path / "wf")
    overlay = wf / "ddp.yaml"
    short = {"max_steps": 4, "save_steps": 2, "eval_steps": 2}
    overlay.write_text(yaml.safe_dump({"gpus_per_run": 2, "hparams": {"default": short}}))
    with services.slurm(tmp_path / "slurm"):
        start = time.monotonic()
        # Target first: --configfile takes several values.
        done = snakemake(
            wf, "--profile", "cloud-gpu", RUN, "--configfile", str(overlay), *FAST, env=profile_home
        )
        elapsed = time.monotonic() - start
        records = services.jobs()
    print(f"\nSLURM jobs of the 2-GPU training ({elapsed:.0f} s):")
    print(table(records))
    assert done.returncode == 0, done.stderr[-4000:]
    assert [(rule_of(r["Comment"]), r["TresPerJob"]) for r in records] == [("train", "gres:gpu:2")]
    log = (wf / TRAIN_LOG).read_text()
    ranks = sorted(re.findall(r"trainer: process (\d) of world_size (\d), backend (\w+)", log))
    print("ranks:", ranks)
    assert ranks == [("0", "2", "gloo"), ("1", "2", "gloo")]
    assert (wf / RUN / "final" / "adapter_model.safetensors").is_file()
    assert not (wf / f"{RUN}.partial").exists()
