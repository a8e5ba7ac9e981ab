"""Supervised fine-tuning with trl's ``SFTTrainer``: LoRA, QLoRA or every weight (``full``).

``python -m deep_past.modeling.train --config run.yaml [--key value ...]`` where the YAML holds
``TrainConfig`` fields and flags override them (trl's ``TrlParser``). A run directory holds
``checkpoint-N`` (all kept: the ablation grid evaluates them later), ``final`` (adapter, or the
whole model after full fine-tuning, + tokenizer), ``log_history.json`` and TensorBoard files
under ``tb``. Rerunning into a directory that holds checkpoints resumes from the last one.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import os
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deep_past.modeling.base import (
    choose_device,
    load_model_and_tokenizer,
    lora_config,
    quantization_mode,
)

log = logging.getLogger(__name__)

REPORT_TO = ("tensorboard", "wandb", "none")
FINETUNE = ("lora", "full")
CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


@dataclass
class TrainConfig:
    """One training run. Paths are strings so that the YAML and CLI forms are plain."""

    model: str
    train_file: str
    output_dir: str
    val_file: str | None = None
    finetune: str = "lora"  # lora (adapter on the frozen base; nf4: QLoRA) | full (every weight)
    lora_rank: int = 16
    lora_alpha: int | None = None  # None: twice the rank
    lora_dropout: float = 0.05
    learning_rate: float = 2e-4
    num_epochs: float = 1.0
    max_steps: int = -1  # -1: train for num_epochs
    per_device_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    max_length: int = 512
    save_steps: int = 100
    eval_steps: int = 100
    logging_steps: int = 10
    seed: int = 0
    quantization: str | None = None  # None | "nf4" (QLoRA)
    gradient_checkpointing: bool = False
    report_to: str = "tensorboard"
    wandb_mode: str = "offline"
    wandb_project: str = "deep-past"
    warmup_ratio: float = 0.03
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    group_by_length: bool = False  # batches of similar length: less padding (CPU time)
    neftune_noise_alpha: float | None = None  # noisy embeddings (NEFTune) against overfitting
    bf16: bool | None = None  # None: on when CUDA supports it
    device: str = "auto"
    num_threads: int | None = None  # CPU threads for torch; set it when jobs share a machine

    def __post_init__(self) -> None:
        self.quantization = quantization_mode(self.quantization)
        self._check_numbers()
        self._check_choices()
        self._check_files()

    # SFTConfig accepts zero or negative batch sizes, steps, lengths, epochs and learning rates
    # (it fails later, or trains wrongly), and reads a warm-up of 1 or more as a step count:
    # these checks are ours. The scheduler name is SFTConfig's to check (its message lists the
    # choices); build_trainer builds the SFTConfig before it loads any weights.
    def _check_numbers(self) -> None:
        if self.num_threads is not None and self.num_threads <= 0:
            raise ValueError(f"num_threads must be positive, got {self.num_threads}")
        positive = (
            "lora_rank",
            "per_device_batch_size",
            "gradient_accumulation_steps",
            "max_length",
            "save_steps",
            "eval_steps",
            "logging_steps",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ValueError(
                f"max_steps must be -1 (train by epochs) or positive, got {self.max_steps}"
            )
        if self.max_steps == -1 and self.num_epochs <= 0:
            raise ValueError(f"num_epochs must be positive, got {self.num_epochs}")
        if not 0 <= self.lora_dropout < 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.lora_alpha is not None and self.lora_alpha <= 0:
            raise ValueError(f"lora_alpha must be positive, got {self.lora_alpha}")

    def _check_choices(self) -> None:
        if self.finetune not in FINETUNE:
            raise ValueError(f"finetune must be one of {FINETUNE}, got {self.finetune!r}")
        if self.finetune == "full" and self.quantization:
            raise ValueError(
                "finetune 'full' trains every weight and cannot train 4-bit weights: use "
                "finetune: lora with quantization nf4 (QLoRA), or quantization: none"
            )
        if self.quantization not in (None, "nf4"):
            raise ValueError(f"quantization must be None or 'nf4', got {self.quantization!r}")
        if self.report_to not in REPORT_TO:
            raise ValueError(f"report_to must be one of {REPORT_TO}, got {self.report_to!r}")
        if self.report_to == "wandb" and importlib.util.find_spec("wandb") is None:
            raise ValueError("report_to='wandb' needs the wandb package (extra 'wandb')")
        if self.quantization and self.device == "mps":
            raise ValueError(
                "4-bit quantization (nf4) is not supported on Apple MPS: use "
                "quantization: null there, or a CUDA/CPU machine"
            )
        if self.quantization and self.device == "auto":
            import torch

            # choose_device would skip MPS silently; say so rather than train on CPU unawares.
            if not torch.cuda.is_available() and torch.backends.mps.is_available():
                raise ValueError(
                    "nf4 on an Apple MPS machine would fall back to CPU: set "
                    "quantization: null or device: cpu explicitly"
                )

    def _check_files(self) -> None:
        for name in ("train_file", "val_file"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"{name} not found: {path}")


def _read_records(path: str | Path) -> list[dict[str, Any]]:
    """SFT records ``{"prompt": [...messages], "completion": [assistant message]}``."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if not isinstance(rec.get("prompt"), list) or not isinstance(
                rec.get("completion"), list
            ):
                raise ValueError(
                    f"{path}:{lineno}: a record needs 'prompt' and 'completion' lists "
                    "of chat messages"
                )
            records.append({"prompt": rec["prompt"], "completion": rec["completion"]})
    if not records:
        raise ValueError(f"{path}: no records")
    return records


