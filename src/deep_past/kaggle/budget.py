"""Kaggle time budget: measured throughput here, and an estimate of the offline run.

What is measured (from the predict step's outputs): the test prompts and sources, the new tokens
the model wrote, and its wall time (the predict job's timing.json, model load included), hence
tokens/s and sequences/s on this machine. What is assumed: the hardware table below (peak fp16
FLOP/s and memory bandwidth), the efficiencies, a fixed Python overhead per decoding step, and,
for a hub model whose tokenizer is not here, tokens per character. The estimate (a roofline
model, see ``estimate_run``):

    prefill(batch) = rows * longest_prompt * 2 * N_matmul / (FLOPs * eff_flops)
    step(batch)    = max((W_bytes + KV_bytes) / (BW * eff_bw),
                         2 * N_matmul * rows / (FLOPs * eff_flops)) + step_overhead
    total          = sum over batches (prefill + budget * step) / gpus_used + load + fixed overhead

where rows = batch_size * num_beams and ``budget`` is the batch's new-token budget from the
generation config (worst case: no early stop). These are the *paper* figures.

When a GPU benchmark of the same model shape is given (``benchmarks/gpu.py``'s JSON), its
*measured* decoding step times replace them: each batch costs ``budget`` steps of the measured
step time at its row count (interpolated between the measured batch sizes), scaled to the target
by the ratio of peak memory bandwidths (decoding reads every weight once per step). The result
says which figures it used. ``python -m deep_past.kaggle.budget --help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KAGGLE_LIMIT_HOURS = 9.0


@dataclass(frozen=True)
class ModelShape:
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    intermediate: int
    tied: bool = True

    def layer_matmul_params(self) -> int:
        q_o = 2 * self.hidden * self.heads * self.head_dim
        k_v = 2 * self.hidden * self.kv_heads * self.head_dim
        return q_o + k_v + 3 * self.hidden * self.intermediate  # gate, up, down

    def parameters(self) -> int:
        """All weights (norms included; tied embeddings counted once)."""
        norms = self.layers * (2 * self.hidden + 2 * self.head_dim) + self.hidden
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * self.layer_matmul_params() + norms + embeddings

    def matmul_params(self) -> int:
        """Weights multiplied per token: every layer plus the LM head (the lookup is free)."""
        return self.layers * self.layer_matmul_params() + self.vocab * self.hidden

    def kv_bytes_per_token(self, bytes_per_value: float) -> float:
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_value


# Published config.json numbers; no hub is reachable from the machines that build this.
KNOWN_MODELS: dict[str, ModelShape] = {
    "Qwen/Qwen3-1.7B": ModelShape(
        hidden=2048,
        layers=28,
        heads=16,
        kv_heads=8,
        head_dim=128,
        vocab=151_936,
        intermediate=6144,
        tied=True,
    ),
}


@dataclass(frozen=True)
class Hardware:
    name: str
    gpus: int
    flops: float  # peak dense fp16 FLOP/s of one device (tensor cores where present)
    bandwidth: float  # memory bandwidth of one device, bytes/s
    memory: float  # bytes of one device


# Vendor datasheet numbers: NVIDIA T4 datasheet (65 TFLOP/s fp16 tensor, 320 GB/s GDDR6, 16 GB);
# NVIDIA Tesla P100 PCIe 16 GB datasheet (18.7 TFLOP/s fp16, 732 GB/s HBM2).
HARDWARE: dict[str, Hardware] = {
    "t4x2": Hardware("t4x2", 2, 65e12, 320e9, 16e9),
    "t4": Hardware("t4", 1, 65e12, 320e9, 16e9),
    "p100": Hardware("p100", 1, 18.7e12, 732e9, 16e9),
}


# Peak memory bandwidth (bytes/s) of the GPUs a benchmark may have run on, by a substring of
# torch.cuda.get_device_name(): NVIDIA H200 datasheet, 4.8 TB/s HBM3e (SXM and NVL); the Kaggle
# GPUs as in HARDWARE above.
MEASURED_BANDWIDTH: dict[str, float] = {"H200": 4.8e12, "T4": 320e9, "P100": 732e9}


@dataclass(frozen=True)
class Measured:
    """Decoding speed measured by benchmarks/gpu.py on one GPU for one model shape."""

    file: str
    device: str
    bandwidth: float  # peak bytes/s of that GPU
    dtype: str
    step_s: dict[int, float]  # batch rows -> seconds per decoding step (prefill spread over it)

    def step_at(self, rows: int) -> float:
        """Step time at ``rows``: linear between measured batch sizes, the smallest one's
        below them, and the last segment's slope above them (never decreasing)."""
        points = sorted(self.step_s.items())
        if rows <= points[0][0] or len(points) == 1:
            return points[0][1] if rows <= points[0][0] else points[-1][1]
        for (b0, s0), (b1, s1) in zip(points, points[1:], strict=False):
            if rows <= b1:
                return s0 + (s1 - s0) * (rows - b0) / (b1 - b0)
        (b0, s0), (b1, s1) = points[-2], points[-1]
        return max(s1, s1 + (s1 - s0) * (rows - b1) / (b1 - b0))


