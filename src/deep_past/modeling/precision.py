"""Precision guard: does the model in a cheaper dtype (fp16 on a T4) still write what it wrote in
fp32? Qwen models are reported to overflow in fp16 (outputs of ``!!!!``); Kaggle's GPUs have no
bf16.

The export records a *probe* (``precision_probe.json``): a handful of validation prompts and the
model's greedy outputs for them, computed in fp32. Before its full run the notebook regenerates
them in the dtype it chose (``check``) and, when they differ or any logit on them is inf/nan,
reloads the model in fp32 (``guarded_load``) and says so (``describe``).

Inlined into the offline Kaggle notebook: torch is imported inside functions, and the only
package import is ``deep_past.modeling.generate``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from deep_past.modeling.generate import GenerateConfig, Messages, generate, render_prompts

PROBE_FILE = "precision_probe.json"
FALLBACK_DTYPE = "float32"
# Outputs whose regeneration must be identical (share of the probe prompts): the brief is strict.
MIN_IDENTICAL = 1.0
GREEDY = {"num_beams": 1, "do_sample": False, "num_return_sequences": 1}
# Keys of modeling.generate.GenerateConfig a probe keeps from the member's generation settings.
PROBE_KEYS = ("batch_size", "max_new_tokens", "max_new_tokens_ratio", "min_new_tokens", "seed")


def greedy_settings(generation: Mapping[str, Any]) -> dict[str, Any]:
    """The member's decoding settings made greedy: the dtype question is about the model, and
    beam search or sampling would hide (or invent) differences."""
    return {**{k: generation[k] for k in PROBE_KEYS if k in generation}, **GREEDY}


def probe_outputs(
    model: Any, tokenizer: Any, prompts: Sequence[Messages], generation: Mapping[str, Any]
) -> list[str]:
    """Greedy outputs, exactly as ``deep_past.modeling.generate`` writes them."""
    cfg = GenerateConfig(**greedy_settings(generation))
    return [out[0] for out in generate(model, tokenizer, prompts, cfg)]


def logit_health(
    model: Any, sequences: Sequence[Sequence[int]], pad_id: int, batch_size: int = 4
) -> dict[str, Any]:
    """Teacher-forced pass over token sequences: non-finite logits at real (unpadded)
    positions, and the largest finite |hidden state| (fp16's largest number is 65504)."""
    import torch

    device = next(model.parameters()).device
    nonfinite, positions, max_hidden = 0, 0, 0.0
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(sequences), batch_size):
            chunk = [list(s) for s in sequences[start : start + batch_size]]
            width = max(len(s) for s in chunk)
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, seq in enumerate(chunk):  # left padding, as in generation
                ids[row, width - len(seq) :] = torch.tensor(seq, dtype=torch.long)
                mask[row, width - len(seq) :] = 1
            out = model(
                input_ids=ids.to(device), attention_mask=mask.to(device), output_hidden_states=True
            )
            real = mask.to(device).bool()
            logits = out.logits[real]
            nonfinite += int((~torch.isfinite(logits)).sum())
            positions += int(real.sum())
            for hidden in out.hidden_states:
                values = hidden[real]
                finite = values[torch.isfinite(values)]
                if finite.numel():
                    max_hidden = max(max_hidden, float(finite.abs().max()))
    return {"nonfinite_logits": nonfinite, "positions": positions, "max_abs_hidden": max_hidden}


def text_sequences(tokenizer: Any, prompts: Sequence[Messages], outputs: Sequence[str]) -> list:
    """Token ids of each rendered prompt followed by its output."""
    texts = [p + o for p, o in zip(render_prompts(tokenizer, prompts), outputs, strict=True)]
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def check(model: Any, tokenizer: Any, probe: Mapping[str, Any]) -> dict[str, Any]:
    """Regenerate a member's probe in the model's current dtype and compare with the recorded
    fp32 outputs; ``ok`` when enough are identical and no logit on them is inf/nan."""
    prompts, reference = probe["prompts"], probe["outputs"]
    outputs = probe_outputs(model, tokenizer, prompts, probe["generation"])
    identical = [i for i, (a, b) in enumerate(zip(outputs, reference, strict=True)) if a == b]
    sequences = text_sequences(tokenizer, prompts, outputs)
    health = logit_health(model, sequences, tokenizer.pad_token_id)
    share = len(identical) / len(reference) if reference else 1.0
    minimum = probe.get("min_identical", MIN_IDENTICAL)
    return {
        "dtype": str(model.dtype).removeprefix("torch."),
        "identical": len(identical),
        "total": len(reference),
        "differing": [i for i in range(len(reference)) if i not in identical],
        **health,
        "ok": health["nonfinite_logits"] == 0 and share >= minimum,
    }


def guarded_load(
    load: Callable[[str], tuple[Any, Any]], dtype: str, probe: Mapping[str, Any] | None
) -> tuple[Any, Any, dict[str, Any]]:
    """``load(dtype)`` -> (model, tokenizer); checked against ``probe`` and loaded again in fp32
    when the check fails. Returns the model kept, its tokenizer and a report (``describe``)."""
    model, tokenizer = load(dtype)
    if probe is None:
        return model, tokenizer, {"requested": dtype, "checked": False}
    first = check(model, tokenizer, probe)
    report: dict[str, Any] = {"requested": dtype, "checked": True, "check": first}
    if first["ok"] or first["dtype"] == FALLBACK_DTYPE:
        return model, tokenizer, {**report, "dtype": first["dtype"], "fallback": False}
    del model  # both copies of a 1.7B model may not fit a 16 GB card
    gc.collect()
    _empty_cuda_cache()
    model, tokenizer = load(FALLBACK_DTYPE)
    second = check(model, tokenizer, probe)
    return model, tokenizer, {**report, "dtype": FALLBACK_DTYPE, "fallback": True, "after": second}


def _empty_cuda_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def describe(report: Mapping[str, Any]) -> str:
    """One line for the notebook's output."""
    if not report["checked"]:
        return f"precision guard: no probe recorded in the export; running {report['requested']}"
    c = report["check"]
    found = (
        f"{c['identical']}/{c['total']} greedy outputs identical to the export's fp32 ones, "
        f"{c['nonfinite_logits']} non-finite logits, max |hidden| {c['max_abs_hidden']:.4g}"
    )
    if not report["fallback"]:
        warn = "" if c["ok"] else " (differs even in fp32: kept, nothing safer to fall back to)"
        return f"precision guard: {c['dtype']} kept: {found}{warn}"
    a = report["after"]
    return (
        f"precision guard: {c['dtype']} REJECTED ({found}); falling back to {FALLBACK_DTYPE}: "
        f"{a['identical']}/{a['total']} identical, {a['nonfinite_logits']} non-finite logits"
    )


def record_probe(
    model: Any, tokenizer: Any, prompts: Sequence[Messages], generation: Mapping[str, Any]
) -> dict[str, Any]:
    """What the export stores for one member: its prompts, greedy settings and fp32 outputs."""
    settings = greedy_settings(generation)
    return {
        "prompts": list(prompts),
        "generation": settings,
        "outputs": probe_outputs(model, tokenizer, prompts, settings),
        "reference_dtype": str(model.dtype).removeprefix("torch."),
    }
