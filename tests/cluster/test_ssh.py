"""deep_past.cloud against a real sshd on loopback, with a throwaway key made here.

The box is this machine seen through ssh: the code goes there with sync-up, the GPU rules run in
a tmux session, sync-down brings the outputs back and they equal a local run's; the rest then
finishes here without redoing any GPU job. ``.env`` travels with mode 600 and its value is never
printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import services
from conftest import ROOT, RUN, TARGET, snakemake, workflow_copy

SECRET = "dp-test-secret-4f1c9a"


def cloud(
    wf: Path, ssh_config: Path, remote: Path, *args: str, quiet: bool = False
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "deep_past.cloud", "--host", "gpubox", "--root", str(wf)]
    cmd += ["--ssh-config", str(ssh_config), "--remote-dir", str(remote), "--session", "dp-test"]
    done = subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    if not quiet:
        print(f"$ deep-past-cloud {' '.join(args)}\n{done.stdout}{done.stderr}", end="")
    assert SECRET not in done.stdout + done.stderr
    return done


def ok(*args) -> subprocess.CompletedProcess:
    done = cloud(*args)
    assert done.returncode == 0, done.stderr
    return done


def test_gpu_rules_over_ssh(local_run: Path, tmp_path: Path) -> None:
    wf = workflow_copy(tmp_path / "wf")
    (wf / ".env").write_text(f"DEEP_PAST_TEST_SECRET={SECRET}\n")
    remote = tmp_path / "box" / "deep-past"
    with services.sshd(tmp_path / "sshd") as ssh_config:
        try:
            start = time.monotonic()
            ok(wf, ssh_config, remote, "sync-up")
            assert (remote / "Snakefile").is_file() and not (remote / "results").exists()
            assert (remote / ".env").stat().st_mode & 0o777 == 0o600
            venv = str(Path(sys.executable).parent.parent)  # the box's env: this one
            ok(wf, ssh_config, remote, "setup", "--venv", venv, "--cpu-ok")
            ok(wf, ssh_config, remote, "run", "--gpu-only", TARGET, "--cores", "2")
            for _ in range(900):
                now = cloud(wf, ssh_config, remote, "status", quiet=True)
                if not now.stdout.startswith("run: running"):
                    break
                time.sleep(5)
            print(f"$ deep-past-cloud status   (polled every 5 s)\n{now.stdout}", end="")
            if not now.stdout.startswith("run: exit 0"):
                cloud(wf, ssh_config, remote, "logs", "-n", "200")
            assert now.stdout.startswith("run: exit 0")
            ok(wf, ssh_config, remote, "sync-down")
            elapsed = time.monotonic() - start
        finally:
            subprocess.run(
                ["tmux", "-L", "deep-past", "kill-session", "-t", "dp-test"], capture_output=True
            )
    print(f"ssh round trip (sync-up, setup, run --gpu-only, sync-down): {elapsed:.0f} s")

    # The box's run: only up to the GPU rules; the secret reached it as a file, not in its log.
    run_log = (wf / "results/logs/cloud/run.log").read_text()
    assert SECRET not in run_log
    ran = set(re.findall(r"^(?:local)?rule (\w+):", run_log, flags=re.M))
    assert {"train", "predict", "predict_zeroshot"} <= ran and "submission" not in ran

    # The GPU rules' outputs came back and equal the local run's.
    outputs = sorted(p.relative_to(wf) for p in (wf / "results/predictions").rglob("*.raw.csv"))
    model_outputs = sorted(
        p.relative_to(local_run)
        for p in (local_run / "results/predictions").rglob("*.raw.csv")
        if p.relative_to(local_run / "results/predictions").parts[0] not in ("memory", "mbr")
    )
    assert outputs == model_outputs
    for rel in outputs:
        assert (wf / rel).read_bytes() == (local_run / rel).read_bytes(), rel
    adapter = f"{RUN}/final/adapter_model.safetensors"
    assert (wf / adapter).read_bytes() == (local_run / adapter).read_bytes()
    assert sorted(p.name for p in (wf / RUN).glob("checkpoint-*")) == sorted(
        p.name for p in (local_run / RUN).glob("checkpoint-*")
    )

    # Finishing here does not redo any GPU job, and gives the same submission.
    dry = snakemake(wf, "-n", TARGET)
    assert dry.returncode == 0
    assert not re.search(r"^rule (train|predict|predict_zeroshot):", dry.stdout, flags=re.M)
    done = snakemake(wf, "-c2", TARGET)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (wf / TARGET).read_bytes() == (local_run / TARGET).read_bytes()
