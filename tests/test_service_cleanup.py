"""The clean-up of tests/cluster/services.py on every way out, with a stand-in service (a sleeping
child process and a file), no root needed: SIGTERM, SIGHUP, and SIGKILL (the next run removes
what the killed one left). tests/cluster/test_cleanup.py does the same with the real SLURM and sshd.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from workflow_helpers import ROOT

SERVICE = textwrap.dedent(
    """\
    import subprocess, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import services

    with services.Undo("stand-in") as undo:
        marker = Path(sys.argv[2])
        undo.made(marker)
        marker.write_text("written by the service")
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        undo.started(child, "time.sleep(120)")
        print(child.pid, flush=True)
        time.sleep(120)
    """
)


def start_service(tmp_path: Path) -> tuple[subprocess.Popen, int, Path]:
    marker = tmp_path / "service.conf"
    script = tmp_path / "service.py"
    script.write_text(SERVICE)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(ROOT / "tests" / "cluster"), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEEP_PAST_CLUSTER_RECORDS": str(tmp_path / "records")},
        # A SIGHUP ignored by whoever started pytest (nohup) stays ignored in the service, by
        # design: the stand-in starts with the default, as from a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
    )
    child = int(proc.stdout.readline())
    assert marker.exists() and psutil.pid_exists(child)
    return proc, child, marker


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_service_and_removes_its_files(tmp_path: Path, sig) -> None:
    proc, child, marker = start_service(tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and f"KeyboardInterrupt: signal {sig.name}" in err
    assert gone(child) and not marker.exists()
    assert not list((tmp_path / "records").glob("*.json"))


def test_what_a_sigkilled_run_left_is_removed_by_the_next(tmp_path: Path) -> None:
    proc, child, marker = start_service(tmp_path)
    proc.kill()
    proc.wait()
    assert psutil.pid_exists(child) and marker.exists()  # nothing could run
    try:
        again, child2, marker2 = start_service(tmp_path)  # the next run, same service
        assert gone(child) and marker2.exists()
        again.send_signal(signal.SIGTERM)
        _, err = again.communicate(timeout=30)
        assert "removing what a killed cluster test" in err
        assert gone(child2) and not marker2.exists()
    finally:
        if not gone(child):
            os.kill(child, signal.SIGKILL)
