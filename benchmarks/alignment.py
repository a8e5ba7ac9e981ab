"""Benchmark alignment B's DP cuts against the DEV split's segment boundaries.

The dev set's documents (``dev/docs.csv``) are held out of ``train.csv``; its segments
(``dev/segments.csv``) give, for each sentence, the transliteration word where it starts and (via
``references_train_style.csv``) the place in the document's English where its translation starts.
The alignment model is trained on ``train.csv`` as the pipeline does; each dev document is cut by
``dp_cuts`` into its English sentences, and every dev boundary whose English position is also one
of ours (within 2 characters) is compared with our source cut: exact, within 1 or 3 words,
too early or too late. The dev boundaries are themselves approximate (the dev README's hand check
found about 1 segment in 8 off, mostly by 1-3 words), so 100 % is out of reach.

    .venv/bin/python benchmarks/alignment.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from deep_past.corpus.align.corpus import document_units, is_truncated, train_alignment_model
from deep_past.corpus.align.cuts import BOUNDARY_WEIGHT, dp_cuts
from deep_past.corpus.align.model1 import AlignmentModel


def _starts(text: str, pieces: list[str]) -> list[int]:
    """Character offset of each piece in ``text``, searched in order (-1 when absent)."""
    out, pos = [], 0
    for piece in pieces:
        found = text.find(piece, pos)
        out.append(found)
        pos = found + 1 if found >= 0 else pos
    return out


def boundary_offsets(
    model: AlignmentModel, docs: pd.DataFrame, segments: pd.DataFrame, boundary_weight: float
) -> tuple[np.ndarray, int]:
    """Our cut minus the dev cut (words) for every comparable boundary, and all dev boundaries."""
    offsets: list[int] = []
    n_gold = 0
    for oare_id, rows in segments.groupby("oare_id", sort=True):
        rows = rows.sort_values("segment")
        doc = docs.loc[oare_id]
        text = " ".join(str(doc["translation"]).split())
        tokens = str(doc["transliteration"]).split()
        units = document_units(text, len(tokens))
        if len(units) < 2:
            continue
        truncated = is_truncated(str(doc["transliteration"]))
        bounds, n_aligned, _ = dp_cuts(
            model, tokens, units, truncated=truncated, boundary_weight=boundary_weight
        )
        ours = _starts(text, units)[:n_aligned]
        gold = _starts(text, [" ".join(str(t).split()) for t in rows["translation"]])
        for k in range(1, len(rows)):
            n_gold += 1
            match = [j for j in range(1, len(ours)) if abs(ours[j] - gold[k]) <= 2]
            if match and gold[k] >= 0:
                offsets.append(bounds[match[0]] - int(rows["word_start"].iloc[k]))
    return np.array(offsets), n_gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    data = args.data_dir
    train = pd.read_csv(data / "train.csv")
    docs = pd.read_csv(data / "dev" / "docs.csv").set_index("oare_id")
    segments = pd.read_csv(data / "dev" / "segments.csv").merge(
        pd.read_csv(data / "dev" / "references_train_style.csv"), on="id"
    )
    t0 = time.perf_counter()
    model = train_alignment_model(train)
    print(f"alignment model trained on {len(train)} documents in {time.perf_counter() - t0:.1f} s")

    print("\n| cuts | comparable / dev boundaries | exact | within 1 | within 3 | early | late |")
    print("|---|---|---|---|---|---|---|")
    exact = {}
    rows = (("Model 1 + length prior", 0.0), ("+ clause cues (default)", BOUNDARY_WEIGHT))
    for name, weight in rows:
        offsets, n_gold = boundary_offsets(model, docs, segments, weight)
        exact[name] = float(np.mean(offsets == 0))
        print(
            f"| {name} | {len(offsets)} / {n_gold} | {exact[name]:.1%} "
            f"| {np.mean(np.abs(offsets) <= 1):.1%} | {np.mean(np.abs(offsets) <= 3):.1%} "
            f"| {np.mean(offsets < 0):.1%} | {np.mean(offsets > 0):.1%} |"
        )
    base, cues = exact.values()
    print(f"\nexact boundaries with clause cues vs without: ratio {cues / base:.2f}")


if __name__ == "__main__":
    main()
