"""SIGTERM to a process running the real SLURM (with a job running) and sshd: nothing stays.

Runs first in the session (the file name sorts before test_slurm / test_ssh): a leftover from a
broken clean-up would show here, not as a slow or failing run later.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import services
from conftest import HERE

HOLDER = textwrap.dedent(
    """\
    import json, subprocess, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import services

    state = Path(sys.argv[2])
    with services.slurm(state / "slurm"), services.sshd(state / "sshd"):
        subprocess.run(
            ["sbatch", "--gpus=1", f"--output={state}/job.out",
             "--wrap", f"echo $$ > {state}/job.pid; exec sleep 600"],
            check=True, capture_output=True,
        )
        while not (state / "job.pid").exists():
            time.sleep(0.2)
        print("ready", flush=True)
        time.sleep(600)
    """
)
DAEMONS = {"slurmctld", "slurmd", "slurmstepd", "munged", "sshd"}


def daemons() -> dict[int, str]:
    """Running SLURM, munge and ssh daemons (a zombie has ended: it only waits to be reaped)."""
    return {
        p.pid: p.info["name"]
        for p in psutil.process_iter(["name", "status"])
        if p.info["name"] in DAEMONS and p.info["status"] != psutil.STATUS_ZOMBIE
    }


def test_sigterm_leaves_no_service_no_job_and_no_config(tmp_path: Path) -> None:
    before = daemons()
    files = [
        p for p in (services.SLURM_CONF, services.GRES_CONF, *services.FAKE_GPUS) if not p.exists()
    ]
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    holder = subprocess.Popen(
        [sys.executable, str(script), str(HERE), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()[-3000:]
        job = int((tmp_path / "job.pid").read_text())
        running = {pid: name for pid, name in daemons().items() if pid not in before}
        assert {"slurmctld", "slurmd", "slurmstepd", "sshd"} <= set(running.values())
        assert services.SLURM_CONF.exists() and psutil.pid_exists(job)
        start = time.monotonic()
        holder.send_signal(signal.SIGTERM)
        _, err = holder.communicate(timeout=120)
        print(f"\nSIGTERM with a SLURM job running: cleaned up in {time.monotonic() - start:.1f} s")
    finally:
        if holder.poll() is None:
            holder.kill()
    assert "KeyboardInterrupt: signal SIGTERM" in err, err[-3000:]
    left = {pid: name for pid, name in daemons().items() if pid not in before}
    assert left == {}, f"still running: {left}"
    assert not psutil.pid_exists(job) or psutil.Process(job).status() == psutil.STATUS_ZOMBIE
    assert [path for path in files if path.exists()] == []
    assert not list(services.RECORDS.glob("*.json"))
