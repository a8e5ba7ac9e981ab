import pandas as pd
import pytest

from deep_past.evaluation.submission import build_submission, submission_problems
from deep_past.evaluation.validate import main


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "sample.csv"
    pd.DataFrame({"id": ["0", "1", "2"], "translation": ["x"] * 3}).to_csv(path, index=False)
    return path


def test_build_orders_like_sample():
    preds = pd.DataFrame({"id": ["2", "0", "1"], "translation": ["c", "a", "b"]})
    sample = pd.DataFrame({"id": ["0", "1", "2"], "translation": ["x"] * 3})
    assert build_submission(preds, sample)["translation"].tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="no prediction"):
        build_submission(preds.head(2), sample)


def test_valid_submission(tmp_path, sample, capsys):
    sub = tmp_path / "sub.csv"
    pd.DataFrame({"id": ["0", "1", "2"], "translation": ["a", "b", "c"]}).to_csv(sub, index=False)
    assert submission_problems(sub, sample) == []
    assert main([str(sub), str(sample)]) == 0


def test_problems_name_row_and_column(tmp_path, sample, capsys):
    sub = tmp_path / "sub.csv"
    sub.write_text('id,translation\n0,""\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    problems = submission_problems(sub, sample)
    text = "\n".join(problems)
    assert "row 1, column 'translation': empty" in text
    assert "row 2, column 'translation': spans several lines" in text
    assert "missing" in text and "unknown" in text
    assert main([str(sub), str(sample)]) == 1
    assert "empty translation" in capsys.readouterr().err


def test_duplicates_and_bad_encoding(tmp_path, sample):
    sub = tmp_path / "sub.csv"
    sub.write_text("id,translation\n0,a\n0,b\n", encoding="utf-8")
    assert "duplicate id" in submission_problems(sub, sample)[0]
    sub.write_bytes("id,translation\n0,café\n".encode("latin-1"))
    assert "UTF-8" in submission_problems(sub, sample)[0]


@pytest.mark.parametrize(
    ("text", "degenerate"),
    [
        ("IIIIIIIIIIII", True),
        ("bebebebebe", True),
        ("the the the the", True),
        ("Seal of Aššur-idī.", False),
        ("1 ½ minas of silver", False),
        ("<gap>", False),
        ("ok", False),
    ],
)
def test_degenerate_translations_are_recognised(text, degenerate):
    from deep_past.evaluation.submission import is_degenerate

    assert is_degenerate(text) is degenerate
