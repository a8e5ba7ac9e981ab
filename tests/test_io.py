import gzip
import io
import os
import zipfile

import pandas as pd
import pytest

from deep_past.io import (
    SAMPLE_SUBMISSION,
    TEST,
    TRAIN,
    DataError,
    read_frame,
    read_table,
    write_csv,
)


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


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name, spec", [("test.csv", TEST), ("train.csv", TRAIN)])
def test_a_zip_saved_as_a_csv_is_named_a_zip_with_how_to_unpack(tmp_path, demo_dir, name, spec):
    """The Kaggle download is one zip of every CSV; saved under a CSV's name it used to be
    reported as "not valid UTF-8 (byte 11)"."""
    members = {n: (demo_dir / n).read_bytes() for n in ("train.csv", "test.csv")}
    path = write(tmp_path, name, zipped(members))
    with pytest.raises(DataError) as err:
        read_table(path, spec)
    msg = str(err.value)
    assert msg.startswith(f"file {path}: is a zip archive holding train.csv, test.csv")
    assert f"unzip -d DIR {path}" in msg and "UTF-8" not in msg


def test_gzip_and_excel_files_are_named_too(tmp_path, demo_dir):
    body = (demo_dir / "test.csv").read_bytes()
    path = write(tmp_path, "test.csv", gzip.compress(body))
    with pytest.raises(DataError, match=r"is gzip-compressed, not a CSV: unpack it first \(gunzip"):
        read_table(path, TEST)
    path = write(tmp_path, "test.csv", zipped({"xl/workbook.xml": b"<workbook/>"}))
    with pytest.raises(DataError, match="is an Excel workbook, not a CSV: save it as 'CSV UTF-8'"):
        read_table(path, TEST)


# Inputs a user legitimately has: each must read as the plain file does, content unchanged.


@pytest.mark.parametrize(
    "dialect",
    [
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="utf8-bom"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-crlf"),
    ],
)
@pytest.mark.parametrize(
    "name, spec",
    [("train.csv", TRAIN), ("test.csv", TEST), ("sample_submission.csv", SAMPLE_SUBMISSION)],
)
def test_bom_and_crlf_read_exactly_as_the_plain_file(tmp_path, demo_dir, dialect, name, spec):
    plain = read_table(demo_dir / name, spec)
    path = write(tmp_path, name, dialect((demo_dir / name).read_bytes()))
    frame = read_table(path, spec)
    assert list(frame.columns) == list(plain.columns)  # no "\ufeffid"
    pd.testing.assert_frame_equal(frame, plain)  # no "\r" left at the end of a row


def test_extra_columns_quoted_newlines_and_na_words_come_through_as_written(tmp_path):
    body = (
        "notes,id,text_id,line_start,line_end,transliteration,source\n"
        '"two\nlines",0,t,1,2,"a-na\nqí-bi-ma",x\n'
        "NA,1,t,2,3,NA,nan\n"
        "null,2,t,3,4,nan,N/A\n"
        ",3,t,4,5,None,\n"
    )
    frame = read_table(write(tmp_path, "test.csv", body), TEST)
    assert list(frame.columns) == [
        "notes", "id", "text_id", "line_start", "line_end", "transliteration", "source"
    ]  # fmt: skip
    assert frame["transliteration"].tolist() == ["a-na\nqí-bi-ma", "NA", "nan", "None"]
    assert frame["notes"].tolist() == ["two\nlines", "NA", "null", ""]
    assert frame["source"].tolist() == ["x", "nan", "N/A", ""]  # words, not missing values


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


def test_a_carriage_return_in_a_cell_reads_back_in_its_row(tmp_path):

    frame = pd.DataFrame({"id": ["a", "b", "c"], "raw": ["x\ry", "line\r\nbreak", "z"]})
    write_csv(frame, tmp_path / "raw.csv")
    pd.testing.assert_frame_equal(read_frame(tmp_path / "raw.csv"), frame)


def test_files_without_a_carriage_return_keep_minimal_quoting(tmp_path):

    write_csv(pd.DataFrame({"id": ["a"], "translation": ["one, two"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == 'id,translation\na,"one, two"\n'
