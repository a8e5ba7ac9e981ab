"""LoRA, QLoRA and full fine-tuning with trl on the tiny model: loss, resume, checkpoints,
config checks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from transformers import TrainerCallback

from deep_past.modeling.train import (
    TrainConfig,
    build_trainer,
    config_from_args,
    resolve_checkpoint,
    train,
)

SYSTEM = "Translate Old Assyrian into English."


def write_records(demo_dir: Path, path: Path, rows: int, words: int = 6, skip: int = 0) -> Path:
    """SFT records as the dataset module writes them, from short cuts of demo documents."""
    df = pd.read_csv(demo_dir / "train.csv").dropna().iloc[skip : skip + rows]
    with open(path, "w", encoding="utf-8") as fh:
        for r in df.itertuples():
            src = " ".join(r.transliteration.split()[:words])
            tgt = " ".join(r.translation.split()[:words])
            rec = {
                "prompt": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": src},
                ],
                "completion": [{"role": "assistant", "content": tgt}],
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def data(
    tmp_path_factory: pytest.TempPathFactory, tiny_dir: Path, demo_dir: Path
) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("data")
    return {
        "model": tiny_dir,
        "train": write_records(demo_dir, d / "train.jsonl", rows=4),
        "val": write_records(demo_dir, d / "val.jsonl", rows=4, skip=4),
    }


def make_cfg(data: dict[str, Path], out: Path, **kw) -> TrainConfig:
    base = dict(
        model=str(data["model"]),
        train_file=str(data["train"]),
        val_file=str(data["val"]),
        output_dir=str(out),
        lora_rank=8,
        learning_rate=1e-2,
        max_steps=6,
        per_device_batch_size=4,
        save_steps=2,
        eval_steps=2,
        logging_steps=1,
        warmup_ratio=0.0,
        lr_scheduler="constant",
        report_to="none",
        device="cpu",
    )
    return TrainConfig(**{**base, **kw})


class Boom(RuntimeError):
    pass


class KillAfter(TrainerCallback):
    """Simulates a killed job: raises at the end of a given step."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise Boom(f"killed after step {self.step}")


class FirstStep(TrainerCallback):
    def __init__(self) -> None:
        self.first: int | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if self.first is None:
            self.first = state.global_step


