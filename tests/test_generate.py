"""Batched generation: determinism, input-order independence, beams, budget, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deep_past.modeling.generate import GenerateConfig, generate, main, render_prompts

SOURCES = [
    "a-na a-šur-i-dí qí-bi-ma",
    "um-ma en-nam-a-šur-ma",
    "KIŠIB ma-nu-ba-lúm-a-šur DUMU ṣí-lá-{d}IM",
    "17 GÍN KÙ.BABBAR ší-im e-ma-ri-im",
    "<gap> ša-pì-ú-tim",
    "a-na",
]


def conversation(src: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "Translate Old Assyrian into English."},
        {"role": "user", "content": src},
    ]


def test_budget_is_clipped_ratio_of_longest_source() -> None:
    cfg = GenerateConfig(max_new_tokens=100, max_new_tokens_ratio=1.5, min_new_tokens=10)
    assert cfg.budget(2) == 10
    assert cfg.budget(21) == 32
    assert cfg.budget(500) == 100
    assert GenerateConfig(max_new_tokens=5, min_new_tokens=8).budget(1) == 5  # the cap wins


def test_config_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match="num_return_sequences"):
        GenerateConfig(num_beams=2, num_return_sequences=3)
    with pytest.raises(ValueError, match="batch_size"):
        GenerateConfig(batch_size=0)
    with pytest.raises(ValueError, match="temperature"):
        GenerateConfig(do_sample=True, temperature=0)


def test_prompts_end_with_empty_think_block(tiny) -> None:
    _, tok = tiny
    (prompt,) = render_prompts(tok, [conversation("a-na")])
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_greedy_is_deterministic_and_independent_of_input_order(tiny) -> None:
    model, tok = tiny
    cfg = GenerateConfig(batch_size=4, max_new_tokens=12, min_new_tokens=12)
    messages = [conversation(s) for s in SOURCES]
    first = generate(model, tok, messages, cfg)
    assert len(first) == len(SOURCES) and all(len(x) == 1 for x in first)
    assert generate(model, tok, messages, cfg) == first
    reordered = generate(model, tok, messages[::-1], cfg)
    assert reordered[::-1] == first
    assert generate(model, tok, [], cfg) == []


def test_beam_search_returns_num_return_sequences(tiny) -> None:
    model, tok = tiny
    cfg = GenerateConfig(batch_size=2, num_beams=3, num_return_sequences=3, max_new_tokens=6)
    out = generate(model, tok, [conversation(s) for s in SOURCES[:3]], cfg)
    assert [len(x) for x in out] == [3, 3, 3]
    assert all(isinstance(t, str) for x in out for t in x)


def test_sampling_is_reproducible_under_a_seed(tiny) -> None:
    model, tok = tiny
    cfg = GenerateConfig(
        do_sample=True,
        num_return_sequences=2,
        temperature=0.9,
        top_p=0.95,
        max_new_tokens=8,
        seed=3,
    )
    messages = [conversation(s) for s in SOURCES[:2]]
    out = generate(model, tok, messages, cfg)
    assert [len(x) for x in out] == [2, 2]
    assert generate(model, tok, messages, cfg) == out


def test_cli_writes_generations_next_to_input_fields(tmp_path: Path, tiny_dir: Path) -> None:
    src = tmp_path / "prompts.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": i, "prompt": conversation(s)}) + "\n"
            for i, s in enumerate(SOURCES[:2])
        )
    )
    out = tmp_path / "out" / "gen.jsonl"
    main(
        [
            "--model",
            str(tiny_dir),
            "--input",
            str(src),
            "--output",
            str(out),
            "--max_new_tokens",
            "4",
            "--device",
            "cpu",
        ]
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [0, 1]
    assert all(len(r["generations"]) == 1 for r in rows)


def test_a_prompt_over_the_models_context_keeps_its_end_with_a_warning(
    tiny, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Prompts from elsewhere (the CLI) may exceed the context: no crash, no huge allocation;
    the model sees at most context - budget prompt tokens, and the log names the prompt."""
    model, tok = tiny
    monkeypatch.setattr(model.config, "max_position_embeddings", 96)
    cfg = GenerateConfig(max_new_tokens=8, min_new_tokens=8, do_sample=True, seed=1)
    messages = [conversation("a-na"), conversation(" ".join(SOURCES * 20))]
    (long_prompt,) = render_prompts(tok, messages[1:])
    n_long = len(tok(long_prompt, add_special_tokens=False)["input_ids"])
    seen: list[int] = []

    def prefill_length(module, args, kwargs):  # type: ignore[no-untyped-def]
        if not seen:
            seen.append(kwargs["input_ids"].shape[1])

    hook = model.register_forward_pre_hook(prefill_length, with_kwargs=True)
    try:
        with caplog.at_level("WARNING", logger="deep_past.modeling.generate"):
            out = generate(model, tok, messages, cfg)
    finally:
        hook.remove()
    assert [len(x) for x in out] == [1, 1]
    assert seen == [96 - 8] and n_long > 96
    assert f"prompt 1 has {n_long} tokens" in caplog.text
    assert f"its first {n_long - 88} tokens are dropped" in caplog.text


