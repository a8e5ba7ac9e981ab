"""Qwen3 built from scratch: tokenizer, chat template, save/load, LoRA factory, device choice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from deep_past.modeling.base import (
    EMPTY_THINK,
    build_scratch_model,
    choose_device,
    load_model_and_tokenizer,
    lora_config,
    quantization_config,
)

# The tiny model (tiny_dir) and its loaded copy (tiny) are fixtures of conftest.py.


def test_saved_like_a_hub_model(tiny_dir: Path) -> None:
    names = {p.name for p in tiny_dir.iterdir()}
    assert {"config.json", "generation_config.json", "tokenizer.json"} <= names
    assert any(n.endswith(".safetensors") for n in names)


def test_tokenizer_round_trip_keeps_transliteration_and_gap(tiny) -> None:
    _, tok = tiny
    text = "a-na <gap> ṣí-lá-{d}IM 1.5 GÍN KÙ.BABBAR, Ilī-dan ½ ma-na"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text
    assert tok.convert_tokens_to_ids("<gap>") in ids  # one token, not split
    # <gap> is a normal token: skipping special tokens must keep it.
    assert "<gap>" in tok.decode(ids, skip_special_tokens=True)


def test_special_tokens_and_padding(tiny) -> None:
    model, tok = tiny
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    assert tok.padding_side == "left"
    for t in ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>"):
        assert len(tok(t, add_special_tokens=False)["input_ids"]) == 1
    gen = model.generation_config
    assert tok.eos_token_id in gen.eos_token_id and gen.pad_token_id == tok.pad_token_id


MESSAGES = [
    {"role": "system", "content": "Translate Old Assyrian into English."},
    {"role": "user", "content": "a-na a-šur-i-dí qí-bi-ma"},
]


def test_chat_template_thinking_off_adds_exact_empty_think_block(tiny) -> None:
    _, tok = tiny
    text = tok.apply_chat_template(
        MESSAGES, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert text == (
        "<|im_start|>system\nTranslate Old Assyrian into English.<|im_end|>\n"
        "<|im_start|>user\na-na a-šur-i-dí qí-bi-ma<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    assert text.endswith(EMPTY_THINK)
    thinking = tok.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    assert thinking.endswith("<|im_start|>assistant\n")


def test_chat_template_training_text_extends_generation_prompt(tiny) -> None:
    """As in Qwen3: the final answer carries the empty think block, so the prompt rendered for
    generation is a token prefix of prompt + completion (what trl trains on)."""
    _, tok = tiny
    answer = {"role": "assistant", "content": "Say to Aššur-idī:"}
    prompt = tok.apply_chat_template(
        MESSAGES, add_generation_prompt=True, enable_thinking=False, tokenize=False
    )
    full = tok.apply_chat_template([*MESSAGES, answer], enable_thinking=False, tokenize=False)
    assert full == prompt + "Say to Aššur-idī:<|im_end|>\n"
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    f_ids = tok(full, add_special_tokens=False)["input_ids"]
    assert f_ids[: len(p_ids)] == p_ids
    # Earlier assistant turns lose their think block, like Qwen3's template.
    multi = [*MESSAGES, {"role": "assistant", "content": "<think>\nhm\n</think>\n\nA"}, MESSAGES[1]]
    history = tok.apply_chat_template(multi, tokenize=False)
    assert "<|im_start|>assistant\nA<|im_end|>" in history and "hm" not in history


def test_model_is_small_qwen3_with_tied_embeddings(tiny) -> None:
    model, tok = tiny
    assert type(model).__name__ == "Qwen3ForCausalLM"
    cfg = model.config
    assert cfg.tie_word_embeddings and cfg.vocab_size == len(tok)
    assert cfg.head_dim * cfg.num_attention_heads == cfg.hidden_size
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert model.num_parameters() < 1_000_000


def test_save_load_round_trip_gives_same_logits(tiny, tmp_path: Path) -> None:
    model, tok = tiny
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    again, tok2 = load_model_and_tokenizer(tmp_path, device="cpu")
    ids = tok(["a-na KÙ.BABBAR"], return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(model(**ids).logits, again(**ids).logits)
    assert tok2.chat_template == tok.chat_template


def test_build_is_deterministic(tiny_dir: Path, demo_texts: list[str], tmp_path: Path) -> None:
    other = build_scratch_model(demo_texts, tmp_path / "again")
    assert (other / "tokenizer.json").read_text() == (tiny_dir / "tokenizer.json").read_text()
    a, _ = load_model_and_tokenizer(tiny_dir, device="cpu")
    b, _ = load_model_and_tokenizer(other, device="cpu")
    for (name, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(pa, pb), name


def test_lora_targets_every_linear_layer(tiny_dir: Path) -> None:
    from peft import get_peft_model

    model, _ = load_model_and_tokenizer(tiny_dir, device="cpu")
    peft_model = get_peft_model(model, lora_config(rank=4, alpha=None, dropout=0.0))
    adapted = {n.split(".")[-1] for n, m in peft_model.named_modules() if hasattr(m, "lora_A")}
    linear = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert adapted == linear  # lm_head is left alone (tied to the embeddings)
    assert peft_model.peft_config["default"].lora_alpha == 8


def test_factories_return_none_or_reject() -> None:
    assert quantization_config(None) is None
    q = quantization_config("nf4", "cpu")
    assert q.load_in_4bit and q.bnb_4bit_quant_type == "nf4" and q.bnb_4bit_use_double_quant
    assert q.bnb_4bit_compute_dtype == torch.float32
    with pytest.raises(ValueError, match="unknown quantization"):
        quantization_config("int3")
    with pytest.raises(ValueError, match="rank"):
        lora_config(0)


@pytest.mark.parametrize("bf16, compute", [(True, torch.bfloat16), (False, torch.float16)])
def test_nf4_computes_in_bf16_only_where_the_gpu_has_it(monkeypatch, bf16, compute) -> None:
    # Kaggle's T4 has no bf16: its QLoRA compute is fp16.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    assert quantization_config("nf4", "cuda").bnb_4bit_compute_dtype == compute


def test_choose_device() -> None:
    expected = "cuda" if torch.cuda.is_available() else None
    assert choose_device("cpu") == "cpu"
    assert choose_device("auto", "nf4") in ("cuda", "cpu")  # never MPS with 4-bit
    if expected:
        assert choose_device() == expected
    with pytest.raises(ValueError, match="unknown device"):
        choose_device("tpu")


@pytest.mark.slow
def test_nf4_loads_on_cpu(tiny_dir: Path) -> None:
    model, tok = load_model_and_tokenizer(tiny_dir, quantization="nf4", device="cpu")
    assert model.is_loaded_in_4bit
    assert type(model.model.layers[0].self_attn.q_proj).__name__ == "Linear4bit"
    with torch.no_grad():
        logits = model(**tok(["a-na"], return_tensors="pt")).logits
    assert torch.isfinite(logits).all()


def test_compact_template_drops_the_system_turn_and_think_block(
    demo_texts: list[str], tmp_path: Path
) -> None:
    """The from-scratch preset: prompts hold only the user turn, and training text still
    extends the generation prompt token for token."""
    out = build_scratch_model(demo_texts, tmp_path / "compact", chat_template="compact")
    _, tok = load_model_and_tokenizer(out, device="cpu")
    prompt = tok.apply_chat_template(
        MESSAGES, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert prompt == "<|im_start|>user\na-na a-šur-i-dí qí-bi-ma<|im_end|>\n<|im_start|>assistant\n"
    answer = {"role": "assistant", "content": "Say to Aššur-idī:"}
    full = tok.apply_chat_template([*MESSAGES, answer], enable_thinking=False, tokenize=False)
    assert full == prompt + "Say to Aššur-idī:<|im_end|>\n"
    with pytest.raises(ValueError, match="chat_template"):
        build_scratch_model(demo_texts, tmp_path / "bad", chat_template="llama")


def test_scratch_tokenizer_round_trips_every_character_of_the_data(tiny, demo_dir: Path) -> None:
    """Byte-level BPE: every character of the demo data (diacritics, fractions, determinative
    braces, subscripts, quotes) comes back from encode + decode."""
    _, tok = tiny
    text = "".join(
        pd.read_csv(demo_dir / name, dtype=str, keep_default_na=False).to_csv(index=False)
        for name in ("train.csv", "test.csv", "references.csv")
    )
    chars = sorted(set(text) - {"\r"})
    assert len(chars) > 80
    for char in chars:
        ids = tok(char, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == char, repr(char)
    line = "".join(chars)
    assert tok.decode(tok(line, add_special_tokens=False)["input_ids"]) == line


def test_sizes_of_a_scratch_model(demo_texts: list[str], tmp_path: Path) -> None:
    out = build_scratch_model(
        demo_texts, tmp_path / "sized", hidden_size=32, intermediate_size=48, num_layers=3
    )
    model, _ = load_model_and_tokenizer(out, device="cpu")
    cfg = model.config
    assert (cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers) == (32, 48, 3)
    assert build_scratch_model(demo_texts, tmp_path / "default") and (
        load_model_and_tokenizer(tmp_path / "default", device="cpu")[0].config.intermediate_size
        == 128
    )


def test_a_checkpoint_is_an_adapter_or_a_whole_model(tiny_dir: Path, tmp_path: Path) -> None:
    from deep_past.modeling.base import is_full_checkpoint

    assert is_full_checkpoint(tiny_dir)
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    assert not is_full_checkpoint(tmp_path / "adapter")
    with pytest.raises(FileNotFoundError, match="neither"):
        is_full_checkpoint(tmp_path)


def test_quantization_mode_is_the_one_spelling_of_off():
    from deep_past.modeling.base import quantization_mode

    assert [quantization_mode(v) for v in ("none", "", None, "nf4")] == [None, None, None, "nf4"]