@pytest.mark.slow
def test_trl_trains_on_completion_with_the_generation_prompt(data, tmp_path: Path) -> None:
    """trl 1.16 renders prompt+completion with enable_thinking=False: the empty think block sits
    in the (masked) prompt exactly as at generation time, the loss covers the answer + stop."""
    trainer = build_trainer(make_cfg(data, tmp_path / "run"))
    tok = trainer.processing_class
    rec = json.loads(data["train"].read_text().splitlines()[0])
    example = trainer.train_dataset[0]
    gen_prompt = tok.apply_chat_template(
        rec["prompt"], tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    target = rec["completion"][0]["content"] + "<|im_end|>\n"
    assert tok.decode(example["input_ids"]) == gen_prompt + target
    trained = [
        t for t, lab in zip(example["input_ids"], example["labels"], strict=True) if lab != -100
    ]
    assert tok.decode(trained) == target
    assert gen_prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


@pytest.mark.slow
def test_training_lowers_loss_and_writes_run_dir(data, tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = make_cfg(data, out, max_steps=12, save_steps=6, eval_steps=6, report_to="tensorboard")
    assert train(cfg) == out
    history = json.loads((out / "log_history.json").read_text())
    losses = [e["loss"] for e in history if "loss" in e]
    assert len(losses) == 12 and losses[-1] < losses[0] - 0.5
    assert [e["step"] for e in history if "eval_loss" in e] == [0, 6, 12]  # 0: eval on start
    assert (out / "final" / "adapter_model.safetensors").is_file()
    assert (out / "final" / "tokenizer.json").is_file()
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-12", "checkpoint-6"]
    assert any((out / "tb").iterdir())
    assert resolve_checkpoint(out, "best") in (out / "checkpoint-6", out / "checkpoint-12")


@pytest.mark.slow
def test_killed_run_resumes_from_last_checkpoint(data, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(Boom):
        train(make_cfg(data, out), callbacks=[KillAfter(3)])
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2"]
    first = FirstStep()
    train(make_cfg(data, out), callbacks=[first])
    assert first.first == 3  # picked up after checkpoint-2, not from scratch
    history = json.loads((out / "log_history.json").read_text())
    assert [e["step"] for e in history if "loss" in e] == [1, 2, 3, 4, 5, 6]
    assert sorted(p.name for p in out.glob("checkpoint-*")) == [
        "checkpoint-2",
        "checkpoint-4",
        "checkpoint-6",
    ]
    # Optimizer, scheduler, RNG and data order are restored: same adapter as an unbroken run.
    unbroken = train(make_cfg(data, tmp_path / "unbroken"))
    a = load_file(out / "final" / "adapter_model.safetensors")
    b = load_file(unbroken / "final" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_qlora_nf4_trains_on_cpu(data, tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = make_cfg(data, out, quantization="nf4", max_steps=2, val_file=None, save_steps=2)
    train(cfg)
    history = json.loads((out / "log_history.json").read_text())
    losses = [e["loss"] for e in history if "loss" in e]
    assert len(losses) == 2 and all(loss == loss for loss in losses)  # finite, not NaN
    assert (out / "final" / "adapter_model.safetensors").is_file()


def test_full_finetuning_updates_every_weight_and_saves_whole_models(data, tmp_path: Path) -> None:
    """finetune: full trains through the same SFTTrainer path: checkpoints and ``final`` are
    whole models (loadable in the base's place), every weight moved, and a killed run resumes."""
    from deep_past.modeling.base import is_full_checkpoint, load_model_and_tokenizer

    out = tmp_path / "run"
    with pytest.raises(Boom):
        train(make_cfg(data, out, finetune="full", learning_rate=1e-3), callbacks=[KillAfter(3)])
    first = FirstStep()
    train(make_cfg(data, out, finetune="full", learning_rate=1e-3), callbacks=[first])
    assert first.first == 3
    history = json.loads((out / "log_history.json").read_text())
    losses = [e["loss"] for e in history if "loss" in e]
    assert losses[-1] < losses[0]
    for ckpt in ("last", "best", "step4"):
        assert is_full_checkpoint(resolve_checkpoint(out, ckpt))
    assert not (out / "final" / "adapter_config.json").exists()
    base = load_file(Path(data["model"]) / "model.safetensors")
    tuned = load_file(out / "final" / "model.safetensors")
    assert base.keys() == tuned.keys()
    assert all(not torch.equal(base[k], tuned[k]) for k in base)  # every weight trained
    model, _ = load_model_and_tokenizer(data["model"], adapter=out / "final", device="cpu")
    assert not hasattr(model, "peft_config") and model.config.use_cache
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], tuned[k]) for k in tuned if k in loaded)


def fake_run(run: Path, evals: dict[int, float], steps: list[int], final: bool = True) -> Path:
    for s in steps:
        (run / f"checkpoint-{s}").mkdir(parents=True)
    if final:
        (run / "final").mkdir(parents=True)
    history = [{"loss": 1.0, "step": s} for s in steps]
    history += [{"eval_loss": loss, "step": s} for s, loss in evals.items()]
    (run / "log_history.json").write_text(json.dumps(history))
    return run


def test_resolve_checkpoint(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "r", {2: 1.5, 4: 1.2, 6: 1.3}, [2, 4, 6])
    assert resolve_checkpoint(run, "last") == run / "final"
    assert resolve_checkpoint(run, "best") == run / "checkpoint-4"
    assert resolve_checkpoint(run, "step6") == run / "checkpoint-6"
    with pytest.raises(FileNotFoundError, match="available: step2, step4, step6"):
        resolve_checkpoint(run, "step5")
    with pytest.raises(ValueError, match="last, best or step<N>"):
        resolve_checkpoint(run, "latest")


def test_resolve_best_falls_back_to_last_without_eval(tmp_path: Path) -> None:
    run = fake_run(tmp_path / "r", {}, [2, 4])
    assert resolve_checkpoint(run, "best") == run / "final"
    unfinished = fake_run(tmp_path / "u", {}, [2], final=False)
    with pytest.raises(FileNotFoundError, match="no final adapter"):
        resolve_checkpoint(unfinished, "last")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"lora_rank": 0}, "lora_rank must be positive"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"max_steps": 0}, "max_steps"),
        ({"quantization": "int8"}, "quantization"),
        ({"quantization": "nf4", "device": "mps"}, "not supported on Apple MPS"),
        ({"report_to": "mlflow"}, "report_to"),
        ({"finetune": "half"}, "finetune must be one of"),
        ({"finetune": "full", "quantization": "nf4"}, "cannot train 4-bit weights"),
        ({"train_file": "/nonexistent.jsonl"}, "train_file not found"),
    ],
)
def test_config_rejects_conflicts(data, tmp_path: Path, override: dict, message: str) -> None:
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        make_cfg(data, tmp_path, **override)


