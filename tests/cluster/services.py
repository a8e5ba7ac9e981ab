"""Real services for the cluster tests: a one-node SLURM with fake GPUs, and sshd on loopback.

Both need root and Debian's packages (``install_packages``, once per session). Each is a context
manager that stops what it started, by process id, and removes what it wrote, on every way out:
a normal end, a failing test, SIGTERM/SIGHUP/SIGINT (turned into KeyboardInterrupt, so that the
``finally`` blocks run, with further signals held off until the clean-up is done) and interpreter
exit (atexit). A run killed with SIGKILL cannot clean up: it leaves a record in ``RECORDS`` naming
its processes and files, and the next run, seeing its owner gone, removes them before it starts.
A slurm.conf left behind slows every later snakemake call (the SLURM plugin probes it).
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

from deep_past.resume import stop_trees

SLURM_CONF = Path("/etc/slurm/slurm.conf")
GRES_CONF = Path("/etc/slurm/gres.conf")
MUNGE_RUN = Path("/run/munge")
FAKE_GPUS = [Path("/dev/fakegpu0"), Path("/dev/fakegpu1")]
RECORDS = Path(os.environ.get("DEEP_PAST_CLUSTER_RECORDS", "/run/deep-past-cluster-tests"))
PACKAGES = {"slurmctld": "slurm-wlm", "munged": "munge", "sshd": "openssh-server", "rsync": "rsync"}
APT_TIMEOUT_S = 900
SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def missing_packages() -> list[str]:
    return [pkg for prog, pkg in PACKAGES.items() if not shutil.which(prog)]


def install_packages() -> None:
    """Debian's SLURM, munge, sshd and rsync, in one apt-get call, when any is missing."""
    missing = missing_packages()
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        subprocess.run(cmd, check=True, env=env, timeout=APT_TIMEOUT_S, stdout=subprocess.DEVNULL)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


class Undo:
    """Steps that undo what a service did, run once, newest first, on every way out."""

    active: list[Undo] = []

    def __init__(self, name: str) -> None:
        self.record = RECORDS / f"{name}.json"
        self.steps: list[Callable[[], None]] = []
        self.pids: dict[int, str] = {}
        self.paths: list[str] = []

    def __enter__(self) -> Undo:
        _recover(self.record)
        for sig in SIGNALS:
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(sig, _interrupt)
        Undo.active.append(self)
        self._save()
        return self

    def __exit__(self, *exc) -> None:
        self.run()

    def made(self, path: Path) -> None:
        """``path`` was created here: removed at the end."""
        self.paths.append(str(path))
        self._save()
        self.steps.append(lambda: _remove(path))

    def started(self, proc: subprocess.Popen, name: str) -> None:
        """``proc`` was started here: it and every process under it are stopped at the end."""
        self.pids[proc.pid] = name
        self._save()
        self.steps.append(lambda: _stop(proc))

    def then(self, step: Callable[[], None]) -> None:
        self.steps.append(step)

    def run(self) -> None:
        if self not in Undo.active:
            return
        held = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            while self.steps:
                step = self.steps.pop()
                try:
                    step()
                except Exception as err:  # one failed step must not stop the others
                    print(f"clean-up step failed: {err!r}", file=sys.stderr)
            self.record.unlink(missing_ok=True)
            Undo.active.remove(self)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _save(self) -> None:
        RECORDS.mkdir(parents=True, exist_ok=True)
        record = {"owner": os.getpid(), "pids": self.pids, "paths": self.paths}
        self.record.write_text(json.dumps(record))


@atexit.register
def _undo_all() -> None:
    for undo in reversed(Undo.active[:]):
        undo.run()


