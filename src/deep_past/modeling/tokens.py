"""Prompt length as the base model sees it: its tokenizer's count and its context size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deep_past.modeling.base import base_model_path
from deep_past.prompting.registry import Messages


def token_counter(base_dir: str | Path) -> Callable[[Messages], int]:
    """Tokens of a chat prompt as the base model's tokenizer renders it for generation."""
    from transformers import AutoTokenizer

    from deep_past.modeling.generate import render_prompts

    tokenizer = AutoTokenizer.from_pretrained(base_model_path(base_dir))

    def count(messages: Messages) -> int:
        text = render_prompts(tokenizer, [messages])[0]
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count


def model_context(base_dir: str | Path) -> int | None:
    """Positions the base model was built for (None when its config does not say)."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(base_model_path(base_dir))
    return getattr(config, "max_position_embeddings", None)
