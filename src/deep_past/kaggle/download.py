"""Download the competition data with the kaggle client, unzip it, record sha256 per file.

``python -m deep_past.kaggle.download --data-dir data/kaggle`` writes the competition CSVs
into the directory and ``manifest.json`` (competition, file -> sha256 and size) next to them.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from deep_past.kaggle import COMPETITION

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_records(root: str | Path, exclude: tuple[str, ...] = (MANIFEST,)) -> dict[str, dict]:
    """Relative path -> {sha256, size} for every file under ``root``, sorted by path."""
    root = Path(root)
    out: dict[str, dict] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel in exclude:
            continue
        out[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return out


def safe_extract(archive: str | Path, dest: str | Path) -> list[str]:
    """Unzip ``archive`` into ``dest``, refusing members that would land outside it."""
    dest = Path(dest).resolve()
    names = []
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            target = (dest / member.filename).resolve()
            if not target.is_relative_to(dest):
                raise ValueError(f"{archive}: member {member.filename!r} escapes {dest}")
            names.append(member.filename)
        zf.extractall(dest)
    return names


def download_competition(
    data_dir: str | Path, competition: str = COMPETITION, api: Any | None = None
) -> dict[str, Any]:
    """Fetch the competition zip through the kaggle API, unzip it into ``data_dir`` and write
    ``data_dir/manifest.json``; returns the manifest."""
    from deep_past.io import write_json
    from deep_past.kaggle.client import kaggle_api

    api = api or kaggle_api()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".download-") as tmp:
        api.competition_download_files(competition, path=tmp, force=True, quiet=True)
        archives = sorted(Path(tmp).glob("*.zip"))
        if not archives:
            raise FileNotFoundError(f"the kaggle client wrote no zip archive for {competition}")
        for archive in archives:
            names = safe_extract(archive, data_dir)
            log.info("%s: %d files unpacked into %s", archive.name, len(names), data_dir)
        shutil.rmtree(tmp, ignore_errors=True)
    manifest = {"competition": competition, "files": file_records(data_dir)}
    write_json(manifest, data_dir / MANIFEST)
    return manifest


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Download and unzip the competition data; write sha256 of each file."
    )
    parser.add_argument("--data-dir", required=True, help="directory to unzip the CSVs into")
    parser.add_argument("--competition", default=COMPETITION, help="Kaggle competition slug")
    return parser


def main(argv: list[str] | None = None) -> None:
    from deep_past.kaggle.client import CredentialsError

    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        manifest = download_competition(args.data_dir, args.competition)
    except CredentialsError as err:
        raise SystemExit(f"deep-past error: {err}") from None
    print(f"{len(manifest['files'])} files in {args.data_dir} ({MANIFEST} has their sha256)")


if __name__ == "__main__":
    main()
