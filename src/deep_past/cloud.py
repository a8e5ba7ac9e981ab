"""Run the workflow on one rented GPU machine reached by SSH (Vast.ai, RunPod, a lab box).

    python -m deep_past.cloud [--host HOST] VERB [options]      (console script: deep-past-cloud)

    sync-up    code, config, data (--data DIR) and .env (mode 600) to the box
    setup      a venv there (pip install), checks tmux and the GPU
    run        snakemake in a tmux session that survives a dropped connection
               (--gpu-only: up to the GPU rules; targets and `-- snakemake args` pass through)
    status     whether the run is alive or how it ended, and the GPU's state
    logs       the run's log (--follow to stream it)
    sync-down  results/ back here: checkpoints, predictions, logs, scores

The host is an alias of the user's ~/.ssh/config (address, user, port and key live there), given
by --host, $DEEP_PAST_CLOUD_HOST or config ``cluster.ssh.host``. ``.env`` is copied as a file and
sourced by the run on the box: its contents are never printed, logged or put on a command line.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SESSION = "deep-past"
TMUX = "tmux -L deep-past"  # own tmux server: never touches the user's other sessions
# Where `run --gpu-only` stops (snakemake --until): the GPU rules (the rules whose resources
# ask for `gpu`) that feed no other GPU rule; train and pretrain feed these, and naming pretrain
# would make it a target even when it is off. tests/test_gpu_rules.py checks this against the
# rules.
GPU_ONLY_UNTIL = ("predict", "predict_zeroshot", "predict_samples")
RUN_LOG = "results/logs/cloud/run.log"
STATE = ".cloud"  # on the box: venv path, run script, exit status
# Never sent by sync-up: build products, local state, secrets (sent separately).
EXCLUDES = (
    ".git",
    ".venv",
    "/results",
    ".snakemake",
    STATE,
    ".env",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "/.whl",
)


class CloudError(RuntimeError):
    pass


@dataclass
class Box:
    host: str
    remote_dir: str
    ssh_config: str | None = None
    session: str = SESSION

    def ssh_cmd(self) -> list[str]:
        return ["ssh", *(["-F", self.ssh_config] if self.ssh_config else [])]

    def ssh(self, script: str, *, stdin: str | None = None, check: bool = True, capture=False):
        """Run ``script`` with bash on the box, inside the remote directory."""
        remote = f"cd {shlex.quote(self.remote_dir)} && {script}"
        cmd = [*self.ssh_cmd(), self.host, f"bash -c {shlex.quote(remote)}"]
        done = subprocess.run(cmd, input=stdin, text=True, capture_output=capture)
        if check and done.returncode != 0:
            detail = (done.stderr or "").strip() if capture else ""
            raise CloudError(f"on {self.host}: command failed ({done.returncode}) {detail}")
        return done

    def rsync(self, *args: str) -> None:
        rsh = " ".join(shlex.quote(a) for a in self.ssh_cmd())
        done = subprocess.run(["rsync", "-az", "-e", rsh, *args])
        if done.returncode != 0:
            raise CloudError(f"rsync failed ({done.returncode})")

    def path(self, rel: str = "") -> str:
        return f"{self.host}:{self.remote_dir.rstrip('/')}/{rel}"


def _config_ssh(root: Path) -> dict[str, str]:
    try:
        import yaml

        config = yaml.safe_load((root / "config" / "config.yaml").read_text()) or {}
    except (OSError, ImportError):
        return {}
    return (config.get("cluster") or {}).get("ssh") or {}


def box_from_args(args: argparse.Namespace) -> Box:
    conf = _config_ssh(Path(args.root))
    host = args.host or os.environ.get("DEEP_PAST_CLOUD_HOST") or conf.get("host", "")
    if not host:
        raise CloudError(
            "no host: give --host ALIAS (from ~/.ssh/config), set DEEP_PAST_CLOUD_HOST "
            "or config cluster.ssh.host"
        )
    remote_dir = args.remote_dir or conf.get("remote_dir") or "deep-past"
    ssh_config = args.ssh_config or os.environ.get("DEEP_PAST_SSH_CONFIG") or None
    return Box(host, remote_dir, ssh_config, args.session)


# ------------------------------------------------------------------------------------ verbs


def sync_up(box: Box, root: Path, data: str | None = None) -> None:
    subprocess.run(
        [*box.ssh_cmd(), box.host, f"mkdir -p {shlex.quote(box.remote_dir)}/{STATE}"], check=True
    )
    excludes = [f"--exclude={e}" for e in EXCLUDES]
    print(f"sync-up: code and config -> {box.path()}")
    box.rsync(*excludes, f"{root}/", box.path())
    if data:
        print(f"sync-up: data {data} -> {box.path('data/')} (run with --config data_dir=data)")
        box.rsync(f"{data.rstrip('/')}/", box.path("data/"))
    env = root / ".env"
    if env.is_file():
        # As a file with owner-only permissions; sourced by the run, never shown.
        print(f"sync-up: .env -> {box.path('.env')} (mode 600)")
        box.rsync("--chmod=F600", str(env), box.path(".env"))


SETUP = r"""
set -euo pipefail
if ! command -v tmux >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux rsync
  else
    echo "tmux is missing on the box: install it (apt-get install tmux)"; exit 1
  fi