def read_gpu_benchmark(path: str | Path, shape: ModelShape) -> Measured | None:
    """The measured step times of the model of ``shape`` in a GPU benchmark JSON, or None when
    it measured no model of that shape."""
    from deep_past.io import read_json

    data = read_json(path)
    env = data.get("environment", {})
    if data.get("mode") != "device" or env.get("device") != "cuda":
        raise ValueError(
            f"{path}: not a GPU measurement (mode {data.get('mode')!r}, device "
            f"{env.get('device')!r}); the time budget takes benchmarks/gpu.py's JSON from a "
            "CUDA machine"
        )
    name = env.get("device_name", "")
    bandwidth = next((bw for key, bw in MEASURED_BANDWIDTH.items() if key in name), None)
    if bandwidth is None:
        raise ValueError(
            f"{path}: no memory bandwidth known for GPU {name!r}: add it to "
            "deep_past.kaggle.budget.MEASURED_BANDWIDTH"
        )
    for model in data.get("models", {}).values():
        generated = model.get("generate", {})
        if model.get("shape") == asdict(shape) and generated.get("batches"):
            steps = {int(b): r["step_s"] for b, r in generated["batches"].items()}
            return Measured(str(path), name, bandwidth, generated["dtype"], steps)
    return None


@dataclass(frozen=True)
class Assumptions:
    eff_bandwidth: float = 0.5  # share of peak bandwidth HF decoding reaches
    eff_flops: float = 0.25  # share of peak FLOP/s for prefill / big batches
    step_overhead_s: float = 0.02  # Python + kernel-launch time per decoding step (HF generate)
    bytes_per_param: float = 2.0  # fp16 weights on T4/P100 (no bf16 there)
    gpus_used: int = 1  # the notebook runs one model on one device
    load_s: float = 60.0  # start-up, imports, reading the weights
    fixed_s: float = 60.0  # preprocessing, prompts, postprocessing, writing the CSV
    source_tokens_per_char: float = 0.45  # hub tokenizer on transliterations, when not here
    prompt_tokens_per_char: float = 0.35  # hub tokenizer on the rendered prompt, when not here


def model_shape(model: str, config_json: str | Path | None = None) -> ModelShape:
    """Shape of a known hub model, or read from a local config.json (the tiny model)."""
    if model in KNOWN_MODELS:
        return KNOWN_MODELS[model]
    if config_json is None or not Path(config_json).is_file():
        raise KeyError(f"no shape for model {model!r}: add it to KNOWN_MODELS or give config.json")
    c = json.loads(Path(config_json).read_text())
    heads = c["num_attention_heads"]
    return ModelShape(
        hidden=c["hidden_size"],
        layers=c["num_hidden_layers"],
        heads=heads,
        kv_heads=c.get("num_key_value_heads", heads),
        head_dim=c.get("head_dim") or c["hidden_size"] // heads,
        vocab=c["vocab_size"],
        intermediate=c["intermediate_size"],
        tied=c.get("tie_word_embeddings", True),
    )


def new_token_budget(longest_source: int, generation: Mapping[str, Any]) -> int:
    """Same rule as ``deep_past.modeling.generate.GenerateConfig.budget``."""
    wanted = math.ceil(generation["max_new_tokens_ratio"] * longest_source)
    return min(generation["max_new_tokens"], max(generation["min_new_tokens"], wanted))