def _recover(record: Path) -> None:
    """Remove what a SIGKILLed earlier run left (its record names it), once its owner is gone."""
    if not record.exists():
        return
    left = json.loads(record.read_text())
    if psutil.pid_exists(left["owner"]):
        raise RuntimeError(f"{record}: process {left['owner']} runs these services now")
    print(f"removing what a killed cluster test (pid {left['owner']}) left behind", file=sys.stderr)
    for pid, name in left["pids"].items():
        with contextlib.suppress(psutil.NoSuchProcess):
            proc = psutil.Process(int(pid))
            if name in " ".join(proc.cmdline()):  # the same program, not a reused pid
                stop_trees([proc.pid])
    if any("slurm" in path for path in left["paths"]):
        _kill_job_steps()
    for path in reversed(left["paths"]):
        _remove(Path(path))
    record.unlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _kill_job_steps() -> None:
    """slurmstepd and the job processes under it: they outlive slurmd. Only called when the
    one SLURM of this machine is the test's (``slurm`` refuses to start next to another)."""
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "slurmstepd":
            with contextlib.suppress(psutil.NoSuchProcess):
                stop_trees([proc.pid])


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (then SIGKILL) to ``proc`` and its descendants, then reap it."""
    if proc.poll() is None:
        stop_trees([proc.pid], grace=15)
    proc.wait()


def _wait_for(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def _ok(*cmd: str) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


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
    install_packages()
    with Undo("slurm") as undo:
        if SLURM_CONF.exists():
            raise RuntimeError(
                f"{SLURM_CONF} exists: another SLURM is configured here; not touching it"
            )
        node = socket.gethostname().split(".")[0]
        for sub in ("ctld", "d"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        for i, dev in enumerate(FAKE_GPUS):
            if not dev.exists():
                # Character devices for the gres plugin to hand out; nothing reads them.
                subprocess.run(["mknod", str(dev), "c", "1", str(3 + i)], check=True)
                undo.made(dev)
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        undo.made(SLURM_CONF)
        SLURM_CONF.write_text(slurm_conf(node, state))
        undo.made(GRES_CONF)
        GRES_CONF.write_text("".join(f"Name=gpu File={d}\n" for d in FAKE_GPUS))
        if not MUNGE_RUN.exists():
            MUNGE_RUN.mkdir(parents=True)
            shutil.chown(MUNGE_RUN, "munge", "munge")
            undo.made(MUNGE_RUN)
        munge_log = open(state / "munged.log", "w")  # noqa: SIM115 - closed with the process
        undo.then(munge_log.close)
        # As the munge user, but its own process (not under runuser, which exits on SIGTERM
        # and leaves munged running).
        munged = subprocess.Popen(
            ["munged", "-F"],
            stdout=munge_log,
            stderr=subprocess.STDOUT,
            user="munge",
            group="munge",
            extra_groups=[],
        )
        undo.started(munged, "munged")
        _wait_for(lambda: _ok("munge", "-n"), "munged")
        ctld = subprocess.Popen(["slurmctld", "-D", "-i"], stderr=subprocess.DEVNULL)
        undo.started(ctld, "slurmctld")
        _wait_for(lambda: _ok("scontrol", "ping"), "slurmctld")
        # Runs after slurmd stopped: a step it started while the jobs were ending.
        undo.then(_kill_job_steps)
        slurmd = subprocess.Popen(["slurmd", "-D"], stderr=subprocess.DEVNULL)
        undo.started(slurmd, "slurmd")
        # Runs first: jobs are cancelled while slurmd can still end their steps.
        undo.then(_cancel_jobs)
        _wait_for(
            lambda: (
                "idle"
                in subprocess.run(
                    ["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=30
                ).stdout
            ),
            "slurmd (node idle)",
        )
        yield state / "jobcomp.log"


def _queued() -> list[str]:
    done = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=30)
    return done.stdout.split()


def _cancel_jobs() -> None:
    """scancel every job, wait (bounded) for the queue to empty, then kill what is left."""
    if _queued():
        subprocess.run(["scancel", "--full", *_queued()], capture_output=True, timeout=30)
        with contextlib.suppress(TimeoutError):
            _wait_for(lambda: not _queued(), "an empty queue", timeout=20)
    _kill_job_steps()


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
    install_packages()
    state.mkdir(parents=True, exist_ok=True)
    with Undo("sshd") as undo:
        for name in ("host_key", "client_key"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(state / name)],
                check=True,
            )
        (state / "authorized_keys").write_text((state / "client_key.pub").read_text())
        (state / "authorized_keys").chmod(0o600)
        privsep = Path("/run/sshd")
        if not privsep.exists():
            undo.made(privsep)
            privsep.mkdir(mode=0o755)
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
        sshd_log = open(state / "sshd.log", "w")  # noqa: SIM115 - closed with the process
        undo.then(sshd_log.close)
        proc = subprocess.Popen(
            [sshd_bin, "-D", "-e", "-f", str(state / "sshd_config")], stderr=sshd_log
        )
        undo.started(proc, "sshd")
        _wait_for(lambda: _ok("ssh", "-F", str(state / "ssh_config"), "gpubox", "true"), "sshd")
        yield state / "ssh_config"
