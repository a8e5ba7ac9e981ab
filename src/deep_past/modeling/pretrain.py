"""Continued pre-training: the base model as a plain causal LM on untranslated text.

Source-side pre-training was the largest single documented gain among published solutions. The
texts are the transliterations of the training documents (never the held-out validation ones)
and of ``published_texts.csv`` (column ``transliteration``) when the data has it, all through
the pipeline's transliteration normaliser so the model sees the same spelling as in fine-tuning;
with ``english`` also the training documents' English, which a model built from scratch must
learn too. Texts are packed into blocks of ``max_length`` tokens.

``mode: full`` trains every weight (right for small models); ``mode: lora`` trains a LoRA
adapter and merges it, so the output is a plain model directory either way, with the base's
tokenizer and a ``base_model.json`` manifest: the ``train`` rule fine-tunes it like any base.
Checkpoints every ``save_steps`` let a killed run resume.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

MODES = ("full", "lora")


@dataclass
class PretrainConfig:
    model: str  # what from_pretrained loads (the base model)
    output_dir: str
    mode: str = "full"
    max_steps: int = 200
    learning_rate: float = 1e-4
    batch_size: int = 8
    max_length: int = 256
    lora_rank: int = 16
    english: bool = False
    save_steps: int = 100
    warmup_ratio: float = 0.05
    seed: int = 0
    device: str = "auto"
    num_threads: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"pretrain mode must be one of {MODES}, got {self.mode!r}")
        for name in ("max_steps", "batch_size", "max_length", "lora_rank", "save_steps"):
            if getattr(self, name) <= 0:
                raise ValueError(f"pretrain {name} must be positive, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"pretrain learning_rate must be positive, got {self.learning_rate}")


def pretrain_texts(
    published_csv: str | Path | None, pairs_csv: str | Path, english: bool = False
) -> list[str]:
    """Normalised, non-empty, de-duplicated texts: the training documents' transliterations
    (and English when asked), then those of published_texts.csv when given."""
    from deep_past.io import read_frame
    from deep_past.text.transliteration import normalize_transliteration

    pairs = read_frame(pairs_csv)
    docs = pairs[(pairs["kind"] == "document") & (pairs["split"] == "train")]
    sources = docs["source"].tolist()
    if published_csv and Path(published_csv).is_file():
        frame = pd.read_csv(published_csv, dtype=str, keep_default_na=False)
        if "transliteration" not in frame.columns:
            raise ValueError(f"{published_csv}: no column 'transliteration'")
        sources += frame["transliteration"].tolist()
    texts = [normalize_transliteration(t) for t in sources]
    if english:
        texts += docs["target"].tolist()
    unique = list(dict.fromkeys(t for t in texts if t.strip()))
    log.info(
        "pre-training texts: %d (published: %s, english: %s)", len(unique), published_csv, english
    )
    if not unique:
        raise ValueError(f"{pairs_csv}: no training documents to pre-train on")
    return unique


def pack(token_lists: list[list[int]], eos_id: int, block: int) -> list[list[int]]:
    """Concatenate texts (each closed by eos) and cut into full blocks; a short tail is kept
    only when it is the only block."""
    stream = [t for ids in token_lists for t in [*ids, eos_id]]
    blocks = [stream[i : i + block] for i in range(0, len(stream), block)]
    if len(blocks) > 1 and len(blocks[-1]) < block:
        blocks.pop()
    return blocks


def pretrain(cfg: PretrainConfig, texts: list[str]) -> Path:
    """Train and save the model (merged when LoRA) with its tokenizer into ``output_dir``."""
    import torch
    from datasets import Dataset
    from transformers import (
        DataCollatorForLanguageModeling,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from deep_past.modeling.base import choose_device, load_model_and_tokenizer, lora_config

    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    set_seed(cfg.seed)
    device = choose_device(cfg.device)
    model, tokenizer = load_model_and_tokenizer(cfg.model, device=device)
    model.config.use_cache = False
    if cfg.mode == "lora":
        from peft import get_peft_model

        model = get_peft_model(model, lora_config(cfg.lora_rank, dropout=0.0))
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    blocks = pack(ids, tokenizer.eos_token_id, cfg.max_length)
    log.info("pre-training on %d blocks of <= %d tokens", len(blocks), cfg.max_length)
    out = Path(cfg.output_dir)
    work = out.with_name(out.name + ".work")
    args = TrainingArguments(
        output_dir=str(work),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        warmup_steps=cfg.warmup_ratio,
        lr_scheduler_type="cosine",
        logging_steps=10,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=1,
        report_to="none",
        seed=cfg.seed,
        data_seed=cfg.seed,
        use_cpu=device == "cpu",
        bf16=device == "cuda" and torch.cuda.is_bf16_supported(),
        disable_tqdm=False,
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_dict({"input_ids": blocks}),
        data_collator=collator,
    )
    from deep_past.modeling.train import last_checkpoint

    resume = last_checkpoint(work)
    if resume is not None:
        log.info("resuming pre-training from %s", resume)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    if cfg.mode == "lora":
        model = model.merge_and_unload()
    model.config.use_cache = True
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    history = [e for e in trainer.state.log_history if "loss" in e or "train_loss" in e]
    (partial / "pretrain_history.json").write_text(json.dumps(history, indent=2))
    settings = {k: v for k, v in asdict(cfg).items() if k not in ("model", "output_dir")}
    manifest = {"model": "pretrained", "path": ".", "from": cfg.model, "texts": len(texts)}
    manifest["settings"] = settings
    (partial / "base_model.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
    return out
