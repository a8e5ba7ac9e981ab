"""Workflow steps: the translation memory as a system, and MBR ensembles over systems."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from deep_past.io import read_frame, write_csv

log = logging.getLogger(__name__)


def memory_answers(
    pairs_csv: str | Path,
    segments: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    lexicon_csv: str | Path | None = None,
    proper_nouns_csv: str | Path | None = None,
    options: Mapping[str, object] | None = None,
    nbest: int = 1,
) -> None:
    """Answer every segment of each split of ``outputs`` (split -> raw file; its segments in
    ``segments``) from the translation memory (its ``nbest`` best answers, one row each, when
    more than one: candidates for MBR). The pairs and the name speller are read once; each
    split's memory holds the documents ``prompting.hints.memory_splits`` gives for it: for
    validation only the training documents, for test-shaped sets every document. With the
    lexicon and proper-noun tables it matches name skeletons and fills name slots; ``options``
    override fields of ``retrieval.memory.MemoryConfig`` (config ``memory_options``)."""
    from deep_past.corpus.names import NameSpeller
    from deep_past.prompting.hints import memory_splits
    from deep_past.retrieval.memory import MemoryConfig, TranslationMemory

    all_pairs = read_frame(pairs_csv)
    names = None
    if lexicon_csv or proper_nouns_csv:
        names = NameSpeller.from_files(proper_nouns_csv, lexicon_csv)
        log.info("name speller: %d name forms", len(names))
    config = MemoryConfig(**dict(options or {}))
    for split, out_raw in outputs.items():
        pairs = all_pairs[all_pairs["split"].isin(memory_splits(split))]
        frame = read_frame(segments[split])
        memory = TranslationMemory.from_pairs(pairs, config, names=names)
        log.info("%s: memory of %d pairs, %d segments", split, len(pairs), len(frame))
        if nbest == 1:
            translations = memory.translate(frame.rename(columns={"source": "transliteration"}))
            write_csv(pd.DataFrame({"id": frame["id"], "raw": translations}), out_raw)
            continue
        rows = [
            (seg_id, answer)
            for seg_id, source in zip(frame["id"], frame["source"], strict=True)
            for _, answer, _ in memory.candidates(source, nbest) or [("", "<gap>", 0.0)]
        ]
        write_csv(pd.DataFrame(rows, columns=["id", "raw"]), out_raw)


def memory_file(
    pairs_csv: str | Path,
    segments_csv: str | Path,
    out_raw: str | Path,
    lexicon_csv: str | Path | None = None,
    proper_nouns_csv: str | Path | None = None,
    options: Mapping[str, object] | None = None,
    nbest: int = 1,
    *,
    split: str,
) -> None:
    """:func:`memory_answers` for one split."""
    memory_answers(
        pairs_csv,
        {split: segments_csv},
        {split: out_raw},
        lexicon_csv,
        proper_nouns_csv,
        options,
        nbest,
    )


def member_weights(members: Sequence[str], patterns: Mapping[str, float]) -> dict[str, float]:
    """Weight of each member: the first pattern (glob over system paths) that matches, else 1."""
    weights = {}
    for member in members:
        hit = next((w for pat, w in patterns.items() if fnmatch.fnmatchcase(member, pat)), 1.0)
        weights[member] = float(hit)
    return weights


def mbr_splits(
    candidate_files: Sequence[str | Path],
    members: Sequence[str],
    outputs: Mapping[str, str | Path],
    *,
    utility: str,
    weights: Mapping[str, float],
    workers: int = 1,
) -> None:
    """:func:`mbr_file` for each split of ``outputs`` (split -> raw file), in order, with
    ``candidate_files`` split by split (each split's in ``members``' order)."""
    n = len(members)
    if len(candidate_files) != n * len(outputs):
        raise ValueError(
            f"{len(candidate_files)} candidate files for {len(outputs)} splits of {n} members"
        )
    for k, out_raw in enumerate(outputs.values()):
        files = candidate_files[k * n : (k + 1) * n]
        mbr_file(files, members, out_raw, utility=utility, weights=weights, workers=workers)


def mbr_file(
    candidate_files: Sequence[str | Path],
    members: Sequence[str],
    out_raw: str | Path,
    *,
    utility: str,
    weights: Mapping[str, float],
    workers: int = 1,
) -> None:
    """Select one translation per id among the members' candidates (several rows per id for
    sampled members), scoring segments in ``workers`` processes."""
    from deep_past.evaluation.mbr import mbr_select

    frames = [
        read_frame(path)[["id", "translation"]].assign(member=member)
        for path, member in zip(candidate_files, members, strict=True)
    ]
    candidates = pd.concat(frames, ignore_index=True)
    chosen = mbr_select(candidates, utility, member_weights(members, weights), workers=workers)
    counts = chosen["member"].value_counts().to_dict()
    log.info("%d candidates for %d ids; chosen from: %s", len(candidates), len(chosen), counts)
    write_csv(chosen.rename(columns={"translation": "raw"}), out_raw)
