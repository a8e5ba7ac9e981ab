"""Minimum Bayes Risk selection over candidate translations from several systems.

For each segment id, every candidate is scored against the other candidates used as
pseudo-references; the one with the highest expected utility is kept.

* Candidates come as a long table: ``id``, ``translation``, ``member`` (the system that produced
  it) and optionally ``weight``. A row's weight is ``weight`` (default 1) x its member's weight.
* Duplicate texts of one id are merged first and their weights add up. A merged candidate is
  still compared with the *other copies* of itself: the pseudo-references of candidate c are all
  rows of the pool except one copy of c, whose weight is the mean weight of c's rows. With unit
  weights this is exactly sample-based MBR over the rows (candidate i against every row j != i),
  so agreement between systems counts as evidence, while each text is scored once.
* ``expected_utility(c) = (sum_r W_r u(c, r) - m_c u(c, c)) / (sum_r W_r - m_c)`` with W_r the
  merged weights and m_c the weight of one copy of c. Ties (within 1e-9) go to the candidate
  that comes first in the input.

Utilities (pairwise, computed for a whole pool at once from n-gram count matrices, see
:mod:`deep_past.evaluation.metrics`):

* ``chrf`` (default): sentence chrF++, exactly sacrebleu's ``sentence_chrf(c, [r], word_order=2)``.
* ``mix``: 0.55 chrF++/100 + 0.25 sentence BLEU/100 + 0.20 word-set Jaccard + 0.10 length bonus.
  Jaccard uses the chrF++ word tokens (whitespace split, edge punctuation split off). The length
  bonus exp(-((len(c) - median) / sigma)^2 / 2) is in words, around the median length of the
  pool's rows, with sigma = max(1, 0.25 x median): a relative width, because segments run from
  3 to 100+ words and a 2-word slip matters for the first but not the second.

Everything is streamed one segment at a time, so memory is bounded by the largest pool (and,
with ``workers > 1``, by a few chunks of segments per worker process: forked, Linux and macOS).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deep_past.evaluation.metrics import (
    CHAR_ORDER,
    NgramPool,
    chrf_pool,
    pairwise_chrf,
    pairwise_sentence_bleu,
    single_threaded_blas,
)

UTILITIES = ("chrf", "mix")
TIE_TOLERANCE = 1e-9
LENGTH_SIGMA_FRACTION = 0.25
OUTPUT_COLUMNS = ["id", "translation", "member", "expected_utility"]
CHUNK_SEGMENTS = 50  # segments per task sent to a worker process


@dataclass(frozen=True)
class MixWeights:
    """Weights of the ``mix`` utility; chrF++ and BLEU enter on a 0-1 scale."""

    chrf: float = 0.55
    bleu: float = 0.25
    jaccard: float = 0.20
    length: float = 0.10


@dataclass(frozen=True)
class Pool:
    """The merged candidates of one segment, in first-appearance order."""

    texts: list[str]
    members: list[str]  # member of the first row that produced each text
    weights: np.ndarray  # merged weight per text (sum over its rows)
    copy_weights: np.ndarray  # mean weight of one row of each text
    row_lengths: np.ndarray  # words per row, before merging (for the length median)


def merge_pool(texts: Sequence[str], members: Sequence[str], weights: Sequence[float]) -> Pool:
    """Merge duplicate texts of one segment; their weights add up."""
    index: dict[str, int] = {}
    merged_texts: list[str] = []
    merged_members: list[str] = []
    totals: list[float] = []
    copies: list[int] = []
    for text, member, weight in zip(texts, members, weights, strict=True):
        at = index.setdefault(text, len(merged_texts))
        if at == len(merged_texts):
            merged_texts.append(text)
            merged_members.append(member)
            totals.append(0.0)
            copies.append(0)
        totals[at] += float(weight)
        copies[at] += 1
    total = np.asarray(totals)
    return Pool(
        texts=merged_texts,
        members=merged_members,
        weights=total,
        copy_weights=total / np.asarray(copies),
        row_lengths=np.asarray([len(text.split()) for text in texts], dtype=np.float64),
    )


def utility_matrix(pool: Pool, utility: str = "chrf", mix: MixWeights | None = None) -> np.ndarray:
    """(K, K) utility of candidate i (row) measured against pseudo-reference j (column)."""
    if utility == "chrf":
        return pairwise_chrf(pool.texts)
    if utility != "mix":
        raise ValueError(f"unknown utility {utility!r}; choose one of {UTILITIES}")
    mix = mix or MixWeights()
    ngrams = chrf_pool(pool.texts)
    matrix = mix.chrf * pairwise_chrf(pool.texts, ngrams) / 100
    if mix.bleu:
        matrix += mix.bleu * pairwise_sentence_bleu(pool.texts) / 100
    if mix.jaccard:
        matrix += mix.jaccard * _word_jaccard(_word_unigrams(ngrams))
    if mix.length:
        # The bonus belongs to the candidate, whatever the pseudo-reference: a row vector.
        matrix += mix.length * _length_bonus(pool)[:, None]
    return matrix


def _word_unigrams(ngrams: NgramPool) -> np.ndarray:
    """(K, words) 0/1 word-set matrix of a chrF++ pool (its first order after the characters)."""
    return ngrams.occurrences[CHAR_ORDER][:, ngrams.first[CHAR_ORDER]]


def _word_jaccard(word_counts: np.ndarray) -> np.ndarray:
    """|A & B| / |A | B| over the sets of words; two empty sets are identical (1.0)."""
    present = (word_counts > 0).astype(np.float64)  # also accepts counts
    shared = present @ present.T
    sizes = present.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, shared / union, 1.0)


def _length_bonus(pool: Pool) -> np.ndarray:
    """Gaussian bonus in (0, 1] for candidates whose word count is near the pool's median."""
    median = float(np.median(pool.row_lengths))
    sigma = max(1.0, LENGTH_SIGMA_FRACTION * median)
    lengths = np.asarray([len(text.split()) for text in pool.texts], dtype=np.float64)
    return np.exp(-0.5 * ((lengths - median) / sigma) ** 2)


