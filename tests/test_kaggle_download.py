"""Competition download: the missing-credentials error for real, the download with the kaggle
client's network call replaced at its boundary (a method that writes a real zip)."""

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deep_past.kaggle import COMPETITION
from deep_past.kaggle.download import MANIFEST, download_competition, safe_extract

CREDENTIAL_VARS = ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR")


def test_missing_credentials_is_one_clear_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    env.update(HOME=str(home), KAGGLE_CONFIG_DIR=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    done = subprocess.run(
        [sys.executable, "-m", "deep_past.kaggle.download", "--data-dir", str(tmp_path / "d")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    err = done.stderr.strip().splitlines()
    assert len(err) == 1, done.stderr  # one line, no traceback, no client help text
    assert "Kaggle credentials not found" in err[0]
    assert "KAGGLE_USERNAME and KAGGLE_KEY" in err[0] and str(home / "kaggle.json") in err[0]
    assert not (tmp_path / "d").exists()


@pytest.fixture
def fake_credentials(tmp_path, monkeypatch):
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "0123456789abcdef0123456789abcdef")


def test_download_unzips_and_records_sha256(tmp_path, monkeypatch, fake_credentials, demo_dir):
    from kaggle.api.kaggle_api_extended import KaggleApi

    calls = []

    def fake_download(self, competition, path=None, force=False, quiet=True, unzip=False):
        # What the real method leaves behind: <path>/<competition>.zip.
        calls.append(competition)
        with zipfile.ZipFile(Path(path) / f"{competition}.zip", "w") as zf:
            for name in ("train.csv", "test.csv", "sample_submission.csv"):
                zf.write(demo_dir / name, name)

    monkeypatch.setattr(KaggleApi, "competition_download_files", fake_download)
    data = tmp_path / "data"
    manifest = download_competition(data)
    assert calls == [COMPETITION]
    assert sorted(p.name for p in data.iterdir()) == sorted(
        ["train.csv", "test.csv", "sample_submission.csv", MANIFEST]
    )
    for name in ("train.csv", "test.csv", "sample_submission.csv"):
        digest = hashlib.sha256((demo_dir / name).read_bytes()).hexdigest()
        assert manifest["files"][name] == {
            "sha256": digest,
            "size": (demo_dir / name).stat().st_size,
        }
    assert (data / MANIFEST).read_text().count("sha256") == 3


def test_zip_member_outside_the_data_dir_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside.csv", "id\n")
    with pytest.raises(ValueError, match="escapes"):
        safe_extract(archive, tmp_path / "data")
    assert not (tmp_path / "outside.csv").exists()
