"""Benchmark the translation memory on the DEV split, step by step.

Fits on ``train.csv`` (+ the OARE sentence file), translates ``dev/test.csv`` and scores against
``dev/references.csv`` with the competition metric, sqrt(BLEU x chrF++). Prints one row per
ablation step (each adds one thing to the previous) and the alignment statistics.

    .venv/bin/python benchmarks/memory.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from deep_past.corpus.align.corpus import align_documents, alignment_stats, train_alignment_model
from deep_past.corpus.lexicon import build_lexicon, proper_nouns
from deep_past.corpus.names import NameSpeller
from deep_past.retrieval.memory import MemoryConfig, TranslationMemory

# Dev geomean of the best retrieval system in ../shared/notes/retrieval.md: the bar to beat.
RETRIEVAL_BAR = 21.53


def score(hyps: list[str], refs: list[str]) -> dict[str, float]:
    """Competition metric; the project's helper when it exists, else sacrebleu directly."""
    try:
        from deep_past.evaluation.metrics import corpus_scores
    except ImportError:
        import sacrebleu

        bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
        chrf = sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score
        return {"bleu": bleu, "chrf": chrf, "geomean": math.sqrt(max(bleu * chrf, 0.0))}
    return dict(corpus_scores(hyps, refs))


def preprocess(
    train: pd.DataFrame, test: pd.DataFrame, raw: bool
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Apply the project's normalisers when they are in the tree (and not ``raw``)."""
    if raw:
        return train, test, "raw text (--raw); target conventions on outputs only"
    try:
        from deep_past.text.preprocess import preprocess_test, preprocess_train
    except ImportError:
        return train, test, "raw text (deep_past.text.preprocess not available)"
    return preprocess_train(train), preprocess_test(test), "deep_past.text.preprocess"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--raw",
        action="store_true",
        help="skip deep_past.text.preprocess (outputs still converted)",
    )
    args = parser.parse_args()
    data = args.data_dir
    train = pd.read_csv(data / "train.csv")
    sentences = pd.read_csv(data / "Sentences_Oare_FirstWord_LinNum.csv")
    test = pd.read_csv(data / "dev" / "test.csv")
    refs_df = pd.read_csv(data / "dev" / "references.csv")
    train, test, how = preprocess(train, test, args.raw)
    refs = test[["id"]].merge(refs_df, on="id", how="left")["translation"].fillna("").tolist()
    print(f"train {len(train)} documents, dev {len(test)} segments, text: {how}")

    t0 = time.perf_counter()
    proportional = align_documents(train, sentences, dp=False)
    t_prop = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = train_alignment_model(train)
    aligned = align_documents(train, sentences, model=model)
    t_dp = time.perf_counter() - t0

    t0 = time.perf_counter()
    lexicon = pd.read_csv(data / "OA_Lexicon_eBL.csv", dtype=str)
    dictionary = pd.read_csv(data / "eBL_Dictionary.csv", dtype=str)
    names = NameSpeller.from_tables(
        proper_nouns(lexicon, train), build_lexicon(lexicon, dictionary)
    )
    t_names = time.perf_counter() - t0
    print(f"name speller: {len(names)} name forms in {t_names:.1f} s")

    plain = MemoryConfig(
        kinds=("sentence_dp", "window"),
        bm25_weight=0.0,
        length_weight=0.0,
        exact=False,
        repair=False,
        conventions=False,
    )
    rerank = replace(plain, length_weight=0.3)
    conv = replace(rerank, conventions=True)
    exact = replace(conv, kinds=("sentence_file", "sentence_dp", "window"), exact=True)
    repaired = replace(exact, repair=True)
    full = MemoryConfig()  # the system as shipped, with the name speller as the pipeline has it
    steps = [  # (name, pairs, config, alignment seconds, name speller)
        ("nearest neighbour, proportional cuts + windows", proportional, plain, t_prop, None),
        ("+ length rerank (lambda 0.3, top 10)", proportional, rerank, t_prop, None),
        ("+ target conventions on outputs", proportional, conv, t_prop, None),
        ("+ DP re-cut (Model 1 + Gale-Church)", aligned, conv, t_dp, None),
        ("+ sentence-file pairs, exact match", aligned, exact, t_dp, None),
        ("+ fuzzy-match repair (Model 1 word swaps)", aligned, repaired, t_dp, None),
        ("+ name-slot filling", aligned, replace(full, skeleton_weight=0.0), t_dp, names),
        ("+ name-skeleton retrieval (= default MemoryConfig)", aligned, full, t_dp, names),
        ("side: default + sign BM25 0.3", aligned, replace(full, bm25_weight=0.3), t_dp, names),
    ]
    rows = []
    for name, pairs, cfg, t_align, speller in steps:
        t0 = time.perf_counter()
        memory = TranslationMemory.from_pairs(pairs, cfg, table=model.forward, names=speller)
        hyps = memory.translate(test)
        seconds = time.perf_counter() - t0 + t_align + (t_names if speller else 0.0)
        s = score(hyps, refs)
        rows.append((name, s["bleu"], s["chrf"], s["geomean"], seconds))

    print("\n| step | BLEU | chrF++ | geomean | seconds |\n|---|---|---|---|---|")
    for name, bleu, chrf, geo, sec in rows:
        print(f"| {name} | {bleu:.2f} | {chrf:.2f} | {geo:.2f} | {sec:.1f} |")
    print("\n(seconds = alignment incl. Model 1 [+ name speller] + indexing + translating)")
    print("\nalignment statistics:")
    print(json.dumps(alignment_stats(aligned), indent=1))
    by_name = {name: geo for name, _, _, geo, _ in rows}
    default, without = by_name[steps[-2][0]], by_name[steps[-4][0]]
    print(
        f"\ndefault {default:.2f} vs the retrieval bar {RETRIEVAL_BAR}: ratio "
        f"{default / RETRIEVAL_BAR:.2f}; vs this run without name slots {without:.2f}: "
        f"ratio {default / without:.2f}"
    )


if __name__ == "__main__":
    main()
