"""Prompt inputs of a split's segments (source plus the hints a variant shows) and the chat
records built from them: training records with their target, prediction records by id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from deep_past.corpus.names import NameSpeller, mask_as_query, mask_names, mask_target
from deep_past.prompting.registry import PromptInput, PromptVariant, build_messages, get_variant

Hint = Callable[[str], str]


Shots = Callable[[str, str], Sequence[tuple[str, str]]]


Matches = Callable[[str, str], Sequence[tuple[str, str, float]]]


def prompt_inputs(
    segments: pd.DataFrame,
    variant: PromptVariant,
    *,
    lexicon_hint: Hint | None = None,
    name_hint: Hint | None = None,
    shots: Shots | None = None,
    matches: Matches | None = None,
    speller: NameSpeller | None = None,
) -> list[PromptInput]:
    """Fill, for each segment, the prompt parts its variant shows; fail when a part is missing.

    With names as placeholders (segments from ``mask_names_in``) the memory is asked with the
    source as written, and its matches are shown in placeholders too (``masked_match``)."""
    needed = {"lexicon": lexicon_hint, "names": name_hint, "shots": shots, "matches": matches}
    absent = [f for f in variant.features if f in needed and needed[f] is None]
    if absent:
        raise ValueError(f"prompt variant '{variant.name}' needs {absent}, which were not given")
    masked = "slots" in segments.columns
    if masked and variant.matches and speller is None:
        raise ValueError(f"prompt variant '{variant.name}' masks names: its matches need a speller")
    inputs = []
    previous: dict[str, list[str]] = {}
    for row in segments.itertuples(index=False):
        history = previous.setdefault(row.text_id, [])
        inputs.append(
            PromptInput(
                source=row.source,
                context=tuple(history[-variant.context_segments :])
                if variant.context_segments
                else (),
                lexicon_hint=lexicon_hint(row.source) if variant.lexicon and lexicon_hint else "",
                name_hint=name_hint(row.source) if variant.names and name_hint else "",
                shots=tuple(shots(row.source, row.text_id)) if variant.shots and shots else (),
                matches=_matches_of(row, matches, speller if masked else None)
                if variant.matches and matches
                else (),
            )
        )
        history.append(row.source)
    return inputs


def _matches_of(
    row: Any, matches: Matches, speller: NameSpeller | None
) -> tuple[tuple[str, str, float], ...]:
    if speller is None:
        return tuple(matches(row.source, row.text_id))
    query = row.unmasked_source
    found = matches(query, row.text_id)
    return tuple(masked_match(match, query, row.slots, speller) for match in found)


def masked_match(
    match: tuple[str, str, float], query: str, slots: dict[str, str], speller: NameSpeller
) -> tuple[str, str, float]:
    """A memory match in the query's placeholders: in its transliteration the names that are or
    stand for the query's names, in its translation (already respelled with the query's names)
    the query's names. A placeholder means the same person on both sides and in the answer."""
    source, translation, similarity = match
    return mask_as_query(source, query, slots, speller), mask_target(translation, slots), similarity


def mask_names_in(segments: pd.DataFrame, speller: NameSpeller) -> pd.DataFrame:
    """Segments with names as numbered placeholders in ``source`` (and in ``reference`` where
    there is one), the source as written in ``unmasked_source`` (what the memory is asked with)
    and a ``slots`` column (placeholder -> spelling) to fill them back."""
    masked = [mask_names(src, speller) for src in segments["source"]]
    out = segments.assign(
        unmasked_source=segments["source"],
        source=[m for m, _ in masked],
        slots=[slots for _, slots in masked],
    )
    if "reference" in out.columns:
        out["reference"] = [
            mask_target(ref, slots)
            for ref, slots in zip(out["reference"], out["slots"], strict=True)
        ]
    return out


def sft_records(segments: pd.DataFrame, inputs: Sequence[PromptInput], variant: str) -> list[dict]:
    """Conversational prompt/completion records (trl computes the loss on the completion only)."""
    v = get_variant(variant)
    return [
        {
            "prompt": build_messages(v, item),
            "completion": [{"role": "assistant", "content": ref}],
        }
        for item, ref in zip(inputs, segments["reference"], strict=True)
    ]


def prediction_records(
    segments: pd.DataFrame, inputs: Sequence[PromptInput], variant: str
) -> list[dict[str, Any]]:
    v = get_variant(variant)
    records = [
        {"id": seg_id, "prompt": build_messages(v, item)}
        for seg_id, item in zip(segments["id"], inputs, strict=True)
    ]
    if "slots" in segments.columns:  # what generation fills the placeholders back with
        for record, slots in zip(records, segments["slots"], strict=True):
            record["slots"] = slots
    return records
