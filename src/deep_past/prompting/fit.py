"""Prompts within the token budget: long sources cut into pieces, hints and shots trimmed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deep_past.prompting.registry import (
    Messages,
    PromptInput,
    PromptVariant,
    build_messages,
    fit_to_budget,
)
from deep_past.text.long_sources import cut_to_fit

log = logging.getLogger(__name__)


def cut_long_segments(
    segments: pd.DataFrame,
    variant: PromptVariant,
    count: Callable[[Messages], int],
    max_tokens: int,
    where: str | Path,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per piece: a segment whose source alone makes a prompt over ``max_tokens`` is cut
    at word boundaries into pieces that fit (same id, in order; the predictions join them); a
    word that fits no prompt is truncated. Each is logged naming the segment's row of ``where``."""

    def source_only(text: str) -> int:
        return count(build_messages(variant, PromptInput(source=text)))

    if (fixed := source_only("")) > max_tokens:
        raise ValueError(
            f"prompt budget of {max_tokens} tokens (config data.prompt_max_tokens) is below the "
            f"{fixed} tokens of a '{variant.name}' prompt without its source: raise it"
        )
    rows, cut, truncated = [], 0, 0
    for number, row in enumerate(segments.to_dict("records"), start=1):
        pieces = cut_to_fit(row["source"], source_only, max_tokens)
        if len(pieces.pieces) > 1 or pieces.truncated_words:
            cut += len(pieces.pieces) > 1
            truncated += bool(pieces.truncated_words)
            heads = ", ".join(w[:30] + "..." for w in pieces.truncated_words)
            log.warning(
                "%s row %d (id %s): source of %d characters over the prompt budget of %d tokens: "
                "%d pieces cut at word boundaries%s",
                where,
                number,
                row["id"],
                len(row["source"]),
                max_tokens,
                len(pieces.pieces),
                f"; truncated word(s) with no boundary to cut at: {heads}" if heads else "",
            )
        rows.extend({**row, "source": piece} for piece in pieces.pieces)
    stats = {"cut_segments": int(cut), "truncated_segments": truncated}
    return pd.DataFrame(rows, columns=segments.columns), stats


def fit_inputs(
    inputs: Sequence[PromptInput],
    variant: PromptVariant,
    count: Callable[[Messages], int],
    max_tokens: int,
) -> tuple[list[PromptInput], dict[str, Any]]:
    """Every prompt within ``max_tokens`` (hints and shots trimmed), with token statistics."""
    fitted, lengths, trimmed = [], [], 0
    for item in inputs:
        item, n, cut = fit_to_budget(variant, item, count, max_tokens)
        fitted.append(item)
        lengths.append(n)
        trimmed += cut
    stats = {
        "prompt": variant.name,
        "prompts": len(lengths),
        "prompt_tokens_mean": round(float(np.mean(lengths)), 1) if lengths else 0.0,
        "prompt_tokens_max": int(max(lengths, default=0)),
        "max_tokens": max_tokens,
        "trimmed": int(trimmed),
        "over_budget": int(sum(n > max_tokens for n in lengths)),  # the source alone is too long
    }
    return fitted, stats