def expected_utilities(
    matrix: np.ndarray, weights: np.ndarray, copy_weights: np.ndarray
) -> np.ndarray:
    """Weighted mean utility of each candidate over all rows of the pool but one copy of itself.

    NaN where there is no other row (a pool of one).
    """
    gain = matrix @ weights - copy_weights * np.diagonal(matrix)
    mass = weights.sum() - copy_weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mass > 1e-12 * weights.sum(), gain / mass, np.nan)


def choose(scores: np.ndarray) -> int:
    """Index of the best score; near-ties (1e-9) go to the earliest, whatever the sum order."""
    if np.isnan(scores).all():
        return 0
    best = np.nanmax(scores)
    return int(np.flatnonzero(scores >= best - TIE_TOLERANCE * max(1.0, abs(best)))[0])


def mbr_select(
    candidates: pd.DataFrame | Sequence[Mapping[str, object]],
    utility: str = "chrf",
    member_weights: Mapping[str, float] | None = None,
    mix: MixWeights | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """One translation per id: the candidate with the highest expected utility.

    ``candidates`` holds ``id``, ``translation``, ``member`` and optionally ``weight`` (a table
    or records). Ids come out in the order they first appear. ``workers > 1`` scores chunks of
    segments in that many forked processes (same result; serial where fork is unavailable).
    """
    if utility not in UTILITIES:
        raise ValueError(f"unknown utility {utility!r}; choose one of {UTILITIES}")
    frame = _candidate_frame(candidates, member_weights)
    codes, ids = pd.factorize(frame["id"], sort=False)
    order = np.argsort(codes, kind="stable")  # rows of each id together, input order kept
    sizes = np.bincount(codes, minlength=len(ids))
    ends = np.cumsum(sizes)
    texts, members, weights = (
        frame[c].to_numpy()[order] for c in ("translation", "member", "weight")
    )

    def chunks() -> Iterator[list[tuple[list[str], list[str], np.ndarray]]]:
        bounds = list(zip(ends - sizes, ends, strict=True))
        for first in range(0, len(bounds), CHUNK_SEGMENTS):
            yield [
                (list(texts[a:b]), list(members[a:b]), weights[a:b])
                for a, b in bounds[first : first + CHUNK_SEGMENTS]
            ]

    work = (utility, mix)
    if (
        workers > 1
        and len(ids) > CHUNK_SEGMENTS
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            picked = [
                row
                for rows in pool.imap(_select_chunk, ((c, *work) for c in chunks()))
                for row in rows
            ]
    else:
        picked = [row for c in chunks() for row in _select_chunk((c, *work))]
    return pd.DataFrame(
        [(segment, *row) for segment, row in zip(ids, picked, strict=True)], columns=OUTPUT_COLUMNS
    )


def _select_chunk(
    task: tuple[list[tuple[list[str], list[str], np.ndarray]], str, MixWeights | None],
) -> list[tuple[str, str, float]]:
    """(text, member, expected utility) of the best candidate of each segment of a chunk."""
    segments, utility, mix = task
    picked = []
    with single_threaded_blas():
        for texts, members, weights in segments:
            pool = merge_pool(texts, members, weights)
            scores = expected_utilities(
                utility_matrix(pool, utility, mix), pool.weights, pool.copy_weights
            )
            best = choose(scores)
            picked.append((pool.texts[best], pool.members[best], float(scores[best])))
    return picked


def _candidate_frame(
    candidates: pd.DataFrame | Sequence[Mapping[str, object]],
    member_weights: Mapping[str, float] | None,
) -> pd.DataFrame:
    """Validated copy of the candidates with a final per-row ``weight``."""
    frame = pd.DataFrame(candidates).copy()
    missing = [c for c in ("id", "translation", "member") if c not in frame.columns]
    if missing:
        raise ValueError(f"candidates lack column(s) {missing}; found {list(frame.columns)}")
    if frame.empty:
        raise ValueError("no candidates")
    frame["translation"] = frame["translation"].fillna("").astype(str)
    frame["member"] = frame["member"].astype(str)
    weight = frame["weight"].astype(float) if "weight" in frame else pd.Series(1.0, frame.index)
    if member_weights:
        unknown = sorted(set(member_weights) - set(frame["member"]))
        if unknown:
            raise ValueError(f"weights given for unknown member(s) {unknown}")
        weight = weight * frame["member"].map(lambda m: float(member_weights.get(m, 1.0)))
    if not (weight > 0).all() or not np.isfinite(weight).all():
        raise ValueError("candidate and member weights must be positive and finite")
    frame["weight"] = weight
    return frame


# ---------------------------------------------------------------------------- CLI


def parse_weights(text: str | None) -> dict[str, float]:
    """'a=1,b=2.5' -> {'a': 1.0, 'b': 2.5}."""
    weights: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"bad weight {item!r}: expected member=number")
        weights[name.strip()] = float(value)
    return weights


def read_candidate_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Long candidate table from ``id,translation`` files; each file's stem names its member."""
    from deep_past.io import SAMPLE_SUBMISSION, read_table

    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"candidate files must have distinct names (stems): {stems}")
    frames = []
    for path, stem in zip(paths, stems, strict=True):
        table = read_table(path, SAMPLE_SUBMISSION)  # unique ids; empty translations allowed
        frames.append(table[["id", "translation"]].assign(member=stem))
    return pd.concat(frames, ignore_index=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deep_past.evaluation.mbr", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "candidates", nargs="+", help="CSV files with id,translation (one per system)"
    )
    parser.add_argument("-o", "--output", required=True, help="output CSV (id,translation,...)")
    parser.add_argument("--utility", choices=UTILITIES, default="chrf")
    parser.add_argument("--weights", default=None, help="member weights, e.g. a=1,b=2 (file stems)")
    parser.add_argument("--workers", type=int, default=1, help="processes scoring segments")
    args = parser.parse_args(argv)

    from deep_past.io import write_csv

    candidates = read_candidate_files(args.candidates)
    selected = mbr_select(
        candidates, args.utility, parse_weights(args.weights), workers=args.workers
    )
    write_csv(selected, args.output)
    _report(candidates, selected)
    return 0


def _report(candidates: pd.DataFrame, selected: pd.DataFrame) -> None:
    """Per file: selections credited to it (first producer) and selections it also contained."""
    chosen = set(zip(selected["id"], selected["translation"], strict=True))
    contained = candidates[
        [pair in chosen for pair in zip(candidates["id"], candidates["translation"], strict=True)]
    ]
    credited = selected["member"].value_counts()
    shared = contained["member"].value_counts()
    print(f"{len(selected)} segments selected from {candidates['member'].nunique()} files")
    for member in dict.fromkeys(candidates["member"]):
        first, also = int(credited.get(member, 0)), int(shared.get(member, 0))
        print(f"  {member}: {first} selected, {also} contained the selected text")


if __name__ == "__main__":
    sys.exit(main())
