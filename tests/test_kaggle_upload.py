"""Dataset upload: --dry-run stages folder and metadata with no network call; the real path
calls the kaggle API (its methods replaced at the boundary)."""

import json

import pytest

from deep_past.kaggle import upload
from deep_past.kaggle.upload import METADATA, dataset_metadata, upload_export

DATASET = "someone/deep-past-model"


@pytest.fixture
def export_dir(tmp_path):
    d = tmp_path / "export"
    (d / "adapter").mkdir(parents=True)
    (d / "model.safetensors").write_bytes(b"weights")
    (d / "adapter" / "adapter_config.json").write_text("{}")
    (d / "manifest.json").write_text(json.dumps({"files": {}}))
    return d


def test_dry_run_builds_folder_and_metadata_without_network(tmp_path, export_dir, monkeypatch):
    def no_network():
        raise AssertionError("dry run must not reach the kaggle API")

    monkeypatch.setattr("deep_past.kaggle.client.kaggle_api", no_network)
    folder = tmp_path / "dataset"
    result = upload_export(
        export_dir,
        folder,
        dataset_id=DATASET,
        title="deep-past model",
        record=tmp_path / "upload.json",
    )
    assert result["action"] == "dry-run"
    assert (folder / "adapter" / "adapter_config.json").is_file()
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    meta = json.loads((folder / METADATA).read_text())
    assert meta == {"title": "deep-past model", "id": DATASET, "licenses": [{"name": "other"}]}
    assert json.loads((tmp_path / "upload.json").read_text())["files"] == sorted(result["files"])


def test_cli_dry_run(tmp_path, export_dir, capsys):
    upload.main(
        ["--export", str(export_dir), "--folder", str(tmp_path / "f"), "--id", DATASET, "--dry-run"]
    )
    assert "dry-run" in capsys.readouterr().out
    assert (tmp_path / "f" / METADATA).is_file()


class _NotFound(Exception):
    class response:  # noqa: N801 - mimics requests' HTTPError.response
        status_code = 404


@pytest.mark.parametrize("exists", [False, True])
def test_real_upload_creates_or_versions(tmp_path, export_dir, monkeypatch, exists):
    from kaggle.api.kaggle_api_extended import KaggleApi

    for var in ("KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "0123456789abcdef0123456789abcdef")
    calls = []

    def status(self, dataset, format=None):
        calls.append(("status", dataset))
        if not exists:
            raise _NotFound()
        return "ready"

    def create_new(self, folder, public=False, quiet=False, convert_to_csv=True, dir_mode="skip"):
        calls.append(("new", json.loads((tmp_path / "dataset" / METADATA).read_text())["id"]))

    def create_version(self, folder, version_notes, quiet=False, dir_mode="skip", **kw):
        calls.append(("version", version_notes))

    monkeypatch.setattr(KaggleApi, "dataset_status", status)
    monkeypatch.setattr(KaggleApi, "dataset_create_new", create_new)
    monkeypatch.setattr(KaggleApi, "dataset_create_version", create_version)
    result = upload_export(
        export_dir,
        tmp_path / "dataset",
        dataset_id=DATASET,
        title="deep-past model",
        version_notes="v2",
        dry_run=False,
    )
    if exists:
        assert result["action"] == "versioned" and calls[-1] == ("version", "v2")
    else:
        assert result["action"] == "created" and calls[-1] == ("new", DATASET)


@pytest.mark.parametrize("bad", ["no-owner", "owner/Upper", "owner/abc", "a/b/c"])
def test_bad_dataset_id_is_refused(bad):
    with pytest.raises(ValueError, match="owner/slug"):
        dataset_metadata(bad, "deep-past model")