def scale_lengths(lengths: Sequence[int], n: int) -> list[int]:
    """``n`` lengths with the measured distribution (the sample repeated, then cut)."""
    if not lengths:
        raise ValueError("no measured lengths to scale")
    reps = math.ceil(n / len(lengths))
    return (list(lengths) * reps)[:n]


def estimate_run(
    source_tokens: Sequence[int],
    prompt_tokens: Sequence[int],
    shape: ModelShape,
    hardware: Hardware,
    generation: Mapping[str, Any],
    n_sentences: int,
    assume: Assumptions = Assumptions(),
) -> dict[str, float]:
    """Seconds for ``n_sentences`` with the measured length distribution (see module doc)."""
    n_matmul = shape.matmul_params()
    weights = shape.parameters() * assume.bytes_per_param
    flops = hardware.flops * assume.eff_flops
    bandwidth = hardware.bandwidth * assume.eff_bandwidth
    prefill = decode = 0.0
    batches = decoding_batches(source_tokens, prompt_tokens, generation, n_sentences)
    for rows, longest_prompt, steps in batches:
        prefill += rows * longest_prompt * 2 * n_matmul / flops
        context = longest_prompt + steps / 2  # mean cache length over the steps
        kv = rows * context * shape.kv_bytes_per_token(assume.bytes_per_param)
        step = max((weights + kv) / bandwidth, 2 * n_matmul * rows / flops)
        decode += steps * (step + assume.step_overhead_s)
    return _totals(prefill, decode, batches, weights, assume)


def estimate_measured(
    batches: Sequence[tuple[int, int, int]],
    shape: ModelShape,
    hardware: Hardware,
    measured: Measured,
    assume: Assumptions = Assumptions(),
) -> dict[str, float]:
    """Seconds for the ``decoding_batches`` from measured step times: every batch runs its
    new-token budget of steps at the step time measured for its row count, times the bandwidth
    ratio of the measuring GPU to the target (and of the bytes per weight, when they differ).

    An upper bound where the measurement was bound by per-step Python and launch overhead (HF
    decoding at small batches on an H200 is): that part is scaled too, but does not grow on a
    slower GPU."""
    bytes_measured = 4.0 if measured.dtype == "float32" else 2.0
    scale = measured.bandwidth / hardware.bandwidth * assume.bytes_per_param / bytes_measured
    decode = sum(steps * measured.step_at(rows) * scale for rows, _, steps in batches)
    weights = shape.parameters() * assume.bytes_per_param
    return {**_totals(0.0, decode, batches, weights, assume), "scale": scale}


def decoding_batches(
    source_tokens: Sequence[int],
    prompt_tokens: Sequence[int],
    generation: Mapping[str, Any],
    n_sentences: int,
) -> list[tuple[int, int, int]]:
    """(rows, longest prompt, new-token budget) of each batch, as ``modeling.generate`` batches
    ``n_sentences`` of the measured lengths: longest first, rows = batch x beams."""
    pairs = sorted(
        zip(
            scale_lengths(prompt_tokens, n_sentences),
            scale_lengths(source_tokens, n_sentences),
            strict=True,
        ),
        reverse=True,
    )
    size, beams = generation["batch_size"], generation.get("num_beams", 1)
    if generation.get("do_sample"):  # every sampled sequence is a row of the batch
        beams *= generation.get("num_return_sequences", 1)
    return [
        (
            len(batch) * beams,
            max(p for p, _ in batch),
            new_token_budget(max(s for _, s in batch), generation),
        )
        for batch in (pairs[i : i + size] for i in range(0, len(pairs), size))
    ]


def _totals(
    prefill: float,
    decode: float,
    batches: Sequence[tuple[int, int, int]],
    weights: float,
    assume: Assumptions,
) -> dict[str, float]:
    total = (prefill + decode) / assume.gpus_used + assume.load_s + assume.fixed_s
    return {
        "seconds": total,
        "hours": total / 3600,
        "prefill_s": prefill / assume.gpus_used,
        "decode_s": decode / assume.gpus_used,
        "overhead_s": assume.load_s + assume.fixed_s,
        "batches": len(batches),
        "mean_steps_per_batch": sum(steps for *_, steps in batches) / len(batches),
        "weights_gb": weights / 1e9,
    }