fi
venv="$VENV"
if [ -z "$venv" ]; then
  venv="$PWD/.venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  # PyPI's Linux torch wheel is the CUDA build; the project pins its version.
  "$venv/bin/python" -m pip install -q -e '.[workflow]'
fi
[ -x "$venv/bin/snakemake" ] || { echo "no snakemake in $venv"; exit 1; }
echo "$venv" > .cloud/venv
echo "env: $venv ($("$venv/bin/snakemake" --version))"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null \
  || echo "nvidia-smi: not found"
"$venv/bin/python" -c 'import torch; n = torch.cuda.device_count()
print(f"torch {torch.__version__}: {n} CUDA device(s)"); raise SystemExit(0 if n else 3)' \
  || { [ "$CPU_OK" = 1 ] && echo "no GPU: going on (--cpu-ok)"; } \
  || { echo "no CUDA GPU visible to torch on this box"; exit 3; }
"""


def setup(box: Box, venv: str | None = None, cpu_ok: bool = False) -> None:
    env = f"VENV={shlex.quote(venv or '')} CPU_OK={int(cpu_ok)}"
    print(f"setup: env and GPU check on {box.host}")
    box.ssh(f"mkdir -p {STATE} && {env} bash -s", stdin=SETUP)


def run_script(box: Box, venv: str, snakemake_args: list[str]) -> str:
    """The script tmux runs on the box: secrets from .env into the environment, snakemake's
    output into the run log, its exit status into .cloud/exit."""
    cmd = " ".join(shlex.quote(a) for a in [f"{venv}/bin/snakemake", *snakemake_args])
    return f"""\
