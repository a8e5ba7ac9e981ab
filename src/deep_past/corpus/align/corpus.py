"""Every document of a corpus into sentence pairs of each kind, and their statistics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd

from deep_past.corpus.align.cuts import dp_cuts, merge_units, pair_confidence, proportional_cuts
from deep_past.corpus.align.model1 import AlignmentModel, fit_alignment_model
from deep_past.corpus.align.sentence_file import sentence_file_units
from deep_past.corpus.align.tokens import source_tokens, split_sentences

KINDS = ("document", "sentence_file", "sentence_dp", "window")
# The first data release cut transliterations at 1024 bytes; near that size a tail of the
# translation may have no source left, so the DP may leave trailing units unaligned. 950, not
# 1024: normalisation shortens the text (subscript digits are 3 bytes raw, 1 after), and the
# 145 cut documents of train.csv keep 958 bytes or more after it.
TRUNCATION_BYTES = 950


def is_truncated(transliteration: str) -> bool:
    """Whether a transliteration may have been cut off by the first data release."""
    return len(transliteration.encode("utf-8")) >= TRUNCATION_BYTES


def document_units(translation: str, n_tokens: int) -> list[str]:
    """English sentences of a translation, merged so no more units than source tokens."""
    return merge_units(split_sentences(translation), n_tokens)


def _pair_rows(
    oare_id: str,
    tokens: list[str],
    units: list[str],
    bounds: list[int],
    kind: str,
    confidences: Sequence[float],
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        rows.append(
            {
                "oare_id": oare_id,
                "source": " ".join(tokens[a:b]),
                "target": units[k],
                "kind": kind,
                "confidence": float(confidences[k]),
                "segment": k,
                "word_start": a,
                "word_end": b,
            }
        )
    return rows


def _windows(sentence_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Two consecutive sentences of one segmentation joined into one pair."""
    out = []
    for r1, r2 in zip(sentence_rows, sentence_rows[1:], strict=False):
        out.append(
            {
                "oare_id": r1["oare_id"],
                "source": f"{r1['source']} {r2['source']}",
                "target": f"{r1['target']} {r2['target']}",
                "kind": "window",
                "confidence": min(float(r1["confidence"]), float(r2["confidence"])),  # type: ignore[arg-type]
                "segment": r1["segment"],
                "word_start": r1["word_start"],
                "word_end": r2["word_end"],
            }
        )
    return out


def _cuttable_documents(train: pd.DataFrame) -> Iterator[tuple[str, list[str], list[str]]]:
    """(transliteration, source tokens, English units) of every document that can be cut."""
    for translit, translation in zip(train["transliteration"], train["translation"], strict=True):
        tokens = source_tokens(translit)
        units = document_units(str(translation), len(tokens))
        if tokens and units:
            yield translit, tokens, units


def proportional_pairs(train: pd.DataFrame) -> list[tuple[str, str]]:
    """Rough (source, target) sentence pairs from proportional cuts of every document."""
    pairs: list[tuple[str, str]] = []
    for _, tokens, units in _cuttable_documents(train):
        bounds = proportional_cuts(len(tokens), [len(u) for u in units])
        for k, unit in enumerate(units):
            pairs.append((" ".join(tokens[bounds[k] : bounds[k + 1]]), unit))
    return pairs


def dp_pairs_text(train: pd.DataFrame, model: AlignmentModel) -> list[tuple[str, str]]:
    """(source, target) pairs of a DP segmentation, to retrain the word tables on."""
    pairs: list[tuple[str, str]] = []
    for translit, tokens, units in _cuttable_documents(train):
        bounds, n_aligned, _ = dp_cuts(model, tokens, units, truncated=is_truncated(translit))
        pairs.extend(
            (" ".join(tokens[bounds[k] : bounds[k + 1]]), units[k]) for k in range(n_aligned)
        )
    return pairs


def train_alignment_model(
    train: pd.DataFrame, rounds: int = 2, iterations: int = 5, prior_weight: float = 1.0
) -> AlignmentModel:
    """Model 1 on proportional cuts, then ``rounds - 1`` retrainings on DP cuts."""
    model = fit_alignment_model(proportional_pairs(train), iterations, prior_weight)
    for _ in range(rounds - 1):
        model = fit_alignment_model(dp_pairs_text(train, model), iterations, prior_weight)
    return model