def load_sft_dataset(path: str | Path) -> Any:
    """A ``datasets.Dataset`` trl tokenizes with the chat template, thinking off.

    trl passes a per-example ``chat_template_kwargs`` column to ``apply_chat_template`` for both
    the prompt (with the generation prompt) and prompt+completion, so the empty think block
    falls in the prompt part (no loss on it) exactly as at generation time.
    """
    from datasets import Dataset

    records = _read_records(path)
    for rec in records:
        rec["chat_template_kwargs"] = {"enable_thinking": False}
    return Dataset.from_list(records)


def last_checkpoint(run_dir: str | Path) -> Path | None:
    """The ``checkpoint-N`` with the highest N that holds a trainer state, or None."""
    found = _checkpoints(run_dir)
    complete = [p for step, p in sorted(found.items()) if (p / "trainer_state.json").is_file()]
    return complete[-1] if complete else None


def _checkpoints(run_dir: str | Path) -> dict[int, Path]:
    run = Path(run_dir)
    if not run.is_dir():
        return {}
    return {
        int(m.group(1)): p
        for p in run.iterdir()
        if p.is_dir() and (m := CHECKPOINT_RE.match(p.name))
    }


def resolve_checkpoint(run_dir: str | Path, ckpt: str) -> Path:
    """Adapter directory of a run: ``last`` (final), ``best`` (lowest eval_loss), ``step<N>``."""
    run = Path(run_dir)
    if ckpt == "last":
        final = run / "final"
        if not final.is_dir():
            raise FileNotFoundError(f"{run} has no final adapter: did the run finish?")
        return final
    if ckpt == "best":
        return _best_checkpoint(run)
    m = re.fullmatch(r"step(\d+)", ckpt)
    if not m:
        raise ValueError(f"unknown checkpoint {ckpt!r}: use last, best or step<N>")
    found = _checkpoints(run)
    step = int(m.group(1))
    if step not in found:
        have = ", ".join(f"step{s}" for s in sorted(found)) or "none"
        raise FileNotFoundError(f"{run} has no checkpoint-{step}; available: {have}")
    return found[step]


def _best_checkpoint(run: Path) -> Path:
    history_file = run / "log_history.json"
    history = json.loads(history_file.read_text()) if history_file.is_file() else []
    evals = [(e["eval_loss"], e["step"]) for e in history if "eval_loss" in e]
    found = _checkpoints(run)
    final_step = max((e.get("step", 0) for e in history), default=None)
    # Only evaluated steps that have weights on disk count; the final step's weights are `final`.
    candidates = [
        (loss, step)
        for loss, step in evals
        if step in found or (step == final_step and (run / "final").is_dir())
    ]
    if not candidates:
        log.warning("%s: no evaluated checkpoint, using the final adapter as 'best'", run)
        return resolve_checkpoint(run, "last")
    _, step = min(candidates)
    return found.get(step, run / "final")


def _training_arguments(cfg: TrainConfig, device: str) -> Any:
    import torch
    from trl import SFTConfig

    bf16 = cfg.bf16
    if bf16 is None:
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    has_eval = cfg.val_file is not None
    return SFTConfig(
        output_dir=cfg.output_dir,
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.num_epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.per_device_batch_size,
        per_device_eval_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        max_length=cfg.max_length,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=None,  # keep every checkpoint for the ablation grid
        eval_strategy="steps" if has_eval else "no",
        eval_steps=cfg.eval_steps if has_eval else None,
        eval_on_start=has_eval,  # the base's validation loss: where the curve starts
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=bf16,
        activation_checkpointing=cfg.gradient_checkpointing,
        warmup_steps=cfg.warmup_ratio,  # transformers 5: a float below 1 is a ratio of steps
        lr_scheduler_type=cfg.lr_scheduler,
        weight_decay=cfg.weight_decay,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        neftune_noise_alpha=cfg.neftune_noise_alpha,
        label_smoothing_factor=float(__import__("os").environ.get("DP_LS", "0")),
        # TensorBoard goes through our own callback (fixed directory output_dir/tb).
        report_to=["wandb"] if cfg.report_to == "wandb" else "none",
        run_name=Path(cfg.output_dir).name,
        use_cpu=device == "cpu",
        completion_only_loss=True,
        dataset_num_proc=None,
        disable_tqdm=False,
    )