set -u
cd {shlex.quote(box.remote_dir)}
if [ -f .env ]; then set -a; . ./.env; set +a; fi
mkdir -p {os.path.dirname(RUN_LOG)}
echo "== $(date -u +%FT%TZ) {cmd}" >> {RUN_LOG}
{cmd} >> {RUN_LOG} 2>&1
echo $? > {STATE}/exit
"""


def run(
    box: Box,
    targets: list[str],
    gpu_only: bool = False,
    cores: str = "all",
    extra: list[str] | None = None,
) -> None:
    venv = box.ssh(f"cat {STATE}/venv", capture=True, check=False).stdout.strip()
    if not venv:
        raise CloudError("the box is not set up: run `setup` first")
    args = ["--cores", cores, *targets]
    if gpu_only:
        args += ["--until", *GPU_ONLY_UNTIL]
    args += list(extra or [])
    box.ssh(f"cat > {STATE}/run.sh", stdin=run_script(box, venv, args))
    busy = box.ssh(f"{TMUX} has-session -t {box.session}", check=False, capture=True)
    if busy.returncode == 0:
        raise CloudError(f"a run is still going on {box.host} (session {box.session}): see status")
    box.ssh(f"rm -f {STATE}/exit && {TMUX} new-session -d -s {box.session} bash {STATE}/run.sh")
    print(f"run: started in tmux session {box.session} on {box.host}: snakemake {' '.join(args)}")
    print("     follow it with `logs --follow`; a dropped connection does not stop it")


def state(box: Box) -> str:
    """``running``, ``exit N`` or ``none``."""
    script = (
        f"if {TMUX} has-session -t {box.session} 2>/dev/null; then echo running; "
        f"elif [ -f {STATE}/exit ]; then echo exit $(cat {STATE}/exit); else echo none; fi"
    )
    return box.ssh(script, capture=True).stdout.strip()


def status(box: Box) -> str:
    now = state(box)
    print(f"run: {now}")
    box.ssh(
        "nvidia-smi --query-gpu=name,utilization.gpu,memory.used,memory.total "
        "--format=csv,noheader 2>/dev/null || true; "
        f"[ -f {RUN_LOG} ] && tail -n 3 {RUN_LOG} || true",
        check=False,
    )
    return now


def logs(box: Box, lines: int = 50, follow: bool = False) -> None:
    tail = "tail -F" if follow else "tail"
    box.ssh(f"{tail} -n {int(lines)} {RUN_LOG}", check=False)


def sync_down(box: Box, root: Path, checkpoints: bool = True) -> None:
    (root / "results").mkdir(exist_ok=True)
    # --update: files newer here (finished locally since) are kept.
    skip = [] if checkpoints else ["--exclude=checkpoint-*"]
    print(f"sync-down: {box.path('results/')} -> {root / 'results'}")
    box.rsync("--update", *skip, box.path("results/"), f"{root / 'results'}/")


# ------------------------------------------------------------------------------ command line


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deep-past-cloud",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="SSH host alias (default: $DEEP_PAST_CLOUD_HOST, config)")
    parser.add_argument("--remote-dir", help="working copy on the box (default: config, deep-past)")
    parser.add_argument("--ssh-config", help="ssh config file (default: ~/.ssh/config)")
    parser.add_argument("--session", default=SESSION, help="tmux session name on the box")
    parser.add_argument("--root", default=".", help="local checkout (default: .)")
    verbs = parser.add_subparsers(dest="verb", required=True)
    up = verbs.add_parser("sync-up", help="code, config, data and .env to the box")
    up.add_argument("--data", help="local directory of competition CSVs, sent to <remote>/data")
    st = verbs.add_parser("setup", help="venv on the box; check tmux and the GPU")
    st.add_argument("--venv", help="use this existing venv on the box instead of building one")
    st.add_argument("--cpu-ok", action="store_true", help="do not fail without a CUDA GPU")
    rn = verbs.add_parser("run", help="snakemake in tmux on the box")
    rn.add_argument("targets", nargs="*", help="snakemake targets (default: the default target)")
    rn.add_argument("--gpu-only", action="store_true", help="stop after the GPU rules")
    rn.add_argument("--cores", default="all")
    verbs.add_parser("status", help="is the run alive; GPU state")
    lg = verbs.add_parser("logs", help="the run's log")
    lg.add_argument("-n", "--lines", type=int, default=50)
    lg.add_argument("-f", "--follow", action="store_true")
    dn = verbs.add_parser("sync-down", help="results/ back here")
    dn.add_argument("--no-checkpoints", action="store_true", help="skip checkpoint-N dirs")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:  # everything after -- goes to snakemake on the box
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = make_parser().parse_args(argv)
    root = Path(args.root).resolve()
    try:
        box = box_from_args(args)
        if args.verb == "sync-up":
            sync_up(box, root, args.data)
        elif args.verb == "setup":
            setup(box, args.venv, args.cpu_ok)
        elif args.verb == "run":
            run(box, args.targets, args.gpu_only, args.cores, extra)
        elif args.verb == "status":
            now = status(box)
            return 0 if now in ("running", "exit 0") else 1
        elif args.verb == "logs":
            logs(box, args.lines, args.follow)
        elif args.verb == "sync-down":
            sync_down(box, root, not args.no_checkpoints)
    except CloudError as err:
        print(f"deep-past-cloud: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
