"""MBR at competition scale: 4,000 segments x 110 candidates, ``mix`` utility, on 2 cores.

The winning solution ran MBR over 110 candidates per sentence (11 systems x 10 samples). This
builds 4,000 segments x 110 candidates from real translations (the shared train.csv when present,
else the demo data): a window of a translation as long as a real test segment (the demo's dev
references), then deterministic perturbations (word drops, swaps, duplications, truncation,
punctuation) so candidates differ the way real hypotheses do. evaluation.mbr (exact vectorised
chrF++, sentence BLEU, word Jaccard, length bonus; ``--workers`` processes) selects over all of
them; a naive reference (sacrebleu's sentence_chrf and sentence_bleu for every ordered pair,
Python sets for the Jaccard) over a sample of segments must select the same candidates.

    .venv/bin/python benchmarks/mbr.py [--segments 4000] [--candidates 110] [--workers 2]
        [--utility mix] [--check 8]

Target: <= 60 s for the 4,000 x 110 on 2 cores. The last line printed is the speed-up over the
naive path, per segment, both measured in this run.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from deep_past.evaluation.mbr import choose, mbr_select
from deep_past.evaluation.metrics import chrf_words

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
    """k candidates per segment from members m0, m1, ... (10 samples each, like 11 x 10)."""
    words, lengths, _ = load_texts()
    rng = np.random.default_rng(seed)
    rows = []
    for seg in range(segments):
        doc = words[int(rng.integers(len(words)))]
        size = min(len(doc), int(rng.choice(lengths)))
        start = int(rng.integers(0, len(doc) - size + 1))
        base = doc[start : start + size]
        for row in range(k):
            rows.append((f"s{seg}", perturb(base, rng), f"m{row // 10}"))
    return pd.DataFrame(rows, columns=["id", "translation", "member"])


def naive_utility(utility: str):
    """u(hypothesis, reference) with sacrebleu, one pair at a time (mix: without its length
    bonus, which belongs to the hypothesis and is added in naive_select)."""
    from sacrebleu import sentence_bleu, sentence_chrf

    def chrf(hyp: str, ref: str) -> float:
        return sentence_chrf(hyp, [ref], word_order=2).score

    def mix(hyp: str, ref: str) -> float:
        h, r = set(chrf_words(hyp)), set(chrf_words(ref))
        jaccard = len(h & r) / len(h | r) if h | r else 1.0
        bleu = sentence_bleu(hyp, [ref]).score
        return 0.55 * chrf(hyp, ref) / 100 + 0.25 * bleu / 100 + 0.20 * jaccard

    return chrf if utility == "chrf" else mix


def naive_select(candidates: pd.DataFrame, utility: str) -> list[str]:
    """MBR as one would write it: candidate i against every other row j, every pair scored."""
    pair = naive_utility(utility)
    chosen = []
    for _, group in candidates.groupby("id", sort=False):
        texts = group["translation"].tolist()
        scores = np.array(
            [
                np.mean([pair(h, r) for j, r in enumerate(texts) if j != i])
                for i, h in enumerate(texts)
            ]
        )
        if utility == "mix":
            lengths = np.array([len(t.split()) for t in texts], dtype=float)
            median = float(np.median(lengths))
            scores += 0.10 * np.exp(-0.5 * ((lengths - median) / max(1.0, 0.25 * median)) ** 2)
        chosen.append(texts[choose(scores)])
    return chosen


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--segments", type=int, default=4000)
    parser.add_argument("--candidates", type=int, default=110)
    parser.add_argument("--utility", choices=("chrf", "mix"), default="mix")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check", type=int, default=8, help="segments the naive path scores")
    args = parser.parse_args()

    candidates = build_candidates(args.segments, args.candidates)
    source = load_texts()[2]
    distinct = candidates.groupby("id")["translation"].nunique().mean()
    words = candidates["translation"].str.split().str.len()
    print(f"{args.segments} segments x {args.candidates} candidates from {source}")
    print(
        f"words per candidate: mean {words.mean():.1f}, max {words.max()}; "
        f"distinct candidates per segment: {distinct:.1f}; {os.cpu_count()} cores"
    )

    cpu0 = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    ours = mbr_select(candidates, args.utility, workers=args.workers)["translation"].tolist()
    ours_s = time.perf_counter() - start
    ours_cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0
    rss_mib = (
        max(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024
    )

    sample = candidates["id"].drop_duplicates().iloc[: args.check]
    start = time.perf_counter()
    naive = naive_select(candidates[candidates["id"].isin(sample)], args.utility)
    naive_s = time.perf_counter() - start
    same = sum(a == b for a, b in zip(ours[: args.check], naive, strict=True))

    per = {"naive": 1000 * naive_s / args.check, "ours": 1000 * ours_s / args.segments}
    print(f"identical selections on the naive path's sample: {same}/{args.check}")
    print(f"peak memory: max RSS of this process or one worker {rss_mib:.0f} MiB")
    print(f"{'method':<40}{'segments':>9}{'seconds':>10}{'ms/segment':>12}")
    print(
        f"{'naive sacrebleu, every pair':<40}{args.check:>9}{naive_s:>10.2f}{per['naive']:>12.1f}"
    )
    label = f"deep_past.evaluation.mbr ({args.utility}, {args.workers} workers)"
    print(f"{label:<40}{args.segments:>9}{ours_s:>10.2f}{per['ours']:>12.2f}")
    print(
        f"deep_past.evaluation.mbr: {ours_s:.1f} s wall, {ours_cpu:.1f} s CPU; target <= 60 s wall"
    )
    if same != args.check:
        raise SystemExit("selections differ")
    print(f"speed-up over the naive path (per segment): {per['naive'] / per['ours']:.0f}x")


if __name__ == "__main__":
    main()
