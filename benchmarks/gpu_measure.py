"""The measurements of benchmarks/gpu.py, each through the project's own code: demo prompts
(corpus.segments + prompts), LoRA/QLoRA steps (modeling.train.build_trainer), batched greedy
generation (modeling.generate) and the precision probe's logit check (modeling.precision).

Qwen3-1.7B is built with random weights from its published config.json values: no hub, and
speed does not depend on what the weights hold. Its token ids come from the demo's tiny BPE
tokenizer (all below 151,936), so prompt lengths are that tokenizer's, not Qwen's.
"""

from __future__ import annotations

import contextlib
import gc
import resource
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deep_past.corpus.segments import competition_segments, training_segments
from deep_past.io import TEST, read_table
from deep_past.prompting.records import prediction_records, prompt_inputs, sft_records
from deep_past.prompting.registry import get_variant
from deep_past.text.preprocess import preprocess_test

PROMPT = "plain"  # no hint tables needed; the prompt the demo graph trains
# Qwen/Qwen3-1.7B config.json (published): the shape deep_past.kaggle.budget knows it by.
QWEN3_1_7B = {
    "hidden_size": 2048,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "intermediate_size": 6144,
    "vocab_size": 151_936,
    "tie_word_embeddings": True,
    "max_position_embeddings": 40_960,
    "rope_theta": 1_000_000.0,
    "rms_norm_eps": 1e-6,
}
# The same layout in miniature, for the CPU smoke run.
QWEN3_SMOKE = {
    **QWEN3_1_7B,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "intermediate_size": 128,
    "vocab_size": 8192,  # above the shipped base tokenizer's 5,641 tokens
}


@dataclass
class DemoData:
    train_records: list[dict[str, Any]]  # SFT prompt/completion records (training documents)
    prompts: list[list[dict[str, str]]]  # prediction prompts: test segments, then train sentences


def demo_data(demo_dir: Path, data_cfg: dict[str, Any], work: Path) -> DemoData:
    """The demo's training records and prediction prompts as the pipeline builds them (its
    preprocess_train and pairs steps write their files under ``work``)."""
    from deep_past.io import read_frame
    from deep_past.steps.dataset import pairs_files
    from deep_past.steps.preprocess import preprocess_train_file

    preprocess_train_file(demo_dir / "train.csv", work / "train.csv")
    pairs_files(
        work / "train.csv",
        demo_dir / "Sentences_Oare_FirstWord_LinNum.csv",
        work / "pairs.csv",
        work / "val.csv",
        work / "alignment_stats.json",
        val_fraction=data_cfg["val_fraction"],
        split_seed=data_cfg["split_seed"],
        alignment=data_cfg["alignment"],
    )
    pairs = read_frame(work / "pairs.csv")
    variant = get_variant(PROMPT)
    train_segments = training_segments(pairs)
    records = sft_records(train_segments, prompt_inputs(train_segments, variant), PROMPT)
    test = competition_segments(preprocess_test(read_table(demo_dir / "test.csv", TEST)))
    extra = train_segments[train_segments["id"].str.contains(":sentence")]  # test-shaped
    prompts = [
        r["prompt"]
        for segments in (test, extra)
        for r in prediction_records(segments, prompt_inputs(segments, variant), PROMPT)
    ]
    return DemoData(records, prompts)


def build_random_qwen3(out: Path, tokenizer_dir: Path, shape: dict[str, Any], device: str) -> Path:
    """Qwen3ForCausalLM of ``shape`` with random weights (bf16 on CUDA, fp32 on CPU, as the
    project loads it there), saved with the tokenizer of ``tokenizer_dir``."""
    import torch
    from transformers import AutoTokenizer, GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    if len(tokenizer) > shape["vocab_size"]:
        raise ValueError(f"tokenizer of {len(tokenizer)} tokens exceeds the vocabulary {shape}")
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    config = Qwen3Config(**shape, bos_token_id=pad, eos_token_id=eos, pad_token_id=pad)
    with torch.random.fork_rng(devices=[]), torch.device(device):
        torch.manual_seed(0)
        model = Qwen3ForCausalLM(config).to(dtype)
    model.generation_config = GenerationConfig(eos_token_id=[eos, pad], pad_token_id=pad)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    del model
    free_memory()
    return out