def align_documents(
    train: pd.DataFrame,
    sentences: pd.DataFrame | None,
    *,
    model: AlignmentModel | None = None,
    rounds: int = 2,
    windows: bool = True,
    dp: bool = True,
) -> pd.DataFrame:
    """Cut documents into pairs of every kind (see module docstring).

    Columns: oare_id, source, target, kind, confidence, segment, word_start, word_end,
    plus ``note`` (why a document was not cut by the sentence file, on its document row).
    With ``dp=False`` the ``sentence_dp`` pairs are proportional cuts (the ablation baseline).
    """
    train = train.dropna(subset=["transliteration", "translation"]).reset_index(drop=True)
    if model is None and dp:
        model = train_alignment_model(train, rounds=rounds)
    by_doc: dict[str, pd.DataFrame] = {}
    if sentences is not None and len(sentences):
        for oid, rows in sentences.groupby("text_uuid", sort=True):
            by_doc[str(oid)] = rows
    rows: list[dict[str, object]] = []
    for oid, translit, translation in zip(
        train["oare_id"], train["transliteration"], train["translation"], strict=True
    ):
        oid, translation = str(oid), str(translation)
        tokens = source_tokens(translit)
        note = "no sentence rows" if oid not in by_doc else ""
        file_rows: list[dict[str, object]] = []
        if oid in by_doc and model is not None:
            result = sentence_file_units(tokens, translation, by_doc[oid])
            if isinstance(result, str):
                note = result
            else:
                units, allowed, sims = result
                bounds, n_aligned, _ = dp_cuts(model, tokens, units, allowed=allowed)
                if n_aligned == len(units) and all(
                    bounds[k] < bounds[k + 1] for k in range(n_aligned)
                ):
                    file_rows = _pair_rows(oid, tokens, units, bounds, "sentence_file", sims)
                    note = "aligned"
                else:
                    note = "no monotone source cut inside the marked words"
        rows.append(
            {
                "oare_id": oid,
                "source": " ".join(tokens),
                "target": translation,
                "kind": "document",
                "confidence": 1.0,
                "segment": 0,
                "word_start": 0,
                "word_end": len(tokens),
                "note": note,
            }
        )
        rows.extend(file_rows)
        units = document_units(translation, len(tokens))
        if not tokens or not units:
            continue
        if model is not None:
            bounds, n_aligned, scores = dp_cuts(
                model, tokens, units, truncated=is_truncated(translit)
            )
            confs = [
                pair_confidence(s, tokens[bounds[k] : bounds[k + 1]], units[k])
                for k, s in enumerate(scores)
            ]
        else:
            bounds = proportional_cuts(len(tokens), [len(u) for u in units])
            n_aligned, confs = len(units), [0.0] * len(units)
        dp_rows = _pair_rows(oid, tokens, units[:n_aligned], bounds, "sentence_dp", confs)
        rows.extend(dp_rows)
        if windows:
            rows.extend(_windows(file_rows or dp_rows))
    out = pd.DataFrame(rows)
    out["note"] = out["note"].fillna("")
    return out


def alignment_stats(pairs: pd.DataFrame) -> dict[str, object]:
    """Counts: documents, documents aligned by the sentence file and by DP, pairs per kind."""
    kinds = pairs["kind"].value_counts()
    docs = pairs.loc[pairs["kind"] == "document"]
    notes = docs["note"].value_counts() if "note" in docs else pd.Series(dtype=int)
    return {
        "documents": int(docs["oare_id"].nunique()),
        "documents_sentence_file": int(
            pairs.loc[pairs["kind"] == "sentence_file", "oare_id"].nunique()
        ),
        "documents_dp": int(pairs.loc[pairs["kind"] == "sentence_dp", "oare_id"].nunique()),
        "sentences_sentence_file": int(kinds.get("sentence_file", 0)),
        "sentences_dp": int(kinds.get("sentence_dp", 0)),
        "pairs_per_kind": {k: int(kinds.get(k, 0)) for k in KINDS},
        "sentence_file_rejections": {
            str(k): int(v) for k, v in notes.items() if k not in ("aligned", "no sentence rows")
        },
    }
