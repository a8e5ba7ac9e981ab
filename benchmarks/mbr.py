"""Speed of MBR with chrF++: naive pairwise sacrebleu ``sentence_chrf`` vs deep_past.mbr.

Builds N segments x 16 candidates from real translations (the shared train.csv when present,
else the demo data): a reference-length window of a translation, then deterministic
perturbations (word drops, swaps, duplications, truncation, punctuation) so candidates differ
the way real hypotheses do. Both methods must select the same candidate for every segment.

    .venv/bin/python benchmarks/mbr.py [--segments 4000] [--candidates 16]

The last line printed is the speed-up.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from deep_past.mbr import choose, mbr_select

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT.parent / "shared" / "data" / "train.csv", ROOT / "resources" / "demo" / "train.csv"]
LENGTHS = ROOT / "resources" / "demo" / "references.csv"


def load_texts() -> tuple[list[list[str]], np.ndarray, str]:
    """Tokenised source translations and segment word lengths to imitate."""
    source = next(path for path in SOURCES if path.exists())
    texts = pd.read_csv(source, dtype=str, keep_default_na=False)["translation"]
    words = [t.split() for t in texts if len(t.split()) >= 3]
    lengths = pd.read_csv(LENGTHS, dtype=str)["translation"].str.split().str.len().to_numpy()
    return words, lengths, str(source.relative_to(ROOT.parent))


def perturb(words: list[str], rng: np.random.Generator) -> str:
    """One hypothesis-like variant: a few local edits, sometimes a truncation."""
    out = list(words)
    for _ in range(rng.integers(1, 5)):
        if len(out) < 2:
            break
        edit, at = rng.integers(0, 5), int(rng.integers(0, len(out) - 1))
        if edit == 0:
            del out[at]
        elif edit == 1:
            out[at], out[at + 1] = out[at + 1], out[at]
        elif edit == 2:
            out.insert(at, out[at])
        elif edit == 3:
            out[at] = out[at].rstrip(".,;:") + rng.choice([",", ".", ""])
        else:
            out[at] = out[at].lower() if out[at][:1].isupper() else out[at].capitalize()
    if rng.random() < 0.15 and len(out) > 4:
        out = out[: int(rng.integers(len(out) // 2, len(out)))]
    return " ".join(out)


def build_candidates(segments: int, k: int, seed: int = 0) -> pd.DataFrame:
    words, lengths, _ = load_texts()
    rng = np.random.default_rng(seed)
    rows = []
    for seg in range(segments):
        doc = words[int(rng.integers(len(words)))]
        size = min(len(doc), int(rng.choice(lengths)))
        start = int(rng.integers(0, len(doc) - size + 1))
        base = doc[start : start + size]
        for member in range(k):
            rows.append((f"s{seg}", perturb(base, rng), f"m{member}"))
    return pd.DataFrame(rows, columns=["id", "translation", "member"])


def naive_select(candidates: pd.DataFrame) -> list[str]:
    """MBR as one would write it with sacrebleu: every ordered pair, sentence_chrf each time."""
    from sacrebleu import sentence_chrf

    chosen = []
    for _, group in candidates.groupby("id", sort=False):
        texts = group["translation"].tolist()
        scores = np.array(
            [
                np.mean(
                    [
                        sentence_chrf(h, [r], word_order=2).score
                        for j, r in enumerate(texts)
                        if j != i
                    ]
                )
                for i, h in enumerate(texts)
            ]
        )
        chosen.append(texts[choose(scores)])
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=4000)
    parser.add_argument("--candidates", type=int, default=16)
    args = parser.parse_args()

    candidates = build_candidates(args.segments, args.candidates)
    source = load_texts()[2]
    distinct = candidates.groupby("id")["translation"].nunique().mean()
    words = candidates["translation"].str.split().str.len()
    print(f"{args.segments} segments x {args.candidates} candidates from {source}")
    print(
        f"words per candidate: mean {words.mean():.1f}, max {words.max()}; "
        f"distinct candidates per segment: {distinct:.1f}"
    )

    start = time.perf_counter()
    ours = mbr_select(candidates, "chrf")["translation"].tolist()
    ours_s = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()  # separate, untimed run: tracing slows allocation down
    mbr_select(candidates, "chrf")
    traced_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    start = time.perf_counter()
    naive = naive_select(candidates)
    naive_s = time.perf_counter() - start

    same = sum(a == b for a, b in zip(ours, naive, strict=True))
    print(f"identical selections: {same}/{len(ours)}")
    print(
        f"peak memory: deep_past.mbr traced {traced_mib:.1f} MiB; "
        f"process max RSS after it {rss_mib:.0f} MiB"
    )
    print(f"{'method':<28}{'seconds':>10}{'ms/segment':>12}")
    print(f"{'sacrebleu sentence_chrf':<28}{naive_s:>10.2f}{1000 * naive_s / args.segments:>12.2f}")
    print(f"{'deep_past.mbr (chrf)':<28}{ours_s:>10.2f}{1000 * ours_s / args.segments:>12.2f}")
    if same != len(ours):
        raise SystemExit("selections differ")
    print(f"speed-up: {naive_s / ours_s:.1f}x")


if __name__ == "__main__":
    main()
