"""Build resources/demo/ from the public competition data (run once by maintainers).

Usage: python tools/make_demo_data.py SHARED_DATA_DIR resources/demo

Picks a small, deterministic sample in the competition's exact schema: training documents that
have OARE sentence rows (so sentence alignment has something to do) plus a few without, a
test-shaped set cut from the dev split with its references, and only the lexicon, dictionary and
sentence rows that the sample needs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

N_TRAIN_WITH_SENTENCES = 70
N_TRAIN_WITHOUT = 30
MAX_TRAIN_CHARS = 700
N_TEST_ROWS = 48


def main(src: Path, out: Path) -> None:
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
    train = read(src / "train.csv")
    sentences = read(src / "Sentences_Oare_FirstWord_LinNum.csv")
    lexicon = read(src / "OA_Lexicon_eBL.csv")
    dictionary = read(src / "eBL_Dictionary.csv")
    dev_test = read(src / "dev" / "test.csv")
    dev_refs = read(src / "dev" / "references.csv")

    short = train[train.transliteration.str.len().between(80, MAX_TRAIN_CHARS)]
    has_sent = short.oare_id.isin(set(sentences.text_uuid))
    picked = pd.concat(
        [
            short[has_sent].sample(N_TRAIN_WITH_SENTENCES, random_state=7),
            short[~has_sent].sample(N_TRAIN_WITHOUT, random_state=7),
        ]
    ).sort_values("oare_id")

    # Whole documents of the dev split until the row budget is reached.
    test_rows, n_rows = [], 0
    for _, group in dev_test.groupby("text_id", sort=True):
        if n_rows + len(group) > N_TEST_ROWS:
            continue
        test_rows.append(group)
        n_rows += len(group)
        if n_rows >= N_TEST_ROWS - 2:
            break
    test = pd.concat(test_rows)
    old_ids = test["id"].tolist()
    refs = dev_refs.set_index("id").loc[old_ids].reset_index()
    test = test.assign(id=[str(i) for i in range(len(test))])
    refs = refs.assign(id=test["id"].tolist())
    sample = pd.DataFrame({"id": test["id"], "translation": "The silver is ready."})

    words = set(" ".join(picked.transliteration.tolist() + test.transliteration.tolist()).split())
    lex = lexicon[lexicon.form.isin(words)]
    dic = dictionary[
        dictionary.word.str.replace(r"\s+[IVX]+$", "", regex=True).isin(set(lex.lexeme))
    ]
    sent = sentences[sentences.text_uuid.isin(set(picked.oare_id))]

    out.mkdir(parents=True, exist_ok=True)
    for frame, name in [
        (picked, "train.csv"),
        (test, "test.csv"),
        (refs, "references.csv"),
        (sample, "sample_submission.csv"),
        (lex, "OA_Lexicon_eBL.csv"),
        (dic, "eBL_Dictionary.csv"),
        (sent, "Sentences_Oare_FirstWord_LinNum.csv"),
    ]:
        frame.to_csv(out / name, index=False, lineterminator="\n")
        print(f"{name}: {len(frame)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