def free_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def peak_gib() -> dict[str, float]:
    """Peak GPU memory allocated since ``reset_peak`` (CUDA) or the process's peak RSS (CPU,
    never reset: a high-water mark of the whole run)."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
        return {"peak_gib": torch.cuda.max_memory_allocated() / 2**30}
    return {"peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


# ---------------------------------------------------------------- training


def _step_timer() -> Any:
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        """Time and trl's cumulative ``num_tokens`` at every logged step (logging_steps=1)."""

        def __init__(self) -> None:
            self.marks: list[tuple[float, float]] = []

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "num_tokens" in logs:
                sync()
                self.marks.append((time.perf_counter(), float(logs["num_tokens"])))

    return StepTimer()


def measure_training(
    model_dir: Path,
    train_jsonl: Path,
    out_dir: Path,
    *,
    hparams: dict[str, Any],
    steps: int,
    warmup: int,
    device: str,
    quantization: str | None,
) -> dict[str, Any]:
    """``steps`` optimiser steps of the project's trainer; tokens/s over the steps after
    ``warmup`` (trl counts the real, unpadded tokens)."""
    from deep_past.modeling.train import TrainConfig, build_trainer

    cfg = TrainConfig(
        model=str(model_dir),
        train_file=str(train_jsonl),
        output_dir=str(out_dir),
        lora_rank=hparams["lora_rank"],
        lora_alpha=hparams["lora_rank"] * hparams["lora_alpha_ratio"],
        lora_dropout=hparams["lora_dropout"],
        learning_rate=hparams["learning_rate"],
        per_device_batch_size=hparams["batch_size"],
        max_length=hparams["max_length"],
        max_steps=steps,
        save_steps=steps + 1,  # no checkpoint inside the measurement
        logging_steps=1,
        warmup_ratio=0.0,
        report_to="none",
        quantization=quantization,
        device=device,
    )
    timer = _step_timer()
    reset_peak()
    start = time.perf_counter()
    trainer = build_trainer(cfg, callbacks=[timer])
    built = time.perf_counter()
    trainer.train()
    (t0, n0), (t1, n1) = timer.marks[warmup - 1], timer.marks[-1]
    peft_model = trainer.model
    base = peft_model.get_base_model() if hasattr(peft_model, "get_base_model") else peft_model
    result = {
        "quantization": quantization or "none",
        "dtype": "bfloat16" if trainer.args.bf16 else "float32",
        "attention": base.config._attn_implementation,
        "batch_size": hparams["batch_size"],
        "max_length": hparams["max_length"],
        "lora_rank": hparams["lora_rank"],
        "steps_timed": len(timer.marks) - warmup,
        "tokens_per_s": (n1 - n0) / (t1 - t0),
        "s_per_step": (t1 - t0) / (len(timer.marks) - warmup),
        "mean_tokens_per_step": (n1 - n0) / (len(timer.marks) - warmup),
        "load_s": built - start,
        **peak_gib(),
    }
    del trainer, base, peft_model
    free_memory()
    return result


# ---------------------------------------------------------------- generation


@dataclass
class Captured:
    """What ``model.generate`` received and wrote, call by call (batches in the order
    deep_past.modeling.generate runs them)."""

    prompts: list[list[list[int]]] = field(default_factory=list)  # unpadded prompt ids per row
    new: list[Any] = field(default_factory=list)  # new-token id tensors, rows x steps


@contextlib.contextmanager
def capture(model: Any) -> Iterator[Captured]:
    """Record every ``model.generate`` call made inside the block."""
    inner, seen = model.generate, Captured()

    def generate(**kwargs: Any) -> Any:
        out = inner(**kwargs)
        ids, mask = kwargs["input_ids"], kwargs["attention_mask"]
        seen.prompts.append([row[m.bool()].tolist() for row, m in zip(ids, mask, strict=True)])
        seen.new.append(out[:, ids.shape[1] :].cpu())
        return out

    model.generate = generate
    try:
        yield seen
    finally:
        del model.generate  # the class's method again


def fixed_length(model: Any) -> None:
    """No early stop: every row writes the whole budget (the budget's worst case), so the
    token counts of all batch sizes and dtypes are comparable."""
    model.generation_config.eos_token_id = None


