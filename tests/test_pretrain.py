"""Continued pre-training: its texts (training documents only, optionally their English) and
full / LoRA runs on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from deep_past.corpus.segments import document_pairs, split_pairs
from deep_past.io import TRAIN, read_table
from deep_past.modeling.base import load_model_and_tokenizer
from deep_past.modeling.pretrain import PretrainConfig, pack, pretrain, pretrain_texts


def demo_pairs(demo_dir: Path, tmp_path: Path) -> Path:
    """pairs.csv of the demo documents (whole documents only), a tenth held out."""
    pairs = split_pairs(document_pairs(read_table(demo_dir / "train.csv", TRAIN)), 0.1, 0)
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    return tmp_path / "pairs.csv"


def test_pretrain_texts_are_training_documents_and_optionally_their_english(demo_dir, tmp_path):
    pairs_csv = demo_pairs(demo_dir, tmp_path)
    pairs = pd.read_csv(pairs_csv)
    train_docs = pairs[pairs["split"] == "train"]
    source_only = pretrain_texts(None, pairs_csv)
    assert len(source_only) == train_docs["source"].nunique()
    held_out = pairs.loc[pairs["split"] == "val", "target"].iloc[0]
    with_english = pretrain_texts(None, pairs_csv, english=True)
    assert train_docs["target"].iloc[0] in with_english and held_out not in with_english
    published = tmp_path / "published_texts.csv"
    pd.DataFrame({"transliteration": ["a-na ša-lim-a-šùr", ""]}).to_csv(published, index=False)
    assert pretrain_texts(published, pairs_csv)[-1] == "a-na ša-lim-a-šùr"


def test_pretrain_tiny_model_full_and_lora(tiny_dir, demo_dir, tmp_path):
    assert pack([[1, 2], [3]], 0, 2) == [[1, 2], [0, 3]]
    texts = pretrain_texts(tmp_path / "absent.csv", demo_pairs(demo_dir, tmp_path))[:16]
    tiny = str(tiny_dir)
    for mode in ("full", "lora"):
        cfg = PretrainConfig(
            model=tiny,
            output_dir=str(tmp_path / mode),
            mode=mode,
            max_steps=3,
            batch_size=2,
            max_length=32,
            lora_rank=4,
            learning_rate=1e-3,
            device="cpu",
            num_threads=1,
        )
        out = pretrain(cfg, texts)
        manifest = json.loads((out / "base_model.json").read_text())
        assert manifest["path"] == "." and manifest["from"] == tiny
        history = json.loads((out / "pretrain_history.json").read_text())
        assert history and not (out.parent / f"{mode}.partial").exists()
        model, _ = load_model_and_tokenizer(out, device="cpu")
        base, _ = load_model_and_tokenizer(tiny, device="cpu")
        changed = any(
            not (a == b).all()
            for a, b in zip(model.state_dict().values(), base.state_dict().values(), strict=True)
        )
        assert changed and not hasattr(model, "peft_config")
    with pytest.raises(ValueError, match="mode"):
        PretrainConfig(model=tiny, output_dir="x", mode="half")