def test_predict_answers_keeps_every_sampled_hypothesis(
    tmp_path: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MBR's sampled members: k hypotheses per id, one row each, in id order; one model load
    answers both splits, and timing.json gives each answer file its prompts and seconds."""
    import pandas as pd

    from deep_past.modeling import base as base_module
    from deep_past.modeling.base import MANIFEST
    from deep_past.steps import predict as step

    loads = []
    real_load = base_module.load_model_and_tokenizer
    monkeypatch.setattr(
        step, "load_model_and_tokenizer", lambda *a, **k: loads.append(a) or real_load(*a, **k)
    )
    base = tmp_path / "base"
    base.mkdir()
    (base / MANIFEST).write_text(json.dumps({"model": "scratch", "path": str(tiny_dir)}))
    prompts = {}
    for split, sources in (("val", SOURCES[:3]), ("test", SOURCES[3:5])):
        prompts[split] = tmp_path / f"{split}.jsonl"
        prompts[split].write_text(
            "".join(
                json.dumps({"id": str(i), "prompt": conversation(s)}, ensure_ascii=False) + "\n"
                for i, s in enumerate(sources)
            )
        )
    generation = {"do_sample": True, "num_return_sequences": 3, "temperature": 0.7}
    outs = {split: str(tmp_path / f"{split}.raw.csv") for split in prompts}
    step.predict_answers(
        base,
        prompts,
        [(None, split, out) for split, out in outs.items()],
        tmp_path / "timing.json",
        generation={**generation, "max_new_tokens": 4, "min_new_tokens": 1},
        model={"device": "cpu"},
    )
    frame = pd.read_csv(outs["val"], dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == ["0"] * 3 + ["1"] * 3 + ["2"] * 3
    assert len(pd.read_csv(outs["test"])) == 2 * 3
    assert len(loads) == 1
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert {k: v["prompts"] for k, v in timing.items()} == {outs["val"]: 3, outs["test"]: 2}
    assert all(
        v["s"] == pytest.approx(v["load_s"] + v["generate_s"], abs=0.01) for v in timing.values()
    )


SHIPPED = Path(__file__).resolve().parents[1] / "resources" / "models" / "tiny"


def test_greedy_rounds_give_the_one_at_a_time_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows leave a greedy batch when they end and the rest are regrouped: the outputs are what
    one prompt at a time gives (each row its own budget), in input order, in several rounds."""
    from deep_past.modeling.base import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer(SHIPPED, device="cpu")
    messages = [conversation(s) for s in SOURCES]
    alone = generate(model, tok, messages, GenerateConfig(batch_size=1, max_new_tokens=24))
    calls: list[int] = []
    original = model.generate

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["input_ids"].shape[0])
        return original(**kwargs)

    monkeypatch.setattr(model, "generate", counted)
    cfg = GenerateConfig(batch_size=4, max_new_tokens=24, refill_tokens=1)
    assert cfg.refills and not GenerateConfig(batch_size=1).refills
    assert generate(model, tok, messages, cfg) == alone
    assert len(calls) > 2 and calls[0] == 4  # rounds, first a full batch
    assert calls[-1] < 4  # the finished rows have left
    assert all(len(x) == 1 and x[0] for x in alone)


def test_greedy_rounds_respect_each_rows_budget(tiny) -> None:
    """A random model rarely ends: every row runs to its own budget (ratio x its source)."""
    model, tok = tiny
    cfg = GenerateConfig(
        batch_size=3, max_new_tokens=40, max_new_tokens_ratio=1.0, min_new_tokens=2
    )
    messages = [conversation(s) for s in SOURCES]
    out = generate(model, tok, messages, GenerateConfig(**{**cfg.__dict__, "refill_tokens": 5}))
    alone = generate(model, tok, messages, GenerateConfig(**{**cfg.__dict__, "batch_size": 1}))
    assert out == alone
    lengths = [len(tok(m[-1]["content"], add_special_tokens=False)["input_ids"]) for m in messages]
    for (text,), n in zip(out, lengths, strict=True):
        assert len(tok(text, add_special_tokens=False)["input_ids"]) <= cfg.budget(n) + 1


def test_refill_tokens_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="refill_tokens"):
        GenerateConfig(refill_tokens=-1)
    assert not GenerateConfig(batch_size=8, num_beams=2).refills
    assert not GenerateConfig(batch_size=8, refill_tokens=0).refills
