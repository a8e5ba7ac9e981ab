"""deep_past.evaluation.mbr: selection equals a naive sacrebleu MBR; merging, weights, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sacrebleu

from deep_past.evaluation import mbr


def variants(words: list[str], rng: np.random.Generator, k: int) -> list[str]:
    """k hypothesis-like edits of one line (drops, swaps, truncations), deterministic."""
    out = []
    for _ in range(k):
        w = list(words)
        for _ in range(int(rng.integers(0, 3))):
            at = int(rng.integers(0, max(1, len(w) - 1)))
            if len(w) > 2 and rng.random() < 0.5:
                del w[at]
            elif len(w) > 2:
                w[at], w[at + 1] = w[at + 1], w[at]
        if rng.random() < 0.2:
            w = w[: max(1, len(w) // 2)]
        out.append(" ".join(w))
    return out


@pytest.fixture(scope="module")
def candidates(demo_dir: Path) -> pd.DataFrame:
    refs = pd.read_csv(demo_dir / "references.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    rows = []
    for seg_id, line in zip(refs["id"][:30], refs["translation"][:30], strict=True):
        for k, text in enumerate(variants(line.split(), rng, 6)):
            rows.append({"id": seg_id, "translation": text, "member": f"m{k}"})
    return pd.DataFrame(rows)


def naive(rows: pd.DataFrame, utility) -> list[str]:  # type: ignore[no-untyped-def]
    """Sample-based MBR over rows: candidate i against every row j != i, unit weights."""
    chosen = []
    for _, group in rows.groupby("id", sort=False):
        texts = group["translation"].tolist()
        scores = np.array(
            [
                np.mean([utility(h, r) for j, r in enumerate(texts) if j != i])
                for i, h in enumerate(texts)
            ]
        )
        chosen.append(texts[mbr.choose(scores)])
    return chosen


def sacre_chrf(hyp: str, ref: str) -> float:
    return sacrebleu.sentence_chrf(hyp, [ref], word_order=2).score


def test_chrf_selection_equals_naive_sacrebleu(candidates: pd.DataFrame) -> None:
    ours = mbr.mbr_select(candidates)
    assert list(ours.columns) == mbr.OUTPUT_COLUMNS
    assert ours["id"].tolist() == list(dict.fromkeys(candidates["id"]))
    assert ours["translation"].tolist() == naive(candidates, sacre_chrf)


def test_mix_selection_equals_naive_sacrebleu(candidates: pd.DataFrame) -> None:
    def mix(hyp: str, ref: str) -> float:
        h, r = set(mbr_words(hyp)), set(mbr_words(ref))
        jaccard = len(h & r) / len(h | r) if h | r else 1.0
        bleu = sacrebleu.sentence_bleu(hyp, [ref]).score
        return 0.55 * sacre_chrf(hyp, ref) / 100 + 0.25 * bleu / 100 + 0.20 * jaccard

    rows = candidates[candidates["id"].isin(candidates["id"].unique()[:12])]
    expected = []
    for _, group in rows.groupby("id", sort=False):
        texts = group["translation"].tolist()
        lengths = np.array([len(t.split()) for t in texts], dtype=float)
        median = np.median(lengths)
        bonus = np.exp(-0.5 * ((lengths - median) / max(1.0, 0.25 * median)) ** 2)
        scores = [
            np.mean([mix(h, r) for j, r in enumerate(texts) if j != i]) + 0.10 * bonus[i]
            for i, h in enumerate(texts)
        ]
        expected.append(texts[mbr.choose(np.array(scores))])
    assert mbr.mbr_select(rows, utility="mix")["translation"].tolist() == expected


def test_worker_processes_give_the_serial_result(candidates: pd.DataFrame) -> None:
    """More segments than one chunk, so both workers get some; mix and chrf."""
    many = pd.concat(
        [candidates.assign(id=candidates["id"] + f"/{copy}") for copy in range(4)],
        ignore_index=True,
    )
    assert many["id"].nunique() > 2 * mbr.CHUNK_SEGMENTS
    for utility in ("mix", "chrf"):
        serial = mbr.mbr_select(many, utility)
        pd.testing.assert_frame_equal(mbr.mbr_select(many, utility, workers=2), serial)


def mbr_words(text: str) -> list[str]:
    from deep_past.evaluation.metrics import chrf_words

    return chrf_words(text)


def test_duplicates_are_merged_and_count_as_agreement() -> None:
    # B appears twice: merged into one candidate, and agreement makes it win over A and C.
    rows = [
        {"id": "1", "translation": "the silver was paid", "member": "a"},
        {"id": "1", "translation": "the silver is paid to him", "member": "b"},
        {"id": "1", "translation": "the silver is paid to him", "member": "c"},
        {"id": "1", "translation": "silver paid", "member": "d"},
    ]
    out = mbr.mbr_select(rows)
    assert out.loc[0, "translation"] == "the silver is paid to him"
    assert out.loc[0, "member"] == "b"  # credited to the first producer
    assert out.loc[0, "translation"] == naive(pd.DataFrame(rows), sacre_chrf)[0]
    pool = mbr.merge_pool([r["translation"] for r in rows], [r["member"] for r in rows], [1.0] * 4)
    assert len(pool.texts) == 3 and pool.weights.tolist() == [1.0, 2.0, 1.0]


def test_member_weights_pull_the_choice_towards_that_member() -> None:
    near_a = "Aššur-idī paid ten minas of silver to the colony"
    near_b = "the colony received the tin and the textiles"
    rows = [
        {"id": "x", "translation": near_a, "member": "a"},
        {"id": "x", "translation": near_b, "member": "b"},
        {"id": "x", "translation": "Aššur-idī paid ten minas of silver", "member": "c"},
        {"id": "x", "translation": "the colony received the tin", "member": "d"},
    ]
    pick_a = mbr.mbr_select(rows, member_weights={"a": 10.0})["translation"][0]
    pick_b = mbr.mbr_select(rows, member_weights={"b": 10.0})["translation"][0]
    # A heavy member's text is the pseudo-reference that matters: what resembles it wins.
    assert pick_a == "Aššur-idī paid ten minas of silver"
    assert pick_b == "the colony received the tin"
    with pytest.raises(ValueError):
        mbr.mbr_select(rows, member_weights={"zzz": 2.0})
    with pytest.raises(ValueError):
        mbr.mbr_select(rows, member_weights={"a": 0.0})


def test_single_candidate_and_ties() -> None:
    out = mbr.mbr_select([{"id": "s", "translation": "only one", "member": "a"}])
    assert out.loc[0, "translation"] == "only one" and np.isnan(out.loc[0, "expected_utility"])
    # Two different candidates, symmetric utility: a tie, the first in input order wins.
    tie = [
        {"id": "t", "translation": "b a", "member": "m1"},
        {"id": "t", "translation": "a b", "member": "m2"},
    ]
    assert mbr.mbr_select(tie)["translation"][0] == "b a"
    with pytest.raises(ValueError):
        mbr.mbr_select(tie, utility="bleurt")


def test_parse_weights() -> None:
    assert mbr.parse_weights("a=1, b=2.5") == {"a": 1.0, "b": 2.5}
    assert mbr.parse_weights(None) == {}
    with pytest.raises(ValueError):
        mbr.parse_weights("a")


def test_cli_end_to_end(
    tmp_path: Path, candidates: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for member, group in candidates.groupby("member", sort=True):
        path = tmp_path / f"{member}.csv"
        group[["id", "translation"]].to_csv(path, index=False)
        paths.append(str(path))
    out = tmp_path / "out" / "mbr.csv"
    assert mbr.main([*paths, "-o", str(out), "--utility", "chrf", "--weights", "m0=2"]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["id"].tolist() == list(dict.fromkeys(candidates["id"]))
    weighted = candidates.assign(weight=np.where(candidates["member"] == "m0", 2.0, 1.0))
    assert written["translation"].tolist() == mbr.mbr_select(weighted)["translation"].tolist()
    printed = capsys.readouterr().out
    assert "m0:" in printed and "m5:" in printed and f"{len(written)} segments" in printed
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left no temporary file


def test_100_kb_candidates_are_ranked_in_bounded_memory() -> None:
    """A whole tablet's translations (about 100 KB each) from five members: the consensus wins
    with both utilities, and the pairwise statistics stay within a small memory bound."""
    import tracemalloc

    rng = np.random.default_rng(1)
    vocab = "the silver of Aššur son seal tin textiles he gave to me minas shekels".split()
    consensus = list(rng.choice(vocab, 19_000))
    texts = []
    for changes in (0, 300, 300, 300, 3000):
        words = list(consensus)
        for at in rng.integers(0, len(words), changes):
            words[at] = str(rng.choice(vocab))
        texts.append(" ".join(words))
    assert all(len(t.encode()) > 90_000 for t in texts)
    rows = pd.DataFrame({"id": "long", "translation": texts, "member": list("abcde")})
    for utility in ("chrf", "mix"):
        tracemalloc.start()
        chosen = mbr.mbr_select(rows, utility)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert chosen["member"].tolist() == ["a"] and peak < 256 * 2**20
