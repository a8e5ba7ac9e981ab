"""The alignment strategy (``data.alignment``): which kinds of pairs a run trains on."""

from __future__ import annotations

import pandas as pd

from deep_past.corpus.align.corpus import align_documents

ALIGNMENTS = ("auto", "sentence_file", "dp", "proportional", "none")


def aligned_pairs(
    train: pd.DataFrame, sentences: pd.DataFrame | None, alignment: str
) -> pd.DataFrame:
    """Pairs of one alignment strategy, so strategies can be compared side by side:

    auto: sentence-file cuts where trustworthy, DP cuts for every document (alignment B);
    sentence_file: only the sentence-file cuts (other documents stay whole);
    dp: only the Model 1 + length-prior DP cuts; proportional: cuts by English sentence length.
    Documents and two-sentence windows come with each.
    """
    if alignment not in ALIGNMENTS or alignment == "none":
        raise ValueError(f"alignment must be one of {ALIGNMENTS[:-1]}, got {alignment!r}")
    if alignment == "auto":
        return align_documents(train, sentences)
    if alignment == "dp":
        return align_documents(train, None)
    if alignment == "proportional":
        return align_documents(train, None, dp=False)
    pairs = align_documents(train, sentences)
    file_docs = set(pairs.loc[pairs["kind"] == "sentence_file", "oare_id"])
    keep = pairs["kind"].isin(["document", "sentence_file"]) | (
        (pairs["kind"] == "window") & pairs["oare_id"].isin(file_docs)
    )
    return pairs[keep].reset_index(drop=True)