def _callbacks(cfg: TrainConfig) -> list[Any]:
    if cfg.report_to != "tensorboard":
        return []
    from torch.utils.tensorboard import SummaryWriter
    from transformers.integrations import TensorBoardCallback

    return [TensorBoardCallback(SummaryWriter(log_dir=str(Path(cfg.output_dir) / "tb")))]


def _setup_wandb(cfg: TrainConfig) -> None:
    if cfg.report_to == "wandb":
        # Offline by default: runs sync later with `wandb sync`; no key is read or logged here.
        os.environ["WANDB_MODE"] = cfg.wandb_mode
        os.environ.setdefault("WANDB_PROJECT", cfg.wandb_project)
        os.environ.setdefault("WANDB_DIR", cfg.output_dir)


def _load_base(cfg: TrainConfig, device: str) -> tuple[Any, Any]:
    model, tokenizer = load_model_and_tokenizer(
        cfg.model, quantization=cfg.quantization, device=device
    )
    if cfg.quantization:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.gradient_checkpointing
        )
    # The cache is useless in training and warns with gradient checkpointing.
    model.config.use_cache = False
    return model, tokenizer


def build_trainer(cfg: TrainConfig, callbacks: list[Any] | None = None) -> Any:
    """The configured ``SFTTrainer`` (model loaded, LoRA attached, datasets tokenized)."""
    from transformers import set_seed
    from trl import SFTTrainer

    if cfg.num_threads:
        import torch

        # OpenMP threads spin: two runs of 2 threads each on 2 cores ran ~10x slower.
        torch.set_num_threads(cfg.num_threads)
    set_seed(cfg.seed)
    device = choose_device(cfg.device, cfg.quantization)
    args = _training_arguments(cfg, device)  # SFTConfig's checks, before the weights load
    model, tokenizer = _load_base(cfg, device)
    return SFTTrainer(
        model=model,
        args=args,
        train_dataset=load_sft_dataset(cfg.train_file),
        eval_dataset=load_sft_dataset(cfg.val_file) if cfg.val_file else None,
        processing_class=tokenizer,
        peft_config=(
            lora_config(cfg.lora_rank, cfg.lora_alpha, cfg.lora_dropout)
            if cfg.finetune == "lora"
            else None
        ),
        callbacks=_callbacks(cfg) + list(callbacks or []),
    )


def train(cfg: TrainConfig, callbacks: list[Any] | None = None) -> Path:
    """Train (resuming when ``output_dir`` holds a checkpoint); returns the run directory."""
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _setup_wandb(cfg)
    (out / "train_config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=2))
    trainer = build_trainer(cfg, callbacks)
    resume = last_checkpoint(out)
    if resume is not None:
        log.info("resuming from %s", resume)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    trainer.model.config.use_cache = True  # off for training; a saved model generates
    trainer.save_model(str(out / "final"))  # adapter or model, + tokenizer (processing_class)
    history = trainer.state.log_history
    (out / "log_history.json").write_text(json.dumps(history, indent=2))
    return out


# ---------------------------------------------------------------- command line


class UnknownConfigFields(ValueError):
    """Keys of a ``--config`` YAML that are no ``TrainConfig`` field."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(f"unknown TrainConfig fields {fields}")
        self.fields = fields


def _none_or(convert: Any) -> Any:
    """A flag's converter that also reads ``none`` / ``null`` as None (as ``null`` in YAML)."""

    def parse(text: str) -> Any:
        return None if text.lower() in ("none", "null") else convert(text)

    return parse


def make_parser() -> Any:
    """trl's ``TrlParser`` over ``TrainConfig``: ``--config`` YAML, ``--field value`` on top."""
    from trl import TrlParser

    class TrainParser(TrlParser):
        def set_defaults_with_config(self, **values: Any) -> list[str]:
            # TrlParser reports unknown keys only after building the config, so behind any
            # missing-field error; say it first.
            unknown = sorted(set(values) - {f.name for f in dataclasses.fields(TrainConfig)})
            if unknown:
                raise UnknownConfigFields(unknown)
            return super().set_defaults_with_config(**values)

    parser = TrainParser(
        TrainConfig,
        description=f"{__doc__.splitlines()[0]} --config run.yaml: YAML of TrainConfig fields.",
    )
    hints = typing.get_type_hints(TrainConfig)
    optional = {
        f.name
        for f in dataclasses.fields(TrainConfig)
        if type(None) in typing.get_args(hints[f.name])
    }
    for action in parser._actions:  # argparse keeps no public list of a parser's arguments
        if action.dest in optional and action.type is not None:
            action.type = _none_or(action.type)
    return parser


def config_from_args(argv: list[str] | None = None) -> TrainConfig:
    """YAML ``--config`` first, then ``--field value`` flags on top."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        (cfg,) = make_parser().parse_args_and_config(argv)
    except UnknownConfigFields as err:
        config = argv[argv.index("--config") + 1]
        raise ValueError(f"{config}: {err}") from None
    return cfg


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    run_dir = train(config_from_args(argv))
    print(run_dir / "final")


if __name__ == "__main__":
    main()
