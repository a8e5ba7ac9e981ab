"""Real services for the cluster tests: a one-node SLURM with fake GPUs, and sshd on loopback.

Both need root and Debian's packages (installed here when missing). Each is a context manager
that stops what it started, by process id, and removes its configuration even when the test
fails: a slurm.conf left behind slows every later snakemake call.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SLURM_CONF = Path("/etc/slurm/slurm.conf")
GRES_CONF = Path("/etc/slurm/gres.conf")
MUNGE_RUN = Path("/run/munge")
FAKE_GPUS = [Path("/dev/fakegpu0"), Path("/dev/fakegpu1")]


def apt_install(*packages: str, probe: str) -> None:
    """Install Debian packages unless ``probe`` (a program) is already on PATH."""
    if shutil.which(probe):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def _ok(*cmd: str) -> bool:
    return subprocess.run(cmd, capture_output=True).returncode == 0


def slurm_conf(node: str, state: Path) -> str:
    # config_overrides: slurmd trusts CPUs/RealMemory below, so the profile's real-cluster
    # requests (8 CPUs per GPU, 64 GB) fit on this 2-core machine.
    return f"""\
ClusterName=deeppasttest
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={state}/jobcomp.log
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
KillWait=5
InactiveLimit=0
NodeName={node} NodeAddr=127.0.0.1 CPUs=32 RealMemory=131072 Gres=gpu:2 State=UNKNOWN
PartitionName=gpu Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


@contextlib.contextmanager
def slurm(state: Path) -> Iterator[Path]:
    """munged, slurmctld and slurmd in the foreground of this test; yields the jobcomp log."""
    apt_install("slurm-wlm", "munge", probe="slurmctld")
    if SLURM_CONF.exists():
        raise RuntimeError(
            f"{SLURM_CONF} exists: another SLURM is configured here; not touching it"
        )
    node = socket.gethostname().split(".")[0]
    procs: list[subprocess.Popen] = []
    made: list[Path] = []
    try:
        for sub in ("ctld", "d"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        for i, dev in enumerate(FAKE_GPUS):
            if not dev.exists():
                # Character devices for the gres plugin to hand out; nothing reads them.
                subprocess.run(["mknod", str(dev), "c", "1", str(3 + i)], check=True)
                made.append(dev)
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(slurm_conf(node, state))
        made.append(SLURM_CONF)
        GRES_CONF.write_text("".join(f"Name=gpu File={d}\n" for d in FAKE_GPUS))
        made.append(GRES_CONF)
        if not MUNGE_RUN.exists():
            MUNGE_RUN.mkdir(parents=True)
            shutil.chown(MUNGE_RUN, "munge", "munge")
            made.append(MUNGE_RUN)
        munge_log = open(state / "munged.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                ["runuser", "-u", "munge", "--", "munged", "-F"],
                stdout=munge_log,
                stderr=subprocess.STDOUT,
            )
        )
        _wait_for(lambda: _ok("munge", "-n"), "munged")
        procs.append(subprocess.Popen(["slurmctld", "-D", "-i"], stderr=subprocess.DEVNULL))
        _wait_for(lambda: _ok("scontrol", "ping"), "slurmctld")
        procs.append(subprocess.Popen(["slurmd", "-D"], stderr=subprocess.DEVNULL))
        _wait_for(
            lambda: (
                "idle"
                in subprocess.run(
                    ["sinfo", "-h", "-o", "%t"], capture_output=True, text=True
                ).stdout
            ),
            "slurmd (node idle)",
        )
        yield state / "jobcomp.log"
    finally:
        for job in subprocess.run(
            ["squeue", "-h", "-o", "%i"], capture_output=True, text=True
        ).stdout.split():
            subprocess.run(["scancel", job], capture_output=True)
        for proc in reversed(procs):
            _stop(proc)
        for path in reversed(made):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def jobs(
    fields: str = "JobId,JobName,JobState,Comment,TresPerJob,AllocTRES,ExitCode",
) -> list[dict]:
    """Every job slurmctld still remembers (MinJobAge keeps finished ones), as dicts."""
    out = subprocess.run(
        ["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, check=True
    ).stdout
    records = []
    for line in out.splitlines():
        if not line.strip() or line.startswith("No jobs"):
            continue
        rec = {}
        for token in line.split():
            key, _, value = token.partition("=")
            rec[key] = value
        records.append({k: rec.get(k, "") for k in fields.split(",")})
    return records


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def sshd(state: Path) -> Iterator[Path]:
    """sshd on 127.0.0.1 with a throwaway host key and client key; yields an ssh_config path
    whose host ``gpubox`` logs in as this user with that key."""
    apt_install("openssh-server", "rsync", probe="sshd")
    if not shutil.which("rsync"):
        apt_install("rsync", probe="rsync")
    state.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    proc = None
    try:
        for name in ("host_key", "client_key"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(state / name)],
                check=True,
            )
        (state / "authorized_keys").write_text((state / "client_key.pub").read_text())
        (state / "authorized_keys").chmod(0o600)
        privsep = Path("/run/sshd")
        if not privsep.exists():
            privsep.mkdir(mode=0o755)
            made.append(privsep)
        port = free_port()
        (state / "sshd_config").write_text(
            f"""\
ListenAddress 127.0.0.1
Port {port}
HostKey {state}/host_key
PidFile {state}/sshd.pid
AuthorizedKeysFile {state}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""
        )
        (state / "ssh_config").write_text(
            f"""\
Host gpubox
  HostName 127.0.0.1
  Port {port}
  User {getpass.getuser()}
  IdentityFile {state}/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile {state}/known_hosts
  LogLevel ERROR
"""
        )
        sshd_bin = shutil.which("sshd") or "/usr/sbin/sshd"
        proc = subprocess.Popen(
            [sshd_bin, "-D", "-e", "-f", str(state / "sshd_config")],
            stderr=open(state / "sshd.log", "w"),  # noqa: SIM115 - closed with the process
        )
        _wait_for(lambda: _ok("ssh", "-F", str(state / "ssh_config"), "gpubox", "true"), "sshd", 20)
        yield state / "ssh_config"
    finally:
        if proc is not None:
            _stop(proc)
        for path in made:
            shutil.rmtree(path, ignore_errors=True)
