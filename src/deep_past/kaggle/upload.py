"""Stage an export directory as a Kaggle dataset folder and create or version the dataset.

``python -m deep_past.kaggle.upload --export results/export/model --folder
results/kaggle/dataset --id owner/slug [--dry-run]``: the folder gets the export's files (hard
links where possible) and ``dataset-metadata.json``; without ``--dry-run`` the kaggle API then
creates the dataset, or a new version when it already exists. ``--dry-run`` makes no network call.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

METADATA = "dataset-metadata.json"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*/[a-z0-9][a-z0-9-]{4,49}$")


def dataset_metadata(dataset_id: str, title: str, license_name: str = "other") -> dict[str, Any]:
    """The kaggle client's dataset-metadata.json; checks the id is ``owner/slug`` as Kaggle
    wants it (slug: 5-50 lowercase letters, digits and hyphens)."""
    if not _ID.match(dataset_id):
        raise ValueError(
            f"dataset id {dataset_id!r} must be 'owner/slug' (slug: 5-50 of a-z, 0-9, -)"
        )
    if not 6 <= len(title) <= 50:
        raise ValueError(f"dataset title must be 6-50 characters, got {title!r}")
    return {"title": title, "id": dataset_id, "licenses": [{"name": license_name}]}


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # no second copy of multi-GB weights on the same disk
    except OSError:
        shutil.copy2(src, dst)


def stage_folder(export_dir: str | Path, folder: str | Path, metadata: dict[str, Any]) -> list[str]:
    """Fill ``folder`` (emptied first) with the export's files and the metadata file."""
    from deep_past.io import write_json

    export_dir, folder = Path(export_dir), Path(folder)
    if not (export_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"{export_dir} has no manifest.json: is it an export directory?")
    if folder.exists():
        shutil.rmtree(folder)
    files = sorted(p for p in export_dir.rglob("*") if p.is_file())
    for src in files:
        _link_or_copy(src, folder / src.relative_to(export_dir))
    write_json(metadata, folder / METADATA)
    return [p.relative_to(export_dir).as_posix() for p in files]


def dataset_exists(api: Any, dataset_id: str) -> bool:
    try:
        api.dataset_status(dataset_id)
    except Exception as err:  # the client raises HTTPError 404 (or 403) for unknown datasets
        status = getattr(getattr(err, "response", None), "status_code", None)
        if status in (403, 404):
            return False
        raise
    return True


def push(folder: str | Path, dataset_id: str, version_notes: str, api: Any | None = None) -> str:
    """Create the dataset, or version it when it exists; returns "created" or "versioned"."""
    from deep_past.kaggle.client import kaggle_api

    api = api or kaggle_api()
    # dir_mode="zip": the adapter/ and tables/ subfolders travel as archives Kaggle unpacks.
    if dataset_exists(api, dataset_id):
        api.dataset_create_version(str(folder), version_notes, quiet=True, dir_mode="zip")
        return "versioned"
    api.dataset_create_new(str(folder), public=False, quiet=True, dir_mode="zip")
    return "created"


def upload_export(
    export_dir: str | Path,
    folder: str | Path,
    *,
    dataset_id: str,
    title: str,
    license_name: str = "other",
    version_notes: str = "deep-past export",
    dry_run: bool = True,
    record: str | Path | None = None,
    api: Any | None = None,
) -> dict[str, Any]:
    """Stage the folder, then push it unless ``dry_run``; returns (and writes to ``record``)
    what was done."""
    from deep_past.io import write_json

    metadata = dataset_metadata(dataset_id, title, license_name)
    files = stage_folder(export_dir, folder, metadata)
    action = "dry-run" if dry_run else push(folder, dataset_id, version_notes, api)
    result = {"dataset": dataset_id, "action": action, "folder": str(folder), "files": files}
    log.info("dataset %s: %s (%d files)", dataset_id, action, len(files))
    if record is not None:
        write_json(result, record)
    return result


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Create or version a Kaggle dataset from an export directory."
    )
    parser.add_argument("--export", required=True, help="export directory (has manifest.json)")
    parser.add_argument("--folder", required=True, help="staging folder for the dataset")
    parser.add_argument("--id", required=True, help="dataset id, owner/slug")
    parser.add_argument("--title", default="deep-past model", help="dataset title (6-50 chars)")
    parser.add_argument("--license", default="other", help="license name in the metadata")
    parser.add_argument("--notes", default="deep-past export", help="version notes")
    parser.add_argument("--dry-run", action="store_true", help="stage only; no network call")
    return parser


def main(argv: list[str] | None = None) -> None:
    from deep_past.kaggle.client import CredentialsError

    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = upload_export(
            args.export,
            args.folder,
            dataset_id=args.id,
            title=args.title,
            license_name=args.license,
            version_notes=args.notes,
            dry_run=args.dry_run,
        )
    except CredentialsError as err:
        raise SystemExit(f"deep-past error: {err}") from None
    print(f"{result['dataset']}: {result['action']}, {len(result['files'])} files in {args.folder}")


if __name__ == "__main__":
    main()
