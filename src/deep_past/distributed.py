"""One training run on several GPUs of one machine: ``accelerate launch`` (DDP) around
``deep_past.train``.

The workflow's ``train`` rule calls :func:`train_run_distributed` when ``gpus_per_run`` > 1: it
writes the run's ``TrainConfig`` as YAML, launches one process per GPU (``python -m
deep_past.distributed --config run.yaml`` on every rank) and, once all ranks are done, moves
``<out>.partial`` into place, as the single-process path does. The effective batch is
``gpus x per_device_batch_size x gradient_accumulation_steps``. Without CUDA the ranks use
gloo on CPU (how the tests exercise it).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LAUNCH_CONFIG = "launch_config.yaml"


def free_port() -> int:
    """A TCP port free right now, so two runs on one node do not share a rendezvous port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch_command(config_file: str | Path, num_processes: int, port: int) -> list[str]:
    """``accelerate launch`` of this module's worker on ``num_processes`` ranks of one node."""
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",  # torch.distributed launcher; gloo on CPU-only nodes
        "--num_processes",
        str(num_processes),
        "--num_machines",
        "1",
        "--main_process_port",
        str(port),
        "--mixed_precision",
        "no",  # TrainConfig decides bf16
        "--dynamo_backend",
        "no",
        "-m",
        "deep_past.distributed",
        "--config",
        str(config_file),
    ]


def train_run_distributed(
    settings: dict[str, Any],
    train_jsonl: str | Path,
    val_jsonl: str | Path,
    base_dir: str | Path,
    out_dir: str | Path,
    *,
    num_processes: int,
    threads: int | None = None,
) -> None:
    """Like ``pipeline.models.train_run``, with ``num_processes`` DDP ranks."""
    import yaml

    from deep_past.pipeline.models import base_model_path
    from deep_past.train import TrainConfig

    if num_processes < 2:
        raise ValueError(f"num_processes must be at least 2, got {num_processes}")
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    fields = {
        "model": base_model_path(base_dir),
        "train_file": str(train_jsonl),
        "val_file": str(val_jsonl),
        "output_dir": str(partial),
        **settings,
    }
    if threads and "num_threads" not in settings:
        # The job's cores are shared by the ranks; spinning OpenMP pools would fight.
        fields["num_threads"] = max(1, threads // num_processes)
    cfg = TrainConfig(**fields)  # checked here, before any rank starts
    config_file = partial / LAUNCH_CONFIG
    config_file.write_text(yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False))
    cmd = launch_command(config_file, num_processes, free_port())
    log.info("launching %d ranks: %s", num_processes, " ".join(cmd))
    sys.stderr.flush()
    # Ranks write to this job's log; a failed rank fails the job and keeps the checkpoints.
    subprocess.run(cmd, check=True, stdout=sys.stderr, stderr=sys.stderr)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(partial, out_dir)


def main(argv: list[str] | None = None) -> None:
    """One rank: pin its GPU, then the ordinary training CLI."""
    import torch

    from deep_past import train

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        # Models load with device_map "cuda": make that this rank's GPU, not GPU 0.
        torch.cuda.set_device(local_rank)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    log.info(
        "rank %s of WORLD_SIZE %s (local rank %d, cuda=%s)",
        os.environ.get("RANK", "0"),
        os.environ.get("WORLD_SIZE", "1"),
        local_rank,
        torch.cuda.is_available(),
    )
    train.train(train.config_from_args(argv), callbacks=[_report_world()])


def _report_world() -> Any:
    from transformers import TrainerCallback

    class ReportWorld(TrainerCallback):
        """Logs what the trainer itself sees, so a run's log shows DDP really started."""

        def on_train_begin(self, args, state, control, **kwargs):
            import torch.distributed as dist

            backend = dist.get_backend() if dist.is_initialized() else "none"
            log.info(
                "trainer: process %d of world_size %d, backend %s",
                args.process_index,
                args.world_size,
                backend,
            )

    return ReportWorld()


if __name__ == "__main__":
    main()
