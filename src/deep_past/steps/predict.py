"""Workflow steps (rules/predict.smk): generation for every split and checkpoint of a job,
and the post-processing of its answers."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from deep_past.corpus.names import fill_placeholders
from deep_past.io import read_frame, read_jsonl, write_csv, write_json
from deep_past.modeling.base import base_model_path, load_model_and_tokenizer
from deep_past.text.long_sources import join_pieces
from deep_past.text.postprocess import postprocess

log = logging.getLogger(__name__)


def predict_answers(
    base_dir: str | Path,
    prompts: Mapping[str, str | Path],
    answers: Sequence[tuple[str | None, str, str | Path]],
    timing_json: str | Path,
    *,
    generation: dict[str, Any],
    model: dict[str, Any],
    run_dir: str | Path | None = None,
) -> None:
    """Every answer file of one job, ``(checkpoint, split, out_csv)`` each: per checkpoint (of
    the run in ``run_dir``; None for the bare base) the model loads once and answers its splits'
    ``prompts`` (:func:`generate_file`). ``timing_json`` gives each answer file its seconds, the
    load of its model included (what the Kaggle time budget measures)."""
    by_checkpoint: dict[str | None, list[tuple[str, str | Path]]] = {}
    for ckpt, split, out_csv in answers:
        by_checkpoint.setdefault(ckpt, []).append((split, out_csv))
    timing = {}
    for ckpt, outputs in by_checkpoint.items():
        start = time.perf_counter()
        adapter = None
        if run_dir is not None:
            from deep_past.modeling.train import resolve_checkpoint

            adapter = resolve_checkpoint(run_dir, ckpt or "last")
        net, tokenizer = load_model_and_tokenizer(
            base_model_path(base_dir), adapter=adapter, **model
        )
        load_s = time.perf_counter() - start
        for split, out_csv in outputs:
            start = time.perf_counter()
            n = generate_file(net, tokenizer, prompts[split], out_csv, generation)
            generate_s = time.perf_counter() - start
            log.info("%s: %d prompts in %.1f s with adapter %s", out_csv, n, generate_s, adapter)
            timing[str(out_csv)] = {
                "prompts": n,
                "load_s": round(load_s, 3),
                "generate_s": round(generate_s, 3),
                "s": round(load_s + generate_s, 3),
            }
        del net  # the next checkpoint's model loads in its place
        gc.collect()
    write_json(timing, timing_json)


def generate_file(
    net: Any,
    tokenizer: Any,
    prompts_jsonl: str | Path,
    out_csv: str | Path,
    generation: dict[str, Any],
) -> int:
    """Generate for every prompt with a loaded model (the predict rules and the Kaggle notebook);
    ``raw`` holds each hypothesis as the model wrote it (one row per hypothesis: several per id
    when sampling ``num_return_sequences`` > 1). Returns the number of prompts."""
    from deep_past.modeling.generate import GenerateConfig, generate

    records = read_jsonl(prompts_jsonl)
    outputs = generate(net, tokenizer, [r["prompt"] for r in records], GenerateConfig(**generation))
    # A name_slots prompt masked the source's names: their spellings go back in.
    outputs = [
        [fill_placeholders(o, r["slots"]) for o in outs] if "slots" in r else outs
        for r, outs in zip(records, outputs, strict=True)
    ]
    # Records of one id are the pieces of a source too long for one prompt: joined in order,
    # hypothesis by hypothesis.
    record_ids = [r["id"] for r in records]
    n = len(outputs[0]) if outputs else 1
    joined = [join_pieces(record_ids, [o[h] for o in outputs]) for h in range(n)]
    ids = joined[0][0]
    frame = pd.DataFrame(
        {
            "id": [i for i in ids for _ in range(n)],
            "raw": [joined[h][1][k] for k in range(len(ids)) for h in range(n)],
        }
    )
    write_csv(frame, out_csv)
    return len(outputs)


def postprocess_file(
    raw_csv: str | Path,
    out_csv: str | Path,
    *,
    proper_nouns_csv: str | Path | None = None,
    segments_csv: str | Path | None = None,
    min_similarity: float = 0.9,
) -> None:
    """Clean every generation; with a proper-noun table and the segments (sources), also respell
    names the source names (``corpus.lexicon.correct_names``, high-confidence matches only)."""
    raw = read_frame(raw_csv)
    translations = raw["raw"].map(postprocess)
    if proper_nouns_csv and segments_csv:
        from deep_past.corpus.lexicon import correct_names, index_names

        names = index_names(read_frame(proper_nouns_csv))
        source = dict(zip(*(read_frame(segments_csv)[c] for c in ("id", "source")), strict=True))
        before = translations.copy()
        translations = pd.Series(
            [
                correct_names(t, source[i], names, min_similarity) if i in source else t
                for i, t in zip(raw["id"], translations, strict=True)
            ],
            index=raw.index,
        )
        log.info("name correction changed %d of %d", int((before != translations).sum()), len(raw))
    write_csv(pd.DataFrame({"id": raw["id"], "translation": translations}), out_csv)
