"""The config schema against what it feeds: the dataclasses and functions its sections become,
the code's own lists of allowed values, and config/README.md (generated from it)."""

import dataclasses
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array"}


def section(path: str) -> dict:
    """The schema of a dotted config key; ``NAME`` steps into a map's entries."""
    spec = SCHEMA
    for part in path.split("."):
        spec = spec["additionalProperties"] if part == "NAME" else spec["properties"][part]
    return spec


def defaults(target) -> dict:
    """Settable names of a dataclass or function, with their defaults (None: none or no default)."""
    if dataclasses.is_dataclass(target):
        return {
            f.name: None if f.default is dataclasses.MISSING else f.default
            for f in dataclasses.fields(target)
            if f.init
        }
    params = inspect.signature(target).parameters.values()
    return {p.name: None if p.default is p.empty else p.default for p in params}


def assert_feeds(path: str, target, renamed=None, exact=False, skip=()):
    """Every key of ``path`` (but ``skip``) is a settable name of ``target`` (after ``renamed``),
    of a type its default has; with ``exact``, every settable name is a key too."""
    properties = {k: v for k, v in section(path)["properties"].items() if k not in skip}
    names = defaults(target)
    for key, spec in properties.items():
        name = (renamed or {}).get(key, key)
        assert name in names, f"config {path}.{key}: {target.__name__} has no {name!r}"
        default = names[name]
        if default is not None and "type" in spec:
            expected = JSON_TYPES[type(default)]
            allowed = {expected, "number"} if expected == "integer" else {expected}
            assert spec["type"] in allowed, f"config {path}.{key}: {spec['type']} vs {default!r}"
    if exact:
        assert set(properties) == set(names), f"config {path} vs {target.__name__}"


def test_memory_options_accept_every_memory_config_field():
    from deep_past.retrieval.memory import MemoryConfig

    assert_feeds("memory_options", MemoryConfig, exact=True)


def test_hparams_presets_feed_train_config():
    from deep_past.modeling.train import TrainConfig

    # As rules/common.smk's train_settings passes them on.
    renamed = {"batch_size": "per_device_batch_size", "lora_alpha_ratio": "lora_alpha"}
    assert_feeds("hparams.NAME", TrainConfig, renamed)


def test_generation_feeds_generate_config():
    from deep_past.modeling.generate import GenerateConfig

    assert_feeds("generation", GenerateConfig)


def test_scratch_model_feeds_build_scratch_model():
    from deep_past.modeling.base import build_scratch_model

    assert_feeds("scratch_model", build_scratch_model)


def test_pretrain_feeds_pretrain_config():
    from deep_past.modeling.pretrain import PretrainConfig

    assert_feeds("pretrain", PretrainConfig, skip=("enabled",))  # enabled: whether it runs


# Config key -> (module, constant): the values the code accepts there.
ENUMS = {
    "quantization": ("deep_past.modeling.base", "QUANTIZATIONS"),  # and "none"
    "report_to": ("deep_past.modeling.train", "REPORT_TO"),
    "scratch_model.chat_template": ("deep_past.modeling.base", "CHAT_TEMPLATES"),
    "data.alignment": ("deep_past.corpus.align.strategy", "ALIGNMENTS"),
    "data.train_kinds": ("deep_past.corpus.segments", "PAIR_KINDS"),
    "memory_options.kinds": ("deep_past.corpus.segments", "PAIR_KINDS"),
    "pretrain.mode": ("deep_past.modeling.pretrain", "MODES"),
    "hparams.NAME.finetune": ("deep_past.modeling.train", "FINETUNE"),
    "mbr.NAME.utility": ("deep_past.evaluation.mbr", "UTILITIES"),
    "kaggle.export.dtype": ("deep_past.kaggle.export", "DTYPES"),
    "kaggle.export.quantize": ("deep_past.kaggle.export", "QUANTIZE"),
    "kaggle.notebook.dtype": ("deep_past.kaggle.export", "DTYPES"),
    "kaggle.budget.hardware": ("deep_past.kaggle.budget", "HARDWARE"),
}


@pytest.mark.parametrize("path", list(ENUMS))
def test_schema_enums_are_the_codes_values(path):
    module, name = ENUMS[path]
    values = set(getattr(importlib.import_module(module), name))
    if path == "quantization":
        values.add("none")  # the rules' word for None
    spec = section(path)
    enum = spec["items"]["enum"] if spec.get("type") == "array" else spec["enum"]
    assert set(enum) == values, f"config {path} vs {module}.{name}"


def test_config_readme_is_generated_from_the_schema():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools/config_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    readme = (ROOT / "config/README.md").read_text()
    for key in (
        "`memory_options.ngram_hi`",
        "`hparams.NAME.learning_rate`",
        "`kaggle.budget.margin`",
    ):
        assert key in readme


@pytest.mark.parametrize(
    "overlay",
    sorted(p.name for p in (ROOT / "config").glob("*.yaml") if p.name != "config.yaml"),
)
def test_every_shipped_overlay_validates_on_the_defaults(overlay):
    """Each config/*.yaml, merged onto the defaults as --configfile merges it, passes the schema
    (a typo in an overlay would otherwise surface only when a user runs it)."""
    from snakemake.utils import update_config, validate

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    update_config(config, yaml.safe_load((ROOT / "config" / overlay).read_text()))
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