def measure_predictions(
    raw_csv: str | Path, timing_json: str | Path | None, tokenizer: Any | None
) -> dict[str, Any]:
    """Sequences, new tokens and wall time of a finished answer file (wall time from its
    predict job's ``timing.json``, loading the model included)."""
    import pandas as pd

    # As the pipeline reads it (sampled text can hold what the csv module splits differently).
    raw = pd.read_csv(raw_csv, dtype=str, keep_default_na=False)["raw"].tolist()
    out: dict[str, Any] = {"sequences": len(raw)}
    if tokenizer is not None:
        ids = tokenizer(raw, add_special_tokens=False)["input_ids"]
        out["new_tokens"] = sum(len(t) for t in ids)
    from deep_past.io import read_json

    timing = read_json(timing_json) if timing_json and Path(timing_json).is_file() else {}
    if str(raw_csv) in timing:
        wall = float(timing[str(raw_csv)]["s"])
        out["wall_s"] = wall
        out["sequences_per_s"] = len(raw) / wall if wall else None
        if "new_tokens" in out:
            out["new_tokens_per_s"] = out["new_tokens"] / wall if wall else None
    return out


def _lengths(texts: Sequence[str], tokenizer: Any | None, per_char: float) -> list[int]:
    if tokenizer is None:
        return [max(1, math.ceil(len(t) * per_char)) for t in texts]
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def time_budget(
    *,
    model: str,
    segments_csv: str | Path,
    prompts_jsonl: str | Path,
    generation: Mapping[str, Any],
    hardware: str = "t4x2",
    n_sentences: int = 4000,
    limit_hours: float = KAGGLE_LIMIT_HOURS,
    margin: float = 0.2,
    model_dir: str | Path | None = None,
    raw_csv: str | Path | None = None,
    timing_json: str | Path | None = None,
    assume: Assumptions = Assumptions(),
    out_json: str | Path | None = None,
    gpu_json: str | Path | None = None,
) -> dict[str, Any]:
    """Measure what the predict step did here and estimate the Kaggle run; ``fits`` is whether
    the estimate stays within ``limit_hours * (1 - margin)``. With ``gpu_json`` (a GPU benchmark
    that measured this model's shape) the estimate scales the measured step times, and the paper
    estimate is kept beside it as ``paper_estimate``."""
    tokenizer = None
    if model_dir is not None and (Path(model_dir) / "tokenizer_config.json").is_file():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    with open(segments_csv, encoding="utf-8", newline="") as fh:
        sources = [row["source"] for row in csv.DictReader(fh)]
    with open(prompts_jsonl, encoding="utf-8") as fh:
        prompts = [json.loads(line)["prompt"] for line in fh if line.strip()]
    if tokenizer is not None:
        from deep_past.modeling.generate import render_prompts

        prompt_lengths = _lengths(render_prompts(tokenizer, prompts), tokenizer, 0)
    else:  # ChatML wrapping ~ the message texts plus a few tokens per turn
        texts = ["".join(m["content"] for m in p) for p in prompts]
        prompt_lengths = [n + 12 for n in _lengths(texts, None, assume.prompt_tokens_per_char)]
    source_lengths = _lengths(sources, tokenizer, assume.source_tokens_per_char)
    shape = model_shape(model, Path(model_dir) / "config.json" if model_dir else None)
    hw = HARDWARE[hardware]
    paper = estimate_run(source_lengths, prompt_lengths, shape, hw, generation, n_sentences, assume)
    measured = read_gpu_benchmark(gpu_json, shape) if gpu_json else None
    if measured is None:
        estimate, throughput = paper, paper_throughput(gpu_json)
    else:
        batches = decoding_batches(source_lengths, prompt_lengths, generation, n_sentences)
        estimate = estimate_measured(batches, shape, hw, measured, assume)
        throughput = measured_throughput(measured, hw, estimate["scale"])
    result = {
        "model": model,
        "parameters": shape.parameters(),
        "shape": asdict(shape),
        "hardware": asdict(hw),
        "generation": dict(generation),
        "assumptions": asdict(assume),
        "tokenizer": "measured" if tokenizer is not None else "assumed tokens per character",
        "measured": {
            "test_sentences": len(sources),
            "mean_source_tokens": sum(source_lengths) / len(source_lengths),
            "mean_prompt_tokens": sum(prompt_lengths) / len(prompt_lengths),
            **(measure_predictions(raw_csv, timing_json, tokenizer) if raw_csv else {}),
        },
        "n_sentences": n_sentences,
        "throughput": throughput,
        "estimate": estimate,
        **({"paper_estimate": paper} if measured is not None else {}),
    }
    return _judge(result, limit_hours, margin, out_json)


