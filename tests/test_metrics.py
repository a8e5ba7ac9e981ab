"""deep_past.evaluation.metrics against sacrebleu on real lines of the demo data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sacrebleu

from deep_past.evaluation import metrics

# Edge cases: empty, whitespace-only, punctuation-only, one character, Akkadian diacritics,
# fractions, gap markers, HTML entities (13a), digits with dots/dashes, repeated words.
ODD = [
    "",
    " ",
    "\t\n",
    "...",
    "!?",
    "(hi)",
    "a",
    ".",
    "ṣ",
    "š ṣ ½ <gap>",
    "<gap> <gap> <gap>",
    "x. .x",
    "1.5 minas, 2-3 shekels",
    "&amp; &quot;q&quot; &lt;gap&gt;",
    "Aššur-imittī son of Šū-Ištar: ½ mina ⅓ shekel.",
    "a b a b a b",
    "the the the",
]


@pytest.fixture(scope="module")
def lines(demo_dir: Path) -> list[str]:
    refs = pd.read_csv(demo_dir / "references.csv", dtype=str, keep_default_na=False)
    train = pd.read_csv(demo_dir / "train.csv", dtype=str, keep_default_na=False)
    lines = refs["translation"].tolist() + train["translation"].tolist()[:15]
    return [line for line in lines if line.strip()]


def sample_pairs(texts: list[str], count: int, seed: int = 0) -> list[tuple[int, int]]:
    pairs = list(itertools.product(range(len(texts)), repeat=2))
    rng = np.random.default_rng(seed)
    return [pairs[i] for i in rng.choice(len(pairs), size=min(count, len(pairs)), replace=False)]


def test_pairwise_chrf_equals_sentence_chrf(lines: list[str]) -> None:
    texts = lines + ODD
    ours = metrics.pairwise_chrf(texts)
    # Every odd case against every odd case and 20 real lines, both ways round.
    odd = range(len(lines), len(texts))
    partners = [*range(20), *odd]
    odd_pairs = [(i, j) for i in odd for j in partners] + [(j, i) for i in odd for j in range(20)]
    for i, j in sample_pairs(lines, 1200) + odd_pairs:
        expected = sacrebleu.sentence_chrf(texts[i], [texts[j]], word_order=2).score
        assert abs(ours[i, j] - expected) <= 1e-9, (texts[i], texts[j])


def test_sentence_chrf_single_pair(lines: list[str]) -> None:
    for hyp, ref in [(lines[0], lines[1]), ("", lines[2]), (lines[3], ""), ("", "")]:
        expected = sacrebleu.sentence_chrf(hyp, [ref], word_order=2).score
        assert abs(metrics.sentence_chrf(hyp, ref) - expected) <= 1e-9


def test_pairwise_sentence_bleu_equals_sacrebleu(lines: list[str]) -> None:
    texts = lines[:50] + ODD
    ours = metrics.pairwise_sentence_bleu(texts)
    for i, j in sample_pairs(texts, 800, seed=1):
        expected = sacrebleu.sentence_bleu(texts[i], [texts[j]]).score
        assert abs(ours[i, j] - expected) <= 1e-9, (texts[i], texts[j])


def test_corpus_chrf_and_bleu_equal_sacrebleu(lines: list[str]) -> None:
    rng = np.random.default_rng(2)
    hyps = [lines[i] for i in rng.permutation(len(lines))] + ODD
    refs = lines + ODD[::-1]
    expected_chrf = sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score
    assert abs(metrics.corpus_chrf(hyps, refs) - expected_chrf) <= 1e-9
    expected_bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
    assert abs(metrics.corpus_bleu(hyps, refs) - expected_bleu) <= 1e-9
    # Near-copies give a non-trivial BLEU with every order matched.
    near = [" ".join(line.split()[:-1]) for line in lines]
    assert (
        abs(metrics.corpus_bleu(near, lines) - sacrebleu.corpus_bleu(near, [lines]).score) <= 1e-9
    )


def test_corpus_scores_report_sacrebleu_and_our_chrf_agrees(lines: list[str]) -> None:
    hyps = [" ".join(line.split()[::-1]) if k % 3 == 0 else line for k, line in enumerate(lines)]
    scores = metrics.corpus_scores(hyps, lines)
    assert scores["n"] == len(lines)
    assert scores["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [lines]).score, abs=1e-12)
    assert scores["chrf"] == pytest.approx(metrics.corpus_chrf(hyps, lines), abs=1e-9)
    assert scores["geomean"] == pytest.approx(np.sqrt(scores["bleu"] * scores["chrf"]))
    assert "nw:2" in scores["chrf_signature"] and "tok:13a" in scores["bleu_signature"]


def test_chrf_from_stats_is_shared_by_sentence_and_corpus(lines: list[str]) -> None:
    stats = np.stack(
        [metrics.chrf_stats(h, r) for h, r in zip(lines[:10], lines[10:20], strict=True)]
    )
    assert stats.shape == (10, 3 * metrics.CHRF_ORDERS)
    sentence = metrics.chrf_from_stats(stats)
    assert sentence[3] == metrics.sentence_chrf(lines[3], lines[13])
    assert float(metrics.chrf_from_stats(stats.sum(axis=0))) == metrics.corpus_chrf(
        lines[:10], lines[10:20]
    )


def test_words_and_13a_tokens_follow_sacrebleu() -> None:
    assert metrics.chrf_words("(hi) a. .b c") == ["(hi", ")", "a", ".", ".", "b", "c"]
    tokenizer = sacrebleu.BLEU().tokenizer
    for line in ODD + ["He paid 1,000.5 silver -- 3-4 (sic)!"]:
        assert metrics.tokenize_13a(line) == tokenizer(line.rstrip())


def test_corpus_inputs_are_checked() -> None:
    with pytest.raises(ValueError):
        metrics.corpus_chrf(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        metrics.corpus_scores([], [])
