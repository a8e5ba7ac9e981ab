"""Training pairs, the split by document, and the segments of each split.

Segments are the unit everything is predicted and scored on: a table with ``id``, ``text_id``
(the document), ``source`` and, when known, ``reference``, in document order. Test rows, the
labelled eval set and the held-out validation documents all become segments the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd

SENTENCE_KINDS = ("sentence_file", "sentence_dp", "sentence")


def validation_documents(doc_ids: Sequence[str], val_fraction: float, seed: int) -> set[str]:
    """A deterministic, seed-dependent choice of held-out documents (at least one, never all)."""
    unique = sorted(set(doc_ids))
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    n_val = round(len(unique) * val_fraction)
    if val_fraction > 0 and len(unique) > 1:
        n_val = min(max(n_val, 1), len(unique) - 1)
    ranked = sorted(unique, key=lambda d: hashlib.sha256(f"{seed}:{d}".encode()).hexdigest())
    return set(ranked[:n_val])


def document_pairs(train: pd.DataFrame) -> pd.DataFrame:
    """One pair per training document."""
    return pd.DataFrame(
        {
            "oare_id": train["oare_id"],
            "source": train["transliteration"],
            "target": train["translation"],
            "kind": "document",
            "position": 0,
        }
    )


def split_pairs(pairs: pd.DataFrame, val_fraction: float, seed: int) -> pd.DataFrame:
    """Add a ``split`` column (train/val) so that no document is on both sides."""
    val_docs = validation_documents(pairs["oare_id"].tolist(), val_fraction, seed)
    split = pairs["oare_id"].map(lambda d: "val" if d in val_docs else "train")
    return pairs.assign(split=split)


def validation_segments(pairs: pd.DataFrame) -> pd.DataFrame:
    """Test-shaped segments from the held-out documents: each document's sentences of the most
    trusted kind it has, else the whole document."""
    val = pairs[pairs["split"] == "val"]
    rows = []
    for doc, group in val.groupby("oare_id", sort=True):
        kind = next((k for k in (*SENTENCE_KINDS, "document") if (group["kind"] == k).any()), None)
        for _, row in group[group["kind"] == kind].sort_values("position").iterrows():
            rows.append(
                {
                    "id": f"{doc}:{row['position']}",
                    "text_id": doc,
                    "source": row["source"],
                    "reference": row["target"],
                }
            )
    return pd.DataFrame(rows, columns=["id", "text_id", "source", "reference"])


def competition_segments(
    test: pd.DataFrame, references: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Segments from a competition test.csv (already preprocessed), in file order."""
    seg = pd.DataFrame(
        {"id": test["id"], "text_id": test["text_id"], "source": test["transliteration"]}
    )
    if references is not None:
        ref = dict(zip(references["id"], references["translation"], strict=True))
        missing = [i for i in seg["id"] if i not in ref]
        if missing:
            raise ValueError(f"references lack ids {missing[:5]}")
        seg["reference"] = seg["id"].map(ref)
    return seg


PAIR_KINDS = ("document", "sentence_file", "sentence_dp", "window")  # kinds in pairs.csv


def training_segments(pairs: pd.DataFrame, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Training pairs (of ``kinds``; all by default) as segments, documents first then their
    sentences in order, so that a sentence's context is the preceding sentences of its own
    document."""
    train = pairs[pairs["split"] == "train"]
    if kinds is not None:
        train = train[train["kind"].isin(kinds)]
        if train.empty:
            have = sorted(set(pairs["kind"]))
            raise ValueError(
                f"no training pairs of kinds {list(kinds)} (data.train_kinds); the pairs hold "
                f"{have}: data.alignment none gives whole documents only"
            )
    train = train.sort_values(["oare_id", "kind", "position"])
    return pd.DataFrame(
        {
            "id": [
                f"{d}:{k}:{p}"
                for d, k, p in zip(train.oare_id, train.kind, train.position, strict=True)
            ],
            "text_id": train["oare_id"] + ":" + train["kind"],
            "source": train["source"],
            "reference": train["target"],
        }
    )
