"""Training pairs, the split by document, and chat-formatted records for training and prediction.

Segments are the unit everything is predicted and scored on: a table with ``id``, ``text_id``
(the document), ``source`` and, when known, ``reference``, in document order. Test rows, the
labelled eval set and the held-out validation documents all become segments the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from deep_past.prompting.registry import PromptInput, PromptVariant, build_messages, get_variant

SENTENCE_KINDS = ("sentence_file", "sentence_dp", "sentence")
Hint = Callable[[str], str]
Shots = Callable[[str, str], Sequence[tuple[str, str]]]
Matches = Callable[[str, str], Sequence[tuple[str, str, float]]]


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


def prompt_inputs(
    segments: pd.DataFrame,
    variant: PromptVariant,
    *,
    lexicon_hint: Hint | None = None,
    name_hint: Hint | None = None,
    shots: Shots | None = None,
    matches: Matches | None = None,
) -> list[PromptInput]:
    """Fill, for each segment, the prompt parts its variant shows; fail when a part is missing."""
    needed = {"lexicon": lexicon_hint, "names": name_hint, "shots": shots, "matches": matches}
    absent = [f for f in variant.features if f in needed and needed[f] is None]
    if absent:
        raise ValueError(f"prompt variant '{variant.name}' needs {absent}, which were not given")
    inputs = []
    previous: dict[str, list[str]] = {}
    for row in segments.itertuples(index=False):
        history = previous.setdefault(row.text_id, [])
        inputs.append(
            PromptInput(
                source=row.source,
                context=tuple(history[-variant.context_segments :])
                if variant.context_segments
                else (),
                lexicon_hint=lexicon_hint(row.source) if variant.lexicon and lexicon_hint else "",
                name_hint=name_hint(row.source) if variant.names and name_hint else "",
                shots=tuple(shots(row.source, row.text_id)) if variant.shots and shots else (),
                matches=tuple(matches(row.source, row.text_id))
                if variant.matches and matches
                else (),
            )
        )
        history.append(row.source)
    return inputs


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


def sft_records(segments: pd.DataFrame, inputs: Sequence[PromptInput], variant: str) -> list[dict]:
    """Conversational prompt/completion records (trl computes the loss on the completion only)."""
    v = get_variant(variant)
    return [
        {
            "prompt": build_messages(v, item),
            "completion": [{"role": "assistant", "content": ref}],
        }
        for item, ref in zip(inputs, segments["reference"], strict=True)
    ]


def prediction_records(
    segments: pd.DataFrame, inputs: Sequence[PromptInput], variant: str
) -> list[dict[str, Any]]:
    v = get_variant(variant)
    return [
        {"id": seg_id, "prompt": build_messages(v, item)}
        for seg_id, item in zip(segments["id"], inputs, strict=True)
    ]
