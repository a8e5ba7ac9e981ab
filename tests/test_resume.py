"""A killed snakemake run, rerun: stale lock and orphaned jobs cleared, training resumed.

The fast tests use stand-in processes (a script named ``snakemake``, a script under
``.snakemake/scripts/``); the slow one kill -9s a real run of the small model mid-training.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from deep_past.resume import LiveRunError, clear_stale_run
from workflow_helpers import ROOT, workflow_copy

SLEEPER = "import time, sys; time.sleep(float(sys.argv[-1]))\n"


def stale_locks(workdir: Path) -> list[Path]:
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    paths = [locks / "0.input.lock", locks / "0.output.lock"]
    for path in paths:
        path.write_text(f"{workdir}/results/x\n")
    return paths


def start(*args: str | Path, cwd: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, *map(str, args)], cwd=cwd)
    time.sleep(0.3)  # its command line is in /proc from here on
    return proc


@pytest.fixture
def procs():
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "wf"
    path.mkdir()
    return path


def fake_snakemake(tmp_path: Path) -> Path:
    """A stand-in whose command line reads `python .../snakemake ...`."""
    script = tmp_path / "bin" / "snakemake"
    script.parent.mkdir(exist_ok=True)
    script.write_text(SLEEPER)
    return script


def job_script(workdir: Path) -> Path:
    """A stand-in for a rule script snakemake runs (``.snakemake/scripts/tmpXXXX.train.py``)."""
    script = workdir / ".snakemake" / "scripts" / "tmpab12cd.train.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(SLEEPER)
    return script


def test_no_lock_and_no_process_changes_nothing(tmp_path: Path) -> None:
    assert clear_stale_run(tmp_path) == []


def test_stale_lock_without_any_process_is_removed(tmp_path: Path) -> None:
    locks = stale_locks(tmp_path)
    done = clear_stale_run(tmp_path)
    assert not any(path.exists() for path in locks)
    assert len(done) == 1 and "removed the stale lock" in done[0]


def test_live_snakemake_in_the_directory_keeps_its_lock(
    tmp_path: Path, workdir: Path, procs
) -> None:
    locks = stale_locks(workdir)
    procs.append(start(fake_snakemake(tmp_path), "-c2", "all", "30", cwd=workdir))
    with pytest.raises(LiveRunError, match=rf"pid {procs[0].pid}: .*snakemake -c2 all"):
        clear_stale_run(workdir)
    assert all(path.exists() for path in locks) and procs[0].poll() is None


def test_live_snakemake_naming_the_directory_keeps_its_lock(
    tmp_path: Path, workdir: Path, procs
) -> None:
    locks = stale_locks(workdir)
    procs.append(start(fake_snakemake(tmp_path), "--directory", "wf", "30", cwd=tmp_path))
    with pytest.raises(LiveRunError):
        clear_stale_run(workdir)
    assert all(path.exists() for path in locks)


def test_snakemake_of_another_directory_does_not_count(
    tmp_path: Path, workdir: Path, procs
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    locks = stale_locks(workdir)
    procs.append(start(fake_snakemake(tmp_path), "-c2", "30", cwd=other))
    clear_stale_run(workdir)
    assert not any(path.exists() for path in locks) and procs[0].poll() is None


def test_job_of_a_live_snakemake_is_left_alone(tmp_path: Path, workdir: Path, procs) -> None:
    locks = stale_locks(workdir)
    parent = tmp_path / "bin" / "snakemake"
    parent.parent.mkdir()
    # A snakemake that started one job and waits for it.
    parent.write_text(
        textwrap.dedent(
            f"""\
            import subprocess, sys
            subprocess.run([sys.executable, {str(job_script(workdir))!r}, "30"])
            """
        )
    )
    procs.append(start(parent, cwd=workdir))
    with pytest.raises(LiveRunError):
        clear_stale_run(workdir)
    assert all(path.exists() for path in locks) and procs[0].poll() is None


def test_orphaned_job_of_a_dead_run_is_stopped(tmp_path: Path, workdir: Path, procs) -> None:
    """kill -9 of snakemake leaves its job running (its parent is gone): it is stopped."""
    locks = stale_locks(workdir)
    procs.append(start(job_script(workdir), "30", cwd=workdir))
    done = clear_stale_run(workdir)
    procs[0].wait(timeout=15)
    assert not psutil.pid_exists(procs[0].pid)
    assert not any(path.exists() for path in locks)
    assert done[0].startswith(f"stopped a job of a killed snakemake run (pid {procs[0].pid}")


def test_the_cli_refuses_under_a_live_run(tmp_path: Path, workdir: Path, procs) -> None:
    stale_locks(workdir)
    procs.append(start(fake_snakemake(tmp_path), "-c2", "30", cwd=workdir))
    done = subprocess.run(
        [sys.executable, "-m", "deep_past.resume", "-c2", "results/submission.csv"],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 1
    assert "a snakemake run is working here" in done.stderr
    assert "Building DAG" not in done.stderr  # snakemake never started


RUN = "results/runs/plain/default/r8/s0/train"
PREDICTIONS = "results/predictions/plain/default/r8/s0/last/val.raw.csv"
# Short training, a checkpoint every 2 steps: the kill lands with steps still to go. No eval
# split: the run's predict job answers val and test only.
SHORT = 'hparams: {default: {max_steps: 8, save_steps: 2, eval_steps: 8}}\neval_set: ""\n'


def snakemake_cmd() -> list[str]:
    return [sys.executable, "-m", "snakemake", "-c2", PREDICTIONS, "--configfile", "short.yaml"]


@pytest.mark.slow
def test_kill_9_mid_training_then_rerun_resumes(tmp_path: Path) -> None:
    wf = workflow_copy(tmp_path / "wf")
    (wf / "short.yaml").write_text(SHORT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    # The uninterrupted run, to compare with; then its training and predictions go.
    done = subprocess.run(snakemake_cmd(), cwd=wf, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = (wf / PREDICTIONS).read_bytes()
    subprocess.run(["rm", "-rf", str(wf / RUN), str(wf / "results/predictions")], check=True)

    # The same command, kill -9 of snakemake (only) once a checkpoint is there.
    run = subprocess.Popen(snakemake_cmd(), cwd=wf, env=env, stderr=subprocess.DEVNULL)
    partial = wf / f"{RUN}.partial"
    deadline = time.monotonic() + 600
    while not list(partial.glob("checkpoint-*/trainer_state.json")):
        assert run.poll() is None, "snakemake ended before the first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.wait()
    at_kill = sorted(p.parent.name for p in partial.glob("checkpoint-*/trainer_state.json"))
    assert list((wf / ".snakemake" / "locks").glob("*.lock")), "the killed run left no lock"
    print(f"\nkill -9 of snakemake (pid {run.pid}) with {', '.join(at_kill)} in {partial.name}")

    # Plain snakemake now stops on the stale lock; the resume entry point (make run) goes on.
    stuck = subprocess.run(snakemake_cmd(), cwd=wf, capture_output=True, text=True, env=env)
    assert stuck.returncode != 0 and "cannot be locked" in stuck.stdout + stuck.stderr
    rerun = subprocess.run(
        [sys.executable, "-m", "deep_past.resume", *snakemake_cmd()[3:]],
        cwd=wf,
        capture_output=True,
        text=True,
        env=env,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    notes = [line for line in rerun.stderr.splitlines() if line.startswith("deep_past.resume")]
    print("\n".join(notes))
    assert any("stopped a job of a killed snakemake run" in line for line in notes)
    assert any("removed the stale lock" in line for line in notes)

    train_log = (wf / "results/logs/train/plain/default/r8/s0.log").read_text()
    resumed = [line for line in train_log.splitlines() if "resuming from" in line]
    print("train log:", *resumed)
    assert resumed and f"resuming from {RUN}.partial/checkpoint-" in resumed[-1]
    assert (wf / PREDICTIONS).read_bytes() == expected
    print(f"{PREDICTIONS}: byte-identical to the uninterrupted run's")