def paper_throughput(gpu_json: str | Path | None) -> dict[str, Any]:
    note = "paper figures: roofline with the assumed efficiencies and overhead"
    if gpu_json:
        note += f"; {gpu_json} measured no model of this shape"
    return {"source": "paper", "note": note}


def measured_throughput(measured: Measured, hw: Hardware, scale: float) -> dict[str, Any]:
    return {
        "source": "measured",
        **asdict(measured),
        "target_bandwidth": hw.bandwidth,
        "scale": scale,
        "note": (
            f"measured on {measured.device} ({measured.file}, {measured.dtype}), step times "
            f"x{scale:.1f} for {hw.name}'s {hw.bandwidth / 1e9:.0f} GB/s vs "
            f"{measured.bandwidth / 1e12:.1f} TB/s (memory-bandwidth ratio)"
        ),
    }


def members_budget(
    members: Mapping[str, Mapping[str, Any]],
    *,
    limit_hours: float = KAGGLE_LIMIT_HOURS,
    margin: float = 0.2,
    out_json: str | Path | None = None,
) -> dict[str, Any]:
    """The Kaggle run of an ensemble: its members' generations one after the other, so their
    estimates (each a ``time_budget`` result, model loading included) add up. No member (the
    translation memory alone) generates nothing: CPU work only, counted as zero."""
    parts = list(members.values())
    keys = ("seconds", "prefill_s", "decode_s", "overhead_s", "batches")
    total = {k: sum(p["estimate"][k] for p in parts) for k in keys}
    steps = sum(p["estimate"]["mean_steps_per_batch"] * p["estimate"]["batches"] for p in parts)
    total.update(
        hours=total["seconds"] / 3600,
        mean_steps_per_batch=steps / total["batches"] if total["batches"] else 0.0,
    )
    result = {
        "members": {name: dict(p) for name, p in members.items()},
        "model": ", ".join(sorted({p["model"] for p in parts})) or "none",
        "hardware": parts[0]["hardware"] if parts else {"name": "cpu"},
        "n_sentences": parts[0]["n_sentences"] if parts else 0,
        "estimate": total,
    }
    return _judge(result, limit_hours, margin, out_json)


def _judge(
    result: dict[str, Any], limit_hours: float, margin: float, out_json: str | Path | None
) -> dict[str, Any]:
    """Add the limit and whether the estimate fits it; log the summary, write the JSON."""
    allowed = limit_hours * (1 - margin)
    result.update(
        limit_hours=limit_hours,
        margin=margin,
        allowed_hours=allowed,
        fits=result["estimate"]["hours"] <= allowed,
    )
    log.info("time budget:\n%s", summary(result))
    if out_json is not None:
        from deep_past.io import write_json

        write_json(result, out_json)
    return result


class BudgetExceeded(RuntimeError):
    """The estimated Kaggle run does not fit the time limit with its margin."""


def check_budget(budget: Mapping[str, Any]) -> None:
    if not budget["fits"]:
        e = budget["estimate"]
        raise BudgetExceeded(
            f"estimated Kaggle run {e['hours']:.2f} h for {budget['n_sentences']} sentences "
            f"with {budget['model']} on {budget['hardware']['name']} exceeds the allowed "
            f"{budget['allowed_hours']:.2f} h ({budget['limit_hours']} h limit, margin "
            f"{budget['margin']:.0%}): reduce num_beams, batch more, cap max_new_tokens or "
            "choose a smaller model"
        )