def measure_generation(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[list[dict[str, str]]],
    *,
    batch_sizes: Sequence[int],
    prompts_per_batch_size: dict[int, int],
    new_tokens: int,
) -> dict[str, Any]:
    """Greedy generation through modeling.generate at each batch size: new tokens/s, seconds
    per decoding step (prefill spread over the steps) and peak memory."""
    from deep_past.modeling.generate import GenerateConfig, generate

    fixed_length(model)
    warm = GenerateConfig(batch_size=2, max_new_tokens=4, min_new_tokens=4)
    generate(model, tokenizer, list(prompts[:2]), warm)  # CUDA context, kernels, allocator
    batches: dict[str, Any] = {}
    for size in batch_sizes:
        chosen = list(prompts[: prompts_per_batch_size[size]])
        cfg = GenerateConfig(batch_size=size, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
        reset_peak()
        with capture(model) as seen:
            sync()
            start = time.perf_counter()
            generate(model, tokenizer, chosen, cfg)
            sync()
            wall = time.perf_counter() - start
        tokens = sum(t.numel() for t in seen.new)
        steps = sum(t.shape[1] for t in seen.new)
        lengths = [len(p) for call in seen.prompts for p in call]
        batches[str(size)] = {
            "prompts": len(chosen),
            "calls": len(seen.new),
            "mean_prompt_tokens": sum(lengths) / len(lengths),
            "new_tokens": tokens,
            "wall_s": wall,
            "tokens_per_s": tokens / wall,
            "step_s": wall / steps,
            **peak_gib(),
        }
    first, last = str(batch_sizes[0]), str(batch_sizes[-1])
    return {
        "dtype": str(model.dtype).removeprefix("torch."),
        "attention": model.config._attn_implementation,
        "new_tokens_per_row": new_tokens,
        "batches": batches,
        "ratio_last_first": batches[last]["tokens_per_s"] / batches[first]["tokens_per_s"],
    }


# ---------------------------------------------------------------- precision


def greedy_ids(
    model: Any, tokenizer: Any, prompts: Sequence[list[dict[str, str]]], new_tokens: int
) -> Captured:
    from deep_past.modeling.generate import GenerateConfig, generate

    fixed_length(model)
    cfg = GenerateConfig(batch_size=16, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    with capture(model) as seen:
        generate(model, tokenizer, list(prompts), cfg)
    return seen


def compare_ids(reference: Captured, other: Captured) -> dict[str, Any]:
    """Rows whose greedy ids equal the reference's, and the mean share of the common prefix."""
    identical, prefix, rows = 0, 0.0, 0
    for ref, got in zip(reference.new, other.new, strict=True):
        for a, b in zip(ref.tolist(), got.tolist(), strict=True):
            same = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a))
            identical += same == len(a)
            prefix += same / len(a)
            rows += 1
    return {"identical": identical, "total": rows, "mean_common_prefix": prefix / rows}


def measure_precision(
    model_dir: Path,
    prompts: Sequence[list[dict[str, str]]],
    *,
    dtypes: Sequence[str],
    new_tokens: int,
    device: str,
) -> dict[str, Any]:
    """Greedy ids in each dtype against fp32's, and the logit check of modeling.precision on
    the prompts followed by fp32's continuation (the same inputs for every dtype)."""
    from deep_past.modeling.base import load_model_and_tokenizer
    from deep_past.modeling.precision import logit_health

    results: dict[str, Any] = {}
    reference: Captured | None = None
    for dtype in dtypes:
        model, tokenizer = load_model_and_tokenizer(str(model_dir), dtype=dtype, device=device)
        seen = greedy_ids(model, tokenizer, prompts, new_tokens)
        reference = reference or seen
        sequences = [
            p + n
            for call, new in zip(reference.prompts, reference.new, strict=True)
            for p, n in zip(call, new.tolist(), strict=True)
        ]
        results[dtype] = {
            **compare_ids(reference, seen),
            **logit_health(model, sequences, tokenizer.pad_token_id),
        }
        del model
        free_memory()
    return {"reference": dtypes[0], "new_tokens_per_row": new_tokens, "dtypes": results}
