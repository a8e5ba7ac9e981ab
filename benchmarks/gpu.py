"""The GPU path, measured: LoRA/QLoRA training, batched generation and precision safety of
Qwen3-1.7B's exact architecture (random weights, no download) and of the project's small model.

Usage: python benchmarks/gpu.py [--out FILE] [--small-model DIR] [--demo-rules] [--cpu-smoke]

On a CUDA machine (docs/gpu.md: one command, within 8 minutes on an H200):
  1. training: LoRA steps in bf16 + sdpa (flash-attn when installed) and QLoRA NF4 steps
     (bitsandbytes) through modeling.train on the demo's SFT records: tokens/s, peak memory;
  2. generation: greedy batches of 1, 16 and 64 demo prompts through modeling.generate, every
     row the full new-token budget: generated tokens/s, seconds per step, and the ratio
     batch-64 / batch-1 (goal >= 5x);
  3. precision: greedy ids in fp16 and bf16 against fp32 on the same prompts, with inf/nan
     logits and the largest |hidden state| counted (deep_past.modeling.precision);
  4. with --demo-rules: the demo graph's train and predict steps (deep_past.steps) on cuda
     and on cpu, and how many predictions agree.
Writes one JSON (default benchmarks/results/gpu-<date>.json; deep_past.kaggle.budget scales its
step times to the Kaggle GPUs) and prints a table; the last line is the batch-64 / batch-1
ratio. Every part that fails is recorded with its error and the rest still runs; parts that
would start after --time-limit are skipped and say so.

--cpu-smoke runs the same code on tiny shapes in seconds (tests/test_gpu_benchmark.py), so
the script cannot rot between GPU sessions.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

# Progress bars would bury the table in the device's 12,000-character output tail.
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gpu_measure as gm  # noqa: E402

GOAL_RATIO = 5.0
QWEN = "qwen3-1.7b-random"
SMALL = "small"


class Settings:
    """Sizes of one run: the device check, or the CPU smoke run."""

    def __init__(self, smoke: bool) -> None:
        self.smoke = smoke
        self.shape = gm.QWEN3_SMOKE if smoke else gm.QWEN3_1_7B
        self.qwen = "qwen3-tiny-random" if smoke else QWEN
        self.batch_sizes = (1, 16, 64)
        self.prompts_per_batch_size = {1: 2, 16: 16, 64: 64} if smoke else {1: 8, 16: 32, 64: 128}
        self.new_tokens = 4 if smoke else 64
        self.train_steps, self.warmup = (3, 1) if smoke else (20, 5)
        self.precision_prompts = 4 if smoke else 16
        self.precision_tokens = 4 if smoke else 32
        self.demo_max_steps = 2 if smoke else None  # None: the demo config's own epochs


def read_configs() -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo config and the cloud overlay's training preset (what Qwen3-1.7B trains with)."""
    demo = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    cloud = yaml.safe_load((ROOT / "config/cloud.yaml").read_text())
    return demo, cloud


def hparams(config: dict[str, Any], smoke: bool) -> dict[str, Any]:
    preset = dict(config["hparams"]["default"])
    preset["lora_rank"] = config["grid"]["lora_rank"][0]
    if smoke:
        preset.update(batch_size=2, max_length=128)
    return preset


def environment(device: str) -> dict[str, Any]:
    import torch

    env: dict[str, Any] = {
        "device": device,
        "device_name": (
            torch.cuda.get_device_name() if device == "cuda" else f"cpu x{os.cpu_count()}"
        ),
        "python": platform.python_version(),
        "flash_attn": importlib.util.find_spec("flash_attn") is not None,
    }
    packages = ("torch", "transformers", "peft", "accelerate", "trl", "datasets", "bitsandbytes")
    for name in (*packages, "pyarrow", "fsspec", "tokenizers"):
        try:
            env[name] = importlib.import_module(name).__version__
        except Exception as err:  # noqa: BLE001 - a missing or broken package is a result
            env[name] = f"not importable: {type(err).__name__}: {err}"
    if device == "cuda":
        env["bf16_supported"] = torch.cuda.is_bf16_supported()
        env["gpu_memory_gib"] = torch.cuda.get_device_properties(0).total_memory / 2**30
    return env


