"""Each rule of the transliteration table, on snippets copied from the competition data.

Sources: train.csv (v2), the public test.csv placeholder, OARE sentence spellings
(Sentences_Oare_FirstWord_LinNum.csv, first_word_spelling), the OA lexicon (form/norm). Where the
data has no instance of a marker the host's rules name, the example says "constructed".
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from deep_past.text.rules import NormalizationError, run_table
from deep_past.text.transliteration import (
    TRANSLITERATION_CHECKS,
    TRANSLITERATION_RULES,
    normalize_transliteration,
)


def _cases(*pairs: tuple[str, str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("raw", "expected"), pairs)


@_cases(
    ("qí-bi₄-ma", "qí-bi4-ma"),  # OARE spelling
    ("1 TÚG ša qá-tim i-tur₄-DINGIR il₅-qé", "1 TÚG ša qá-tim i-tur4-DINGIR il5-qé"),  # train
    ("KÙ.BABBAR ni-zu-wa-azₓ KI", "KÙ.BABBAR ni-zu-wa-az KI"),  # train: ₓ is dropped
    ("a-dí tuḫₓ pì-a", "a-dí tuh pì-a"),  # train
    ("(m)šu-sú-en₆", "{m}šu-sú-en6"),  # OARE spelling
)
def test_subscript_digits(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("KÙ.BABBAR a-na ḫu-bu-ul i-dí-a-bi-im", "KÙ.BABBAR a-na hu-bu-ul i-dí-a-bi-im"),  # dev test
    ("ANŠE.ḪI.A", "ANŠE.HI.A"),  # train
)
def test_h_without_breve(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("PUZUR₄=(d)UTU", "PUZUR4-{d}UTU"),  # OARE spelling; train.csv has PUZUR₄-{d}UTU
    ("(d)NIN.ŠUBUR-ba-ni", "{d}NIN.ŠUBUR-ba-ni"),  # OARE spelling
    ("mup-pu-um aa a-lim(ki) i-li-kam", "mup-pu-um aa a-lim{ki} i-li-kam"),  # public test.csv
    ("(m)dan-a-šùr", "{m}dan-a-šùr"),  # OARE spelling
    ("(f)ZA-a-ba-at", "{f}ZA-a-ba-at"),  # lexicon form
    ("šu-{d}EN.LÍL DUMU", "šu-{d}EN.LÍL DUMU"),  # train (already v2)
)
def test_paren_determinatives(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("ᵈUTU-ta-pá-i", "{d}UTU-ta-pá-i"),  # constructed from the OARE spelling (d)UTU-ta-pá-i
    ("a-limᵏⁱ", "a-lim{ki}"),  # constructed from a-lim(ki)
)
def test_superscript_determinatives(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("(TÚG)ku-ta-nu", "TÚG ku-ta-nu"),  # OARE spelling; train.csv writes "TÚG ku-ta-nu"
    ("50 TÚG (ḪI)ku-ta-ni 25", "50 TÚG HI ku-ta-ni 25"),  # train
)
def test_paren_logograms(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("i-ša-x-x", "i-ša-<gap>"),  # OARE spelling
    ("xxxxx", "<gap>"),  # OARE spelling
    ("bé-li-x", "bé-li-<gap>"),  # OARE spelling
    ("x-ma-sú", "<gap>-ma-sú"),  # OARE spelling
    ("…", "<gap>"),  # OARE spelling
    ("a-na aa-qí-il… da-tim", "a-na aa-qí-il<gap> da-tim"),  # public test.csv
    ("šé-né-šu <gap> (broken line) 17 TÚG", "šé-né-šu <gap> 17 TÚG"),  # train
    ("ta-ga-mì-lá-šu (5 broken lines) <gap> ma-na", "ta-ga-mì-lá-šu <gap> ma-na"),  # dev docs
    ("a-na [x x] ma-na (break) ... [...] <big_gap> i-dí", "a-na <gap> ma-na <gap> i-dí"),  # constr.
    ("i-dí-a-bi-im ša-ra-sà <gap> <gap> GÍN", "i-dí-a-bi-im ša-ra-sà <gap> GÍN"),  # constructed
    ("i-<gap>-x-ni-ma", "i-<gap>-ni-ma"),  # constructed from train i-<gap>-ni-ma
    ("ITU.1.KAM", "ITU.1.KAM"),  # train: no x, no dots gap
)
def test_gap_markers(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("ku-uš-da-ni É be-et⌈a-bi-ku-nu", "ku-uš-da-ni É be-eta-bi-ku-nu"),  # train
    ("a-na ⸢ku⸣-[ta]-ni ˹ma˺", "a-na ku-ta-ni ma"),  # constructed
    ("a-na <a>-lim", "a-na a-lim"),  # constructed: <a> is a supplied sign, kept
)
def test_brackets_removed_content_kept(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("i-dí-in <<ma>> KÙ.BABBAR", "i-dí-in KÙ.BABBAR"),  # constructed
)
def test_erasures_deleted(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("ittanāplisā*", "ittanāplisā"),  # lexicon norm
    ("abarniāem(?)", "abarniāem"),  # lexicon norm
    ("tabbatanni??", "tabbatanni"),  # lexicon norm
    ("Zazaku (for Zazum!)", "Zazaku (for Zazum)"),  # lexicon norm
    ("me-+e-er mup-pì-ni", "me-+e-er mup-pì-ni"),  # public test.csv: + is not a scribal mark
)
def test_scribal_marks(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("Teʾinātum", "Teinātum"),  # OARE sentence translation
    ("a-ʿa-lim", "a-a-lim"),  # constructed
)
def test_glottal_stops(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    (
        "ṣa-ru-pá-am en-um-a-šùr DUMU sú-in-na-da 5.3333 ma-na",
        "ṣa-ru-pá-am en-um-a-šùr DUMU sú-in-na-da 5 ⅓ ma-na",
    ),  # noqa: E501 dev test
    (
        "a-na ITU 14 ḫa-am-ša-tim i-ša-qal 1.5 GÍN.TA",
        "a-na ITU 14 ha-am-ša-tim i-ša-qal 1 ½ GÍN.TA",
    ),  # noqa: E501 train
    ("URUDU SIG₅ 0.83334 GÍN.TA 0.5", "URUDU SIG5 ⅚ GÍN.TA ½"),  # train
    ("KÙ.BABBAR.BE 8.75 GÍN", "KÙ.BABBAR.BE 8 ¾ GÍN"),  # train
    ("4 ma-na 6.25 GÍN.TA", "4 ma-na 6 ¼ GÍN.TA"),  # train
    ("2.6666 ma-na 1.1666 GÍN", "2 ⅔ ma-na 1 ⅙ GÍN"),  # train
    ("ANŠE <gap>-1+0.25 GÍN", "ANŠE <gap>-1+¼ GÍN"),  # train
    ("ma-na-im i-na ITU.1.KAM ṣí-ib-tám", "ma-na-im i-na ITU.1.KAM ṣí-ib-tám"),  # train
)
def test_decimal_fractions(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


@_cases(
    ("  um-ma  kà-ru-um\nkà-ni-ia-ma ", "um-ma kà-ru-um kà-ni-ia-ma"),  # public test.csv, respaced
    ("a\u0301-na", "á-na"),  # decomposed á -> NFC
)
def test_whitespace_and_nfc(raw: str, expected: str) -> None:
    assert normalize_transliteration(raw) == expected


def test_rule_names_unique() -> None:
    names = [r.name for r in TRANSLITERATION_RULES if r.name not in {"unicode_nfc"}]
    assert len(names) == len(set(names))


def test_broken_table_fails_loudly() -> None:
    """Without its subscript rule the table must raise, not return raw text."""
    rules = [r for r in TRANSLITERATION_RULES if r.name != "subscript_digits"]
    with pytest.raises(NormalizationError) as info:
        run_table("qí-bi₄-ma", rules, TRANSLITERATION_CHECKS)
    assert info.value.condition == "no_subscripts"
    assert "bi₄" in str(info.value)


def test_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        normalize_transliteration(None)  # type: ignore[arg-type]


def _demo_transliterations(demo_dir: Path) -> list[str]:
    rows: list[str] = []
    for name in ("train.csv", "test.csv"):
        with open(demo_dir / name, encoding="utf-8", newline="") as fh:
            rows += [r["transliteration"] for r in csv.DictReader(fh)]
    return rows


def test_idempotent_on_demo_rows(demo_dir: Path) -> None:
    rows = _demo_transliterations(demo_dir)
    assert len(rows) > 100
    for row in rows:
        once = normalize_transliteration(row)
        assert once, row
        assert normalize_transliteration(once) == once


# Markers from every rule, mixed at random: the table must neither raise nor change its own output.
_FUZZ_ATOMS = (
    "x", "xx", "[", "]", "[x]", "...", "…", "(", ")", "(d)", "(ki)", "d", "<", ">", "<<", ">>",
    "<gap>", "<big_gap>", "₄", "ₓ", "ḫ", "Ḫ", "!", "?", "*", "=", "ʾ", "ʿ", "ᵈ", "ᵏⁱ", "⸢", "⸣",
    "˹", "˺", "⌈", "⌉", " ", "-", ".", "0", "1", "5", "3333", "0.5", "1.3333", "(TÚG)", "(ḪI)",
    "broken", "(5 broken lines)", "(break)", "\n", "á", "\u0301", "ma",
)  # fmt: skip


def test_random_marker_soup_never_raises_and_is_idempotent() -> None:
    rng = random.Random(20260301)
    for _ in range(3000):
        text = "".join(rng.choice(_FUZZ_ATOMS) for _ in range(rng.randint(0, 12)))
        once = normalize_transliteration(text)
        assert normalize_transliteration(once) == once, text
