"""Models: Qwen3 built from scratch, hub/local loading, LoRA/QLoRA factories and device choice.

No machine of this project reaches a model hub, so the project builds its own small
``Qwen3ForCausalLM`` of the real architecture with a BPE tokenizer trained on the data
(:func:`build_scratch_model`), pre-trains and fine-tunes it, and ships the result as the default
base (``resources/models/``). It is saved like any HF model directory, so every later step (LoRA,
QLoRA, full fine-tuning, generation, merging) runs the same code as with ``Qwen/Qwen3-1.7B``.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deep_past.io import read_json

if TYPE_CHECKING:
    from peft import LoraConfig
    from transformers import BitsAndBytesConfig, PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

IM_START, IM_END, END_OF_TEXT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
GAP = "<gap>"
EMPTY_THINK = f"{THINK_OPEN}\n\n{THINK_CLOSE}\n\n"
QUANTIZATIONS = ("nf4",)
OFF = ("none", "")  # how a config or a command line says "no quantization"


def quantization_mode(value: str | None) -> str | None:
    """The code's spelling of a configured quantization: None (LoRA, full) or "nf4" (QLoRA)."""
    return None if value is None or value in OFF else value


# Our own Jinja chat template, written to render exactly like Qwen3's for the cases we use:
# ChatML turns; an assistant turn after the last user turn starts with a think block (an empty
# one when the message has none), earlier assistant turns lose theirs; the generation prompt
# opens an assistant turn and, with enable_thinking=False, closes an empty think block so the
# model answers directly. Training text (prompt+completion) therefore holds the empty block at
# the same place as generation, and the prompt alone is a token prefix of prompt+completion.
CHAT_TEMPLATE = (
    "{%- set ns = namespace(last_user=-1) -%}"
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}"
    "{%- endfor -%}"
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'assistant' -%}"
    "{%- set answer = m['content'] -%}"
    "{%- set thought = '' -%}"
    "{%- if '</think>' in answer -%}"
    "{%- set thought = answer.split('</think>')[0].split('<think>')[-1].strip('\\n') -%}"
    "{%- set answer = answer.split('</think>')[-1].lstrip('\\n') -%}"
    "{%- endif -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- if loop.index0 > ns.last_user -%}"
    "{{- '<think>\\n' + thought + '\\n</think>\\n\\n' -}}"
    "{%- endif -%}"
    "{{- answer + '<|im_end|>\\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- if enable_thinking is defined and enable_thinking is false -%}"
    "{{- '<think>\\n\\n</think>\\n\\n' -}}"
    "{%- endif -%}"
    "{%- endif -%}"
)