def write_json(result: dict[str, Any], out: Path) -> None:
    """Atomically: a reader (or a device call cut off at its limit) sees a whole file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)


class Run:
    """Runs the parts in order, records each result or error, keeps to the time limit, and
    rewrites the JSON after every part (what was measured survives a kill)."""

    def __init__(self, time_limit: float, result: dict[str, Any], out: Path) -> None:
        self.start = time.perf_counter()
        self.time_limit = time_limit
        self.result, self.out = result, out
        self.errors: list[str] = result.setdefault("errors", [])

    def write(self) -> None:
        self.result["wall_s"] = time.perf_counter() - self.start
        write_json(self.result, self.out)

    def part(self, name: str, fn: Callable[[], Any]) -> Any:
        elapsed = time.perf_counter() - self.start
        if elapsed > self.time_limit:
            print(f"[{elapsed:6.1f} s] {name}: skipped (time limit)", flush=True)
            return {"skipped": f"time limit {self.time_limit:.0f} s reached"}
        print(f"[{elapsed:6.1f} s] {name} ...", flush=True)
        try:
            result = fn()
        except Exception as err:  # noqa: BLE001 - one failing part must not hide the others
            tail = "".join(traceback.format_exception(err)[-3:])
            self.errors.append(f"{name}: {type(err).__name__}: {err}")
            print(f"{name} FAILED:\n{tail}", flush=True)
            result = {"error": f"{type(err).__name__}: {err}", "traceback": tail}
        gm.free_memory()
        self.write()
        return result


def bitsandbytes_reason() -> str | None:
    """Why QLoRA cannot run here, or None when it can."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return "bitsandbytes is not installed (its wheel did not travel: docs/gpu.md)"
    try:
        import bitsandbytes  # noqa: F401
    except Exception as err:  # noqa: BLE001
        return f"bitsandbytes does not import: {type(err).__name__}: {err}"
    return None


def model_parts(
    run: Run,
    name: str,
    model_dir: Path,
    data: gm.DemoData,
    train_jsonl: Path,
    work: Path,
    *,
    settings: Settings,
    device: str,
    preset: dict[str, Any],
    qlora: bool,
) -> None:
    """Generation, precision and training of one model, into ``run.result["models"][name]``."""
    from deep_past.kaggle.budget import model_shape
    from deep_past.modeling.base import load_model_and_tokenizer

    shape = model_shape("local", model_dir / "config.json")
    entry: dict[str, Any] = {
        "path": str(model_dir),
        "shape": asdict(shape),  # what deep_past.kaggle.budget matches a model by
        "parameters": shape.parameters(),
        "train": {},
    }
    run.result["models"][name] = entry

    def generation() -> dict[str, Any]:
        model, tokenizer = load_model_and_tokenizer(str(model_dir), device=device)
        return gm.measure_generation(
            model,
            tokenizer,
            data.prompts,
            batch_sizes=settings.batch_sizes,
            prompts_per_batch_size=settings.prompts_per_batch_size,
            new_tokens=settings.new_tokens,
        )

    def training(quantization: str | None) -> dict[str, Any]:
        return gm.measure_training(
            model_dir,
            train_jsonl,
            work / f"{name}-{quantization or 'lora'}",
            hparams=preset,
            steps=settings.train_steps,
            warmup=settings.warmup,
            device=device,
            quantization=quantization,
        )

    entry["generate"] = run.part(f"{name}: generation", generation)
    entry["precision"] = run.part(
        f"{name}: precision",
        lambda: gm.measure_precision(
            model_dir,
            data.prompts[: settings.precision_prompts],
            dtypes=("float32", "bfloat16", "float16"),
            new_tokens=settings.precision_tokens,
            device=device,
        ),
    )
    entry["train"]["lora"] = run.part(f"{name}: LoRA training", lambda: training(None))
    if qlora:
        reason = bitsandbytes_reason()
        entry["train"]["qlora_nf4"] = (
            {"skipped": reason}
            if reason
            else run.part(f"{name}: QLoRA NF4 training", lambda: training("nf4"))
        )


