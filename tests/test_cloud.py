"""deep_past.cloud and modeling.distributed without a network or a second process (the real
SSH, SLURM and DDP runs are in tests/cluster, run by `make test-cluster`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deep_past import cloud
from deep_past.modeling.distributed import launch_command


def test_host_from_flag_then_env_then_config(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(
        "cluster:\n  ssh:\n    host: fromconfig\n    remote_dir: /srv/dp\n"
    )
    parse = cloud.make_parser().parse_args
    monkeypatch.delenv("DEEP_PAST_CLOUD_HOST", raising=False)
    box = cloud.box_from_args(parse(["--root", str(tmp_path), "status"]))
    assert (box.host, box.remote_dir) == ("fromconfig", "/srv/dp")
    monkeypatch.setenv("DEEP_PAST_CLOUD_HOST", "fromenv")
    assert cloud.box_from_args(parse(["--root", str(tmp_path), "status"])).host == "fromenv"
    args = parse(["--root", str(tmp_path), "--host", "flag", "status"])
    assert cloud.box_from_args(args).host == "flag"


def test_no_host_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DEEP_PAST_CLOUD_HOST", raising=False)
    with pytest.raises(cloud.CloudError, match="no host"):
        cloud.box_from_args(cloud.make_parser().parse_args(["--root", str(tmp_path), "status"]))


def test_run_script_sources_env_without_naming_secrets(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WANDB_API_KEY=secret-value\n")
    box = cloud.Box("gpubox", "deep-past")
    script = cloud.run_script(box, "/opt/venv", ["--cores", "all", "--until", "predict"])
    assert ". ./.env" in script and "secret-value" not in script
    assert "/opt/venv/bin/snakemake --cores all --until predict >> " in script
    assert f"> {cloud.STATE}/exit" in script


def test_sync_up_never_sends_env_or_build_products() -> None:
    for name in (".env", ".git", ".venv", "/results", ".snakemake"):
        assert name in cloud.EXCLUDES


def test_launch_command_runs_worker_on_n_ranks() -> None:
    cmd = launch_command("run.yaml", 2, 29611)
    assert cmd[cmd.index("--num_processes") + 1] == "2"
    assert cmd[cmd.index("--main_process_port") + 1] == "29611"
    assert cmd[-4:] == ["-m", "deep_past.modeling.distributed", "--config", "run.yaml"]
