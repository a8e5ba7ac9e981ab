from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The demo tables shipped in resources/demo (read only: copy them before changing any)."""
    return DEMO


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The whole demo graph, run once per test session in a temporary copy of the workflow."""
    from workflow_helpers import snakemake, workflow_copy

    wf = workflow_copy(tmp_path_factory.mktemp("demo") / "wf")
    done = snakemake(wf, "-c2", "results/submission.csv")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return wf


@pytest.fixture(scope="session")
def demo_texts(demo_dir: Path) -> list[str]:
    """Transliterations and translations of the first 40 demo documents (the tiny model's
    tokenizer is trained on them)."""
    import pandas as pd

    df = pd.read_csv(demo_dir / "train.csv").head(40).fillna("")
    return [t for t in [*df["transliteration"], *df["translation"]] if t]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, demo_texts: list[str]) -> Path:
    """A tiny Qwen3 built from scratch, once per test session, saved like a hub model."""
    import torch

    from deep_past.modeling.base import build_scratch_model

    # One thread: the model is tiny, and on a shared 2-core machine two OpenMP threads contending
    # with other processes made training steps ~10x slower.
    torch.set_num_threads(1)
    return build_scratch_model(demo_texts, tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def tiny(tiny_dir: Path):
    """The tiny model and its tokenizer on CPU, loaded once per test module (tests may not
    change it)."""
    from deep_past.modeling.base import load_model_and_tokenizer

    return load_model_and_tokenizer(tiny_dir, device="cpu")


@pytest.fixture(scope="session")
def lexicon_tables(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """A folder with lexicon.csv and proper_nouns.csv built from the raw demo tables (the
    tables the hints, name correction and synthetic pairs read)."""
    from deep_past.corpus.lexicon import build_lexicon, proper_nouns
    from deep_past.io import DICTIONARY, LEXICON, TRAIN, read_table

    out = tmp_path_factory.mktemp("lexicon_tables")
    lexicon = read_table(demo_dir / "OA_Lexicon_eBL.csv", LEXICON)
    train = read_table(demo_dir / "train.csv", TRAIN)
    dictionary = read_table(demo_dir / "eBL_Dictionary.csv", DICTIONARY)
    build_lexicon(lexicon, dictionary).to_csv(out / "lexicon.csv", index=False)
    proper_nouns(lexicon, train).to_csv(out / "proper_nouns.csv", index=False)
    return out