def small_model(work: Path, demo: dict[str, Any], given: Path | None) -> Path:
    """The project's small model: a directory given (a base model or an export), else the
    shipped base the demo graph starts from (resources/models/tiny)."""
    from deep_past.modeling.base import base_model_path

    if given is not None:
        has_manifest = (given / "base_model.json").is_file()
        return Path(base_model_path(given)) if has_manifest else given
    return ROOT / "resources" / "models" / "tiny"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from deep_past.io import write_jsonl

    settings = Settings(args.cpu_smoke)
    device = "cuda" if torch.cuda.is_available() and not args.cpu_smoke else "cpu"
    if device == "cpu" and not args.cpu_smoke:
        raise SystemExit("no CUDA device: run with --cpu-smoke for the CPU check of this script")
    torch.manual_seed(0)
    demo, cloud = read_configs()
    result: dict[str, Any] = {
        "schema": 1,
        "mode": "cpu-smoke" if args.cpu_smoke else "device",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "environment": environment(device),
        "models": {},
    }
    run = Run(args.time_limit, result, args.out)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        data = gm.demo_data(ROOT / demo["data_dir"], demo["data"], work)
        train_jsonl = work / "train.jsonl"
        write_jsonl(data.train_records, train_jsonl)
        small_dir = small_model(work, demo, args.small_model)
        result["data"] = {
            "prompt_variant": gm.PROMPT,
            "train_records": len(data.train_records),
            "prompts": len(data.prompts),
            "tokenizer": str(args.tokenizer or small_dir),
        }
        qwen_dir = run.part(
            f"{settings.qwen}: build",
            lambda: gm.build_random_qwen3(
                work / "qwen3", args.tokenizer or small_dir, settings.shape, device
            ),
        )
        common = {"data": data, "train_jsonl": train_jsonl, "work": work, "device": device}
        if isinstance(qwen_dir, Path):
            model_parts(
                run,
                settings.qwen,
                qwen_dir,
                settings=settings,
                preset=hparams(cloud, args.cpu_smoke),
                qlora=True,
                **common,
            )
        else:  # the build failed or was skipped: say so in its place
            result["models"][settings.qwen] = qwen_dir
        model_parts(
            run,
            SMALL,
            small_dir,
            settings=settings,
            preset=hparams(demo, args.cpu_smoke),
            qlora=False,
            **common,
        )
        if args.demo_rules:
            from gpu_demo import demo_rules

            result["demo_rules"] = run.part(
                f"demo rules {device} vs cpu",
                lambda: demo_rules(work / "demo", demo, device, settings.demo_max_steps),
            )
    run.write()
    return result


# ---------------------------------------------------------------- report


def _fmt(value: Any, spec: str = ".1f") -> str:
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _memory(part: dict[str, Any]) -> str:
    if "peak_gib" in part:
        return f"{part['peak_gib']:.2f} GiB GPU"
    return f"{part.get('peak_rss_gib', 0):.2f} GiB RSS"


def _failed(part: Any) -> str | None:
    if not isinstance(part, dict):
        return "not run"
    return part.get("error") or part.get("skipped")


def _rows(name: str, label: str, part: Any, rows_of: Callable[[Any], list]) -> list[tuple]:
    """A part's rows, or one row saying why it has none."""
    failed = _failed(part)
    return [(name, label, "", failed, "")] if failed else rows_of(part)


def _train_rows(name: str, kind: str) -> Callable[[dict[str, Any]], list]:
    def rows(part: dict[str, Any]) -> list[tuple]:
        setting = f"batch {part['batch_size']}, {part['dtype']}, {part['attention']}"
        speed = f"{part['tokens_per_s']:.0f} tokens/s ({part['s_per_step']:.3f} s/step)"
        return [(name, f"train {kind}", setting, speed, _memory(part))]

    return rows


