"""Rerun after a killed Snakemake: clear what the dead run left behind, never a live run's.

``kill -9`` of ``snakemake`` (or a crash, or an OOM kill) leaves two things behind: its lock
files in ``.snakemake/locks/`` (the next run then stops with "Directory cannot be locked"), and
its job processes, which outlive their parent and keep writing to outputs nobody will collect.
``python -m deep_past.resume [SNAKEMAKE ARGS]`` (what ``make run`` calls) looks at every process
of this machine first:

- a live ``snakemake`` working on the directory (its ``--directory`` or its cwd): it changes
  nothing and stops with a message naming the process;
- jobs of a snakemake that is gone (their command line runs a script from the directory's
  ``.snakemake/``, no snakemake above them): it stops them, so that ``train.partial/`` keeps
  its last checkpoint and the rerun resumes from it;
- then it removes the lock files it found, by name (a lock created since by a new run stays).

With arguments it then runs ``snakemake --rerun-incomplete ARGS`` in this interpreter.
Processes on other machines (a shared file system) are not visible: run it where the killed run ran.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STOP_WAIT_S = 10.0


class LiveRunError(RuntimeError):
    """A snakemake process is still working on the directory."""


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    cmdline: tuple[str, ...]
    cwd: str | None

    def describe(self) -> str:
        return f"pid {self.pid}: {' '.join(self.cmdline)[:200]}"


def _processes() -> list[Proc]:
    import psutil

    procs = []
    for p in psutil.process_iter(["pid", "ppid", "cmdline", "cwd"]):
        info = p.info
        if not info["cmdline"]:
            continue  # kernel threads, zombies, processes of other users we cannot read
        procs.append(Proc(info["pid"], info["ppid"] or 0, tuple(info["cmdline"]), info["cwd"]))
    return procs


def _is_snakemake(cmd: tuple[str, ...]) -> bool:
    """`snakemake ...`, `python /venv/bin/snakemake ...` or `python -m snakemake ...`."""
    if any(os.path.basename(arg) == "snakemake" for arg in cmd[:2]):
        return True
    return any(a == "-m" and b == "snakemake" for a, b in zip(cmd, cmd[1:], strict=False))


def _workdir(cmd: tuple[str, ...], cwd: str) -> str:
    """The directory a snakemake command works in: ``--directory``/``-d``, else its cwd."""
    for i, arg in enumerate(cmd):
        if arg in ("--directory", "-d") and i + 1 < len(cmd):
            return os.path.join(cwd, cmd[i + 1])
        if arg.startswith("--directory="):
            return os.path.join(cwd, arg.split("=", 1)[1])
    return cwd


def _ancestors(pid: int, parent: dict[int, int]) -> set[int]:
    seen = set()
    while pid in parent and pid not in seen:
        seen.add(pid)
        pid = parent[pid]
    return seen


def survey(directory: Path, procs: list[Proc]) -> tuple[list[Proc], list[Proc]]:
    """(live snakemake runs on ``directory``, orphaned jobs of a dead one), excluding this
    process and its ancestors (the shell and ``make`` that started it)."""
    target = os.path.realpath(directory)
    jobs_prefix = os.path.join(target, ".snakemake") + os.sep
    parent = {p.pid: p.ppid for p in procs}
    mine = _ancestors(os.getpid(), parent)
    live, jobs = [], []
    for p in procs:
        if p.pid in mine:
            continue
        if _is_snakemake(p.cmdline) and p.cwd is not None:
            if os.path.realpath(_workdir(p.cmdline, p.cwd)) == target:
                live.append(p)
                continue
        # Job scripts run from an absolute path: <dir>/.snakemake/scripts/tmpXXXX.<name>.py
        if any(
            os.path.isabs(arg) and os.path.realpath(arg).startswith(jobs_prefix)
            for arg in p.cmdline[1:]
        ):
            jobs.append(p)
    live_pids = {p.pid for p in live}
    orphans = [j for j in jobs if not (_ancestors(j.ppid, parent) & live_pids)]
    return live, orphans


def stop_trees(pids: list[int], grace: float = STOP_WAIT_S) -> None:
    """SIGTERM to each process and everything under it; SIGKILL what is left after ``grace`` s."""
    import psutil

    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc = psutil.Process(pid)
            procs += [proc, *proc.children(recursive=True)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(sig)
        if _wait_ended(procs, grace):
            return


def _wait_ended(procs: list, timeout: float) -> bool:
    """Until each is gone or a zombie (an orphan's zombie waits for an init that may not reap)."""
    import psutil

    def ended(proc) -> bool:
        try:
            return proc.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + timeout
    while not all(map(ended, procs)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def clear_stale_run(directory: str | Path = ".") -> list[str]:
    """Stop a dead run's orphaned jobs and remove its lock files; what was done, as lines.

    Raises LiveRunError, changing nothing, while a snakemake process works on ``directory``.
    """
    directory = Path(directory)
    locks = sorted((directory / ".snakemake" / "locks").glob("*.lock"))
    live, orphans = survey(directory, _processes())
    if live:
        names = "; ".join(p.describe() for p in live)
        raise LiveRunError(
            f"{directory.resolve()}: a snakemake run is working here ({names}); "
            "wait for it or stop it, then run again"
        )
    done = []
    if orphans:
        stop_trees([p.pid for p in orphans])
        done += [f"stopped a job of a killed snakemake run ({p.describe()})" for p in orphans]
    for lock in locks:
        lock.unlink(missing_ok=True)
    if locks:
        done.append(
            f"removed the stale lock of a killed snakemake run ({len(locks)} files in "
            f"{locks[0].parent}): no snakemake process works on {directory.resolve()}"
        )
    return done


def main(argv: list[str] | None = None) -> int:
    # Not argparse: everything after the program name goes to snakemake as it is.
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--"]
    if args[:1] in (["-h"], ["--help"]):
        print(f"usage: python -m deep_past.resume [SNAKEMAKE ARGS]\n\n{__doc__}")
        return 0
    try:
        for line in clear_stale_run(_workdir(tuple(args), os.getcwd())):
            print(f"deep_past.resume: {line}", file=sys.stderr)
    except LiveRunError as err:
        print(f"deep_past.resume: {err}", file=sys.stderr)
        return 1
    if not args:
        return 0
    sys.stderr.flush()
    # exec: snakemake gets the signals (Ctrl-C) and the exit status itself.
    os.execv(sys.executable, [sys.executable, "-m", "snakemake", "--rerun-incomplete", *args])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