# The from-scratch model's template: ChatML turns without the system turn and without think
# blocks. A model that learns translation from nothing gains nothing from an instruction, and
# on CPU every prompt token costs training time (the system prompt alone is ~40 tokens).
COMPACT_CHAT_TEMPLATE = (
    "{%- for m in messages -%}"
    "{%- if m['role'] != 'system' -%}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)
CHAT_TEMPLATES = {"qwen3": CHAT_TEMPLATE, "compact": COMPACT_CHAT_TEMPLATE}


def choose_device(prefer: str = "auto", quantization: str | None = None) -> str:
    """CUDA when present, else Apple MPS (bitsandbytes 4-bit has no MPS kernels), else CPU.

    ``prefer`` other than "auto" is honoured when that device exists, else a clear error.
    """
    import torch

    mps = torch.backends.mps.is_available() and quantization is None
    available = {"cuda": torch.cuda.is_available(), "mps": mps, "cpu": True}
    if prefer == "auto":
        return next(name for name, ok in available.items() if ok)
    if prefer not in available:
        raise ValueError(f"unknown device {prefer!r}: use auto, cuda, mps or cpu")
    if not available[prefer]:
        why = " with 4-bit quantization" if prefer == "mps" and quantization else ""
        raise ValueError(f"device {prefer!r} is not available on this machine{why}")
    return prefer


def _train_tokenizer(texts: Iterable[str], vocab_size: int) -> Any:
    """Byte-level BPE (like Qwen's) trained on the data; returns a ``tokenizers.Tokenizer``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    # NFC so that precomposed diacritics of the transliterations (š, ṣ, á) are single symbols.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[END_OF_TEXT, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def _wrap_tokenizer(raw: Any, chat_template: str = "qwen3") -> PreTrainedTokenizerBase:
    from tokenizers import AddedToken
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        padding_side="left",
        clean_up_tokenization_spaces=False,
        model_max_length=4096,
    )
    # As in Qwen3, the think markers are added but not "special": decoding with
    # skip_special_tokens keeps them, and postprocessing strips think blocks. <gap> is a single
    # normal token so generations keep the competition's gap marker intact.
    extra = [THINK_OPEN, THINK_CLOSE, GAP]
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in extra])
    try:
        tokenizer.chat_template = CHAT_TEMPLATES[chat_template]
    except KeyError:
        raise ValueError(
            f"unknown chat_template {chat_template!r}: use one of {sorted(CHAT_TEMPLATES)}"
        ) from None
    return tokenizer


def build_scratch_model(
    texts: Sequence[str],
    out_dir: str | Path,
    *,
    vocab_size: int = 2048,
    hidden_size: int = 64,
    intermediate_size: int | None = None,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    max_position_embeddings: int = 2048,
    attention_dropout: float = 0.0,
    chat_template: str = "qwen3",
    seed: int = 0,
) -> Path:
    """Train a tokenizer on ``texts``, build a random ``Qwen3ForCausalLM`` and save both.

    Deterministic given the texts and the seed. The layout mirrors Qwen3-1.7B in miniature:
    grouped-query attention, tied embeddings, ChatML tokens, ``<|im_end|>`` as eos.
    ``intermediate_size`` defaults to twice the hidden size; ``chat_template`` is ``qwen3``
    (Qwen3's rendering) or ``compact`` (no system turn, no think block: shorter prompts).
    """
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    if not texts:
        raise ValueError("build_scratch_model needs some texts to train the tokenizer on")
    if hidden_size % num_heads or num_heads % num_kv_heads:
        raise ValueError(
            f"hidden_size ({hidden_size}) must divide by num_heads ({num_heads}) and num_heads by "
            f"num_kv_heads ({num_kv_heads})"
        )
    tokenizer = _wrap_tokenizer(_train_tokenizer(texts, vocab_size), chat_template)
    eos_id = tokenizer.convert_tokens_to_ids(IM_END)
    pad_id = tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size or 2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        head_dim=hidden_size // num_heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        attention_dropout=attention_dropout,
        bos_token_id=pad_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        dtype="float32",
    )
    # fork_rng so building a model does not disturb the caller's random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen3ForCausalLM(config)
    # Like Qwen3's own generation config: stop on end-of-turn or end-of-text.
    model.generation_config = GenerationConfig(
        eos_token_id=[eos_id, pad_id], pad_token_id=pad_id, bos_token_id=pad_id
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    log.info(
        "scratch Qwen3 (%d parameters, vocab %d) saved to %s",
        model.num_parameters(),
        len(tokenizer),
        out,
    )
    return out


def quantization_config(name: str | None, device: str = "cpu") -> BitsAndBytesConfig | None:
    """NF4 with double quantization (QLoRA recipe); None when quantization is off."""
    if name is None or name in ("", "none"):
        return None
    if name not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {name!r}: use one of {QUANTIZATIONS} or None")
    import torch
    from transformers import BitsAndBytesConfig

    # bf16 compute on GPUs that have it, fp16 on those that do not (Kaggle's T4); the CPU
    # kernels of bitsandbytes are exact and fast enough in fp32.
    if device != "cuda":
        compute = torch.float32
    else:
        compute = torch.bfloat16 if _has_bf16() else torch.float16
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )


def lora_config(
    rank: int,
    alpha: int | None = None,
    dropout: float = 0.05,
    target_modules: str | list[str] = "all-linear",
) -> LoraConfig:
    """LoRA on every linear layer (QLoRA practice; peft's qwen3 default is q/v only).

    ``alpha`` defaults to twice the rank.
    """
    from peft import LoraConfig

    if rank <= 0:
        raise ValueError(f"LoRA rank must be positive, got {rank}")
    return LoraConfig(
        r=rank,
        lora_alpha=alpha if alpha is not None else 2 * rank,
        lora_dropout=dropout,
        target_modules=target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )


def _has_bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def _torch_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        if device == "cuda" and _has_bf16():
            return torch.bfloat16
        return torch.float32
    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
            dtype
        ]
    except KeyError:
        raise ValueError(
            f"unknown dtype {dtype!r}: use auto, float32, bfloat16 or float16"
        ) from None


def _attention(requested: str | None, device: str) -> str:
    if requested:
        return requested
    if device == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def is_full_checkpoint(path: str | Path) -> bool:
    """Whether a run's checkpoint holds a whole model (full fine-tuning) rather than a LoRA
    adapter; a directory with neither is an error."""
    path = Path(path)
    if (path / "adapter_config.json").is_file():
        return False
    if (path / "config.json").is_file():
        return True
    raise FileNotFoundError(f"{path} holds neither a LoRA adapter nor a model")


def load_model_and_tokenizer(
    name_or_path: str | Path,
    *,
    quantization: str | None = None,
    device: str | None = None,
    dtype: str = "auto",
    adapter: str | Path | None = None,
    attn_implementation: str | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer from a hub name or a local directory.

    ``quantization="nf4"`` loads 4-bit weights (QLoRA); ``adapter`` is a run's ``final`` or
    ``checkpoint-N`` directory: a LoRA adapter applied to the base, or, after full fine-tuning,
    the whole model loaded in the base's place. The tokenizer pads on the left, as batched
    generation needs.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = choose_device(device or "auto", quantization)
    if adapter is not None and is_full_checkpoint(adapter):
        # A fully fine-tuned run's checkpoint is the whole model (weights and tokenizer).
        name_or_path, adapter = adapter, None
    torch_dtype = _torch_dtype(dtype, device)
    quant = quantization_config(quantization, device)
    # An explicit quantization_config=None would override a saved 4-bit checkpoint's own config.
    extra = {"quantization_config": quant} if quant is not None else {}
    model = AutoModelForCausalLM.from_pretrained(
        str(name_or_path),
        # Unquantized parts (norms, embeddings) must match the fp32 compute dtype of CPU NF4.
        dtype=torch.float32 if quant is not None and device == "cpu" else torch_dtype,
        attn_implementation=_attention(attn_implementation, device),
        **extra,
        # Load straight onto the device: no second full copy in CPU memory for a 1.7B model.
        device_map={"": device},
    )
    # Checkpoints saved during training carry use_cache=False; generation needs the KV cache.
    model.config.use_cache = True
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), padding_side="left")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    return model, tokenizer


MANIFEST = "base_model.json"


def base_model_path(base_dir: str | Path) -> str:
    """What ``from_pretrained`` should load for the base model recorded in ``base_dir``."""
    manifest = read_json(Path(base_dir) / MANIFEST)
    return str(base_dir) if manifest["path"] == "." else manifest["path"]
