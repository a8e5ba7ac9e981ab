"""Reading the competition's CSVs with clear errors, and atomic writes.

Every error names the file, the row (1-based data row, the header being row 0) and the column,
so a user can open the file and fix it. Writers go through a temporary file in the same
directory and ``os.replace`` it, so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where a table is read: the rules (a dry run) never pay for it
    import pandas as pd


class DataError(ValueError):
    """Bad input data: says which file, row and column, and what is wrong."""

    def __init__(
        self, path: str | Path, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        where = [f"file {self.path}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class TableSpec:
    """What a competition CSV must hold."""

    required: tuple[str, ...]
    id_column: str | None = None
    non_empty: tuple[str, ...] = ()


TRAIN = TableSpec(("oare_id", "transliteration", "translation"), "oare_id", ("transliteration",))
TEST = TableSpec(
    ("id", "text_id", "line_start", "line_end", "transliteration"), "id", ("transliteration",)
)
SAMPLE_SUBMISSION = TableSpec(("id", "translation"), "id")
REFERENCES = TableSpec(("id", "translation"), "id", ("translation",))
SUBMISSION = TableSpec(("id", "translation"), "id", ("translation",))
LEXICON = TableSpec(("type", "form", "norm", "lexeme"))
DICTIONARY = TableSpec(("word", "definition"))
SENTENCES = TableSpec(
    ("text_uuid", "sentence_obj_in_text", "translation", "first_word_number", "line_number")
)


def read_table(path: str | Path, spec: TableSpec) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings and check it against ``spec``; raise DataError when it fails."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "file not found")
    raw = path.read_bytes()
    if (packed := _packed_format(path, raw)) is not None:
        raise DataError(path, packed)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n")
        raise DataError(path, f"not valid UTF-8 (byte {err.start})", row=line) from None
    if not text.strip():
        raise DataError(path, "file is empty")
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(path, f"cannot parse CSV: {err}") from None
    check_table(frame, spec, path)
    return frame


# A CSV that is really an archive: the Kaggle download is one zip of every CSV, easily saved or
# renamed as one of them; a zip with xl/workbook.xml inside is an Excel workbook.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_GZIP_MAGIC = b"\x1f\x8b"


def _packed_format(path: Path, raw: bytes) -> str | None:
    """What is wrong when ``raw`` is an archive or workbook rather than CSV text, else None."""
    if raw.startswith(_GZIP_MAGIC):
        return f"is gzip-compressed, not a CSV: unpack it first (gunzip -k {path})"
    if not raw.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        names = []
    if "xl/workbook.xml" in names:
        return "is an Excel workbook, not a CSV: save it as 'CSV UTF-8' and use that file"
    inside = f" holding {', '.join(names[:6])}{', ...' if len(names) > 6 else ''}" if names else ""
    return (
        f"is a zip archive{inside}, not a CSV: unpack it (unzip -d DIR {path}) and use the CSVs "
        "in DIR (the Kaggle download is one zip of all the competition CSVs)"
    )


def read_frame(path: str | Path) -> pd.DataFrame:
    """A CSV the pipeline wrote itself: every column as text, empty cells as ''."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def check_table(frame: pd.DataFrame, spec: TableSpec, path: str | Path) -> None:
    """Check columns, ids and required text of an already-read table."""
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {missing}; found {list(frame.columns)}",
            row=0,
            column=missing[0],
        )
    if frame.empty:
        raise DataError(path, "no data rows")
    if spec.id_column is not None:
        ids = frame[spec.id_column]
        blank = ids.str.strip() == ""
        if blank.any():
            raise DataError(path, "empty id", row=int(blank.idxmax()) + 1, column=spec.id_column)
        dup = ids.duplicated()
        if dup.any():
            first = int(dup.idxmax())
            raise DataError(
                path, f"duplicate id '{ids.iloc[first]}'", row=first + 1, column=spec.id_column
            )
    for column in spec.non_empty:
        empty = frame[column].str.strip() == ""
        if empty.any():
            raise DataError(path, "empty value", row=int(empty.idxmax()) + 1, column=column)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); outputs get the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a CSV atomically, UTF-8, without the index. A text cell holding a carriage return
    (a model may write one) is quoted, so the file reads back with the row whole: the csv
    module quotes only the line terminator's characters, here "\n"."""
    texts = frame.select_dtypes(include=["object", "string"])
    has_cr = any(texts[c].astype(str).str.contains("\r", regex=False).any() for c in texts)
    with atomic_path(path) as tmp:
        frame.to_csv(
            tmp,
            index=False,
            encoding="utf-8",
            lineterminator="\n",
            quoting=csv.QUOTE_NONNUMERIC if has_cr else csv.QUOTE_MINIMAL,
        )


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(obj: Any, path: str | Path) -> None:
    write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", path)


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def require_columns(frame: pd.DataFrame, columns: Sequence[str], path: str | Path) -> None:
    check_table(frame, TableSpec(tuple(columns)), path)


def write_jsonl(records: list[dict], path: str | Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