def _generate_rows(name: str) -> Callable[[dict[str, Any]], list]:
    def rows(gen: dict[str, Any]) -> list[tuple]:
        out = []
        for size, part in gen["batches"].items():
            setting = f"batch {size}, {gen['dtype']}, {gen['new_tokens_per_row']} new"
            speed = f"{part['tokens_per_s']:.0f} new tokens/s ({part['step_s'] * 1e3:.1f} ms/step)"
            out.append((name, "generate greedy", setting, speed, _memory(part)))
        return out

    return rows


def _precision_rows(name: str) -> Callable[[dict[str, Any]], list]:
    def rows(prec: dict[str, Any]) -> list[tuple]:
        out = []
        for dtype, part in prec["dtypes"].items():
            same = f"{part['identical']}/{part['total']} identical to {prec['reference']}"
            health = (
                f"{part['nonfinite_logits']} inf/nan logits, max |h| "
                f"{_fmt(part['max_abs_hidden'], '.3g')}"
            )
            out.append((name, f"precision {dtype}", same, health, ""))
        return out

    return rows


def _demo_rows(demo: dict[str, Any]) -> list[tuple]:
    timing = ", ".join(
        f"{where} {r['train_s']:.0f}+{r['predict_s']:.0f} s" for where, r in demo["runs"].items()
    )
    same = f"{demo['identical_predictions']}/{demo['predictions']} test predictions equal"
    return [(SMALL, "demo train+predict", timing, same, "")]


def table(result: dict[str, Any]) -> list[str]:
    rows: list[tuple] = [("model", "measure", "setting", "result", "memory")]
    for name, model in result["models"].items():
        if _failed(model):
            rows.append((name, "build", "", _failed(model), ""))
            continue
        for kind, part in model["train"].items():
            rows += _rows(name, f"train {kind}", part, _train_rows(name, kind))
        rows += _rows(name, "generate", model.get("generate"), _generate_rows(name))
        rows += _rows(name, "precision", model.get("precision"), _precision_rows(name))
    if "demo_rules" in result:
        rows += _rows(SMALL, "demo train+predict", result["demo_rules"], _demo_rows)
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def last_line(result: dict[str, Any]) -> str:
    name = next(iter(result["models"]))  # the Qwen3 architecture, measured first
    model = result["models"][name]
    gen = model.get("generate", model)  # a model that failed to build carries the error
    if _failed(gen):
        return f"batch-64 / batch-1 generated tokens/s ({name}): not measured ({_failed(gen)})"
    ratio = gen["ratio_last_first"]
    verdict = "meets" if ratio >= GOAL_RATIO else "BELOW"
    return (
        f"batch-64 / batch-1 generated tokens/s ({name}, {result['environment']['device']}): "
        f"{ratio:.1f}x ({verdict} the goal of {GOAL_RATIO:.0f}x)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    today = datetime.date.today().isoformat()
    parser.add_argument("--out", type=Path, default=ROOT / f"benchmarks/results/gpu-{today}.json")
    parser.add_argument("--small-model", type=Path, help="the project's model directory to add")
    parser.add_argument("--tokenizer", type=Path, help="tokenizer directory (default: small's)")
    parser.add_argument("--demo-rules", action="store_true", help="also the demo's GPU steps")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny shapes on the CPU")
    parser.add_argument("--time-limit", type=float, default=420.0, help="start no part after")
    parser.add_argument("--work", type=Path, help="scratch directory (default: the system's)")
    args = parser.parse_args(argv)
    result = measure(args)
    print(f"\n{result['environment']['device_name']} ({result['mode']}), {result['wall_s']:.0f} s")
    print("\n".join(table(result)))
    print(f"wrote {args.out}")
    print(last_line(result))


if __name__ == "__main__":
    main()