def summary(budget: Mapping[str, Any]) -> str:
    if "members" in budget:  # an ensemble: each member's generation, then the sum
        e = budget["estimate"]
        lines = [f"[{name}]\n{summary(part)}" for name, part in budget["members"].items()]
        lines.append(
            f"all {len(budget['members'])} generating members: {e['hours']:.2f} h; allowed "
            f"{budget['allowed_hours']:.2f} h -> {'fits' if budget['fits'] else 'DOES NOT FIT'}"
        )
        return "\n".join(lines)
    e, m = budget["estimate"], budget["measured"]
    lines = [
        f"model {budget['model']} ({budget['parameters'] / 1e9:.3f} B parameters) on "
        f"{budget['hardware']['name']}, decoding {json.dumps(budget['generation'])}",
        f"measured here: {m['test_sentences']} test sentences, mean source "
        f"{m['mean_source_tokens']:.1f} tokens, mean prompt {m['mean_prompt_tokens']:.1f} tokens "
        f"({budget['tokenizer']})",
    ]
    if "wall_s" in m:
        rate = f", {m['new_tokens_per_s']:.1f} new tokens/s" if "new_tokens_per_s" in m else ""
        lines.append(
            f"predict step here: {m['sequences']} sequences in {m['wall_s']:.1f} s "
            f"({m['sequences_per_s']:.2f} sequences/s{rate})"
        )
    source = budget["throughput"]["source"]
    lines.append(f"throughput: {budget['throughput']['note']}")
    if "paper_estimate" in budget:
        lines.append(f"paper estimate (roofline): {budget['paper_estimate']['hours']:.2f} h")
    work = (
        f"prefill {e['prefill_s']:.0f} s, decode {e['decode_s']:.0f} s"
        if source == "paper"
        else f"measured steps, prefill included, {e['decode_s']:.0f} s"
    )
    lines.append(
        f"estimate ({source}) for {budget['n_sentences']} sentences: {e['hours']:.2f} h "
        f"({work} over {e['batches']} batches of "
        f"~{e['mean_steps_per_batch']:.0f} steps, overhead {e['overhead_s']:.0f} s); allowed "
        f"{budget['allowed_hours']:.2f} h -> {'fits' if budget['fits'] else 'DOES NOT FIT'}"
    )
    return "\n".join(lines)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Estimate the Kaggle notebook's run time.")
    parser.add_argument("--model", required=True, help="hub name (known shape) or 'tiny'/local")
    parser.add_argument("--model-dir", help="local model directory (config.json, tokenizer)")
    parser.add_argument("--segments", required=True, help="results/data/segments/test.csv")
    parser.add_argument("--prompts", required=True, help="results/prompts/PROMPT/test.jsonl")
    parser.add_argument("--config", default="config/config.yaml", help="for the generation keys")
    parser.add_argument("--hardware", default="t4x2", choices=sorted(HARDWARE))
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--limit-hours", type=float, default=KAGGLE_LIMIT_HOURS)
    parser.add_argument("--margin", type=float, default=0.2, help="share of the limit kept free")
    parser.add_argument("--raw", help="the predict step's test.raw.csv (measured throughput)")
    parser.add_argument("--timing", help="the predict job's timing.json (wall time per file)")
    parser.add_argument(
        "--gpu-benchmark", help="benchmarks/gpu.py's JSON: scale its measured step times"
    )
    parser.add_argument("--out", help="write the JSON here")
    return parser


def main(argv: list[str] | None = None) -> None:
    import yaml

    args = make_parser().parse_args(argv)
    generation = yaml.safe_load(Path(args.config).read_text())["generation"]
    result = time_budget(
        model=args.model,
        model_dir=args.model_dir,
        segments_csv=args.segments,
        prompts_jsonl=args.prompts,
        generation=generation,
        hardware=args.hardware,
        n_sentences=args.sentences,
        limit_hours=args.limit_hours,
        margin=args.margin,
        raw_csv=args.raw,
        timing_json=args.timing,
        out_json=args.out,
        gpu_json=args.gpu_benchmark,
    )
    print(summary(result))


if __name__ == "__main__":
    main()
