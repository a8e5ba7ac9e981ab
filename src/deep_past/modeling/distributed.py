"""One training run on several GPUs of one machine: ``accelerate launch`` (DDP) around
``deep_past.modeling.train``.

The workflow's ``train`` rule calls :func:`train_run_distributed` when ``gpus_per_run`` > 1: it
writes the run's ``TrainConfig`` as YAML, launches one process per GPU (``python -m
deep_past.modeling.distributed --config X`` on every rank) and, once all ranks are done, moves
``<out>.partial`` into place, as the single-process path does. The effective batch is
``gpus x per_device_batch_size x gradient_accumulation_steps``. Without CUDA the ranks use
gloo on CPU (how the tests exercise it).
"""

from __future__ import annotations

import logging
import os
import socket
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
        "deep_past.modeling.distributed",
        "--config",
        str(config_file),
    ]


def main(argv: list[str] | None = None) -> None:
    """One rank: pin its GPU, then the ordinary training CLI."""
    import torch

    from deep_past.modeling import train

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
