"""The code style gates CI relies on: ruff (lint + format) and snakefmt."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint():
    done = run(str(BIN / "ruff"), "check", "src", "tests", "workflow", "benchmarks", "tools")
    assert done.returncode == 0, done.stdout


def test_ruff_format():
    done = run(
        str(BIN / "ruff"), "format", "--check", "src", "tests", "workflow", "benchmarks", "tools"
    )
    assert done.returncode == 0, done.stdout


def test_snakefmt():
    done = run(str(BIN / "snakefmt"), "--check", "Snakefile", "rules")
    assert done.returncode == 0, done.stdout + done.stderr
