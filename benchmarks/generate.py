"""Generation speed of a model: batched (left padding, length-sorted) against one prompt at a time.

Usage: python benchmarks/generate.py [--model DIR] [--prompt name_slots] [--batch-size 32]
       [--data-dir resources/demo] [--test DATA_DIR/test.csv] [--limit N] [--threads 2]

Prompts are the test segments of a Kaggle-shaped data dir (default the demo's 47; e.g.
``--data-dir ../shared/data --test ../shared/data/dev/test.csv`` for 289, closer to the real
test's 4,000), preprocessed as the pipeline does, through the project's prompt variants and the
model's chat template; the hint tables and the memory come from that dir's training documents.
Greedy decoding both ways, same new-token budget rule; prints the generated tokens per second of
each, how many outputs are identical, and on the last line the batched/one-at-a-time speed
ratio (goal >= 5x).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
GOAL = 5.0
os.environ.setdefault("TQDM_DISABLE", "1")  # the table, not a progress bar per call


def segment_prompts(
    prompt: str, base_dir: Path, data_dir: Path, test_csv: Path
) -> list[list[dict[str, str]]]:
    """The test segments as chat prompts of ``prompt``, as the prompts rule builds them."""
    from hint_data import prepare_hint_data

    from deep_past.io import read_jsonl
    from deep_past.modeling.base import MANIFEST
    from deep_past.steps.dataset import prompt_file

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "base").mkdir()
        (out / "base" / MANIFEST).write_text(f'{{"model": "bench", "path": "{base_dir}"}}')
        tables = prepare_hint_data(data_dir, out, test_csv=test_csv)["test"]
        prompt_file(
            out / "test.csv",
            prompt,
            out / "prompts.jsonl",
            tables,
            base_dir=out / "base",
            max_tokens=768,
            out_stats=out / "stats.json",
        )
        return [r["prompt"] for r in read_jsonl(out / "prompts.jsonl")]


def timed(model, tokenizer, prompts, batch_size: int) -> tuple[list[str], float, int]:
    from deep_past.modeling.generate import GenerateConfig, generate

    cfg = GenerateConfig(batch_size=batch_size, max_new_tokens=192, min_new_tokens=8)
    start = time.perf_counter()
    outputs = [o[0] for o in generate(model, tokenizer, prompts, cfg)]
    seconds = time.perf_counter() - start
    tokens = sum(len(tokenizer(o, add_special_tokens=False)["input_ids"]) + 1 for o in outputs)
    return outputs, seconds, tokens


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=ROOT / "resources" / "models" / "tiny")
    parser.add_argument("--prompt", default="name_slots", help="the shipped base's own prompt")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "resources" / "demo")
    parser.add_argument("--test", type=Path, help="test.csv to prompt (default DATA_DIR/test.csv)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--limit", type=int, default=0, help="first N prompts only (0 = all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from deep_past.modeling.base import load_model_and_tokenizer

    torch.set_num_threads(args.threads)
    test_csv = args.test or args.data_dir / "test.csv"
    prompts = segment_prompts(args.prompt, args.model.resolve(), args.data_dir, test_csv)
    if args.limit:
        prompts = prompts[: args.limit]
    model, tokenizer = load_model_and_tokenizer(args.model, device="cpu")
    rows = {}
    for name, size in (("one at a time", 1), (f"batched ({args.batch_size})", args.batch_size)):
        rows[name] = timed(model, tokenizer, prompts, size)
    (single, t1, n1), (batched, tb, nb) = rows.values()
    same = sum(a == b for a, b in zip(single, batched, strict=True))
    params = sum(p.numel() for p in model.parameters())
    print(f"model {args.model} ({params:,} parameters), {len(prompts)} {args.prompt} prompts")
    print(f"{'decoding':<16}{'seconds':>9}{'tokens':>8}{'tokens/s':>10}")
    for name, (_, seconds, tokens) in rows.items():
        print(f"{name:<16}{seconds:>9.2f}{tokens:>8}{tokens / seconds:>10.1f}")
    print(f"identical outputs: {same}/{len(prompts)}")
    ratio = (nb / tb) / (n1 / t1)
    print(f"batched / one at a time: {ratio:.2f}x tokens/s (goal >= {GOAL:.0f}x)")


if __name__ == "__main__":
    main()