def test_sft_config_checks_the_scheduler_before_any_weights_load(data, tmp_path: Path) -> None:
    """The scheduler name is SFTConfig's to check; a model path that does not exist shows the
    check comes first."""
    cfg = make_cfg(data, tmp_path / "run", lr_scheduler="bogus", model=str(tmp_path / "none"))
    with pytest.raises(ValueError, match="bogus is not a valid SchedulerType"):
        build_trainer(cfg)


def test_config_from_yaml_and_overrides(data, tmp_path: Path) -> None:
    yml = tmp_path / "run.yaml"
    yml.write_text(
        f"model: {data['model']}\ntrain_file: {data['train']}\noutput_dir: {tmp_path / 'o'}\n"
        "lora_rank: 4\nquantization: null\n"
    )
    cfg = config_from_args(
        [
            "--config",
            str(yml),
            "--lora_rank",
            "32",
            "--val_file",
            "none",
            "--gradient_checkpointing",
            "true",
            "--learning_rate",
            "1e-4",
        ]
    )
    assert cfg.lora_rank == 32 and cfg.val_file is None and cfg.gradient_checkpointing
    assert cfg.learning_rate == 1e-4 and cfg.quantization is None
    yml.write_text(yml.read_text() + "learning_rate: 3e-4\n")  # a string to YAML 1.1
    assert config_from_args(["--config", str(yml)]).learning_rate == 3e-4
    with pytest.raises(ValueError, match="not used by the HfArgumentParser: \\['--rank'"):
        config_from_args(["--config", str(yml), "--rank", "3"])
    yml.write_text("model: x\nrank: 3\n")
    with pytest.raises(ValueError, match=r"run.yaml: unknown TrainConfig fields \['rank'\]"):
        config_from_args(["--config", str(yml)])


def test_the_shipped_base_is_copied_into_results_without_a_machine_path(tmp_path: Path) -> None:
    from deep_past.modeling.base import base_model_path
    from deep_past.steps.train import base_model_dir

    shipped = Path(__file__).resolve().parents[1] / "resources" / "models" / "tiny"
    out = tmp_path / "results" / "base_model"
    base_model_dir("tiny", {}, tmp_path / "unused.csv", out, shipped=shipped)
    manifest = json.loads((out / "base_model.json").read_text())
    # The Kaggle export records where its base came from: never an absolute path of this machine.
    assert manifest == {"model": "tiny", "path": "."}
    assert base_model_path(out) == str(out)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        assert (out / name).read_bytes() == (shipped / name).read_bytes()
