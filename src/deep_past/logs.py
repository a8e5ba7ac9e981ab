"""Logging set-up shared by the CLIs and the workflow's rule scripts."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("deep_past")


def log_to(path: str | Path | None, threads: int | None = None) -> None:
    """Send logging, warnings, stdout and stderr (progress bars, trainer metrics, tracebacks)
    to ``path``."""
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives for the job
        sys.stdout = sys.stderr = stream
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.captureWarnings(True)
    if threads is not None:
        # Bound every thread pool to the cores the scheduler gave this job.
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(threads)
        import torch

        torch.set_num_threads(threads)


@contextlib.contextmanager
def job(log_path: str | Path, threads: int | None = None) -> Iterator[None]:
    """Run one workflow job: everything goes to its log; a failure also prints one clear line
    (e.g. the file, row and column of bad input) where the user is looking."""
    console = sys.stderr
    log_to(log_path, threads)
    try:
        yield
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        print(f"deep-past error: {err} (full log: {log_path})", file=console)
        raise SystemExit(1) from None
