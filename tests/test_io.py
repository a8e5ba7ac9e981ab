import os

import pandas as pd
import pytest

from deep_past.io import TEST, TRAIN, DataError, read_table, write_csv


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_reads_demo_train(demo_dir):
    frame = read_table(demo_dir / "train.csv", TRAIN)
    assert len(frame) == 100
    assert frame["transliteration"].str.len().min() > 0


def test_missing_column_names_file_and_column(tmp_path):
    path = write(tmp_path, "train.csv", "oare_id,transliteraton,translation\na,b,c\n")
    with pytest.raises(DataError) as err:
        read_table(path, TRAIN)
    msg = str(err.value)
    assert str(path) in msg and "column 'transliteration'" in msg and "row 0" in msg


def test_empty_file(tmp_path):
    path = write(tmp_path, "test.csv", "")
    with pytest.raises(DataError, match="file is empty"):
        read_table(path, TEST)


def test_header_only_file(tmp_path):
    path = write(tmp_path, "test.csv", "id,text_id,line_start,line_end,transliteration\n")
    with pytest.raises(DataError, match="no data rows"):
        read_table(path, TEST)


def test_duplicate_id_names_row(tmp_path):
    body = (
        "id,text_id,line_start,line_end,transliteration\n0,t,1,2,a-na\n1,t,2,3,um-ma\n1,t,3,4,x\n"
    )
    path = write(tmp_path, "test.csv", body)
    with pytest.raises(DataError) as err:
        read_table(path, TEST)
    assert "row 3" in str(err.value) and "column 'id'" in str(err.value)
    assert "duplicate id '1'" in str(err.value)


def test_non_utf8_names_row(tmp_path):
    body = b"id,text_id,line_start,line_end,transliteration\n0,t,1,2,a-na\n"
    body += "1,t,2,3,café\n".encode("latin-1")
    path = write(tmp_path, "test.csv", body)
    with pytest.raises(DataError) as err:
        read_table(path, TEST)
    assert "not valid UTF-8" in str(err.value) and "row 2" in str(err.value)


def test_row_without_transliteration(tmp_path):
    body = "id,text_id,line_start,line_end,transliteration\n0,t,1,2,a-na\n1,t,2,3,\n"
    path = write(tmp_path, "test.csv", body)
    with pytest.raises(DataError) as err:
        read_table(path, TEST)
    assert "row 2" in str(err.value) and "column 'transliteration'" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv", TEST)


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_csv(pd.DataFrame({"a": [1]}), out)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_usual_mode(tmp_path):
    out = tmp_path / "out.csv"
    umask = os.umask(0o022)
    try:
        write_csv(pd.DataFrame({"a": [1]}), out)
    finally:
        os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o644
