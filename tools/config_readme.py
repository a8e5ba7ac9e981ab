"""Write config/README.md from workflow/schemas/config.schema.yaml: every config key with its
type, default and meaning (the snakemake-workflows catalog's config/README.md). The default is
config/config.yaml's value where it sets the key (what a run without overlays gets), else the
schema's.

Usage: python tools/config_readme.py            rewrite config/README.md
       python tools/config_readme.py --check    exit 1 when it is not what the schema gives

tests/test_config_schema.py runs the check, so an edit of the schema comes with its README.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
README = ROOT / "config" / "README.md"
CONFIG = ROOT / "config" / "config.yaml"
UNSET = object()

HEADER = """\
# Configuration

`config/config.yaml` is the default configuration: the embedded demo (small data, the shipped
tiny model, CPU, minutes). Change it with overlays, `snakemake --configfile config/cloud.yaml`
(later files win), or single keys, `snakemake --config submission=memory`. Every run validates
the merged configuration against `workflow/schemas/config.schema.yaml`: an unknown key or a
value of the wrong type stops it before any job, naming the key.

The overlays shipped in `config/`: `cloud.yaml` (full data, Qwen/Qwen3-1.7B, QLoRA on CUDA),
`rank-prompts.yaml` (one run per prompt variant), `sweep.yaml`, `measure.yaml`,
`base-build.yaml` and `base-continue.yaml` (building the shipped base). Each says what it is for.

This file is generated from the schema and `config/config.yaml` (`python
tools/config_readme.py`): edit the schema's descriptions, not this file. A default is the value
of `config/config.yaml` (what a run without overlays gets), else the schema's; "-" means unset
(or, for a section, see its keys). `NAME` stands for a name you choose (an hparams preset, an
MBR ensemble); a key an entry leaves out gets the default listed here.
"""


def type_of(spec: dict[str, Any]) -> str:
    """The value's type in words: `string`, `one of a, b`, `list of integer`, `string or null`."""
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    kind = spec.get("type", "any")
    if kind == "array":
        items = spec.get("items", {})
        if "enum" in items:
            return "list of any of " + ", ".join(f"`{v}`" for v in items["enum"])
        pattern = f" matching `{items['pattern']}`" if "pattern" in items else ""
        return f"list of {type_of(items)}{pattern}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if "pattern" in spec:
        return f"{kind} matching `{spec['pattern']}`"
    return kind


def limits(spec: dict[str, Any]) -> str:
    words = {
        "minimum": ">=",
        "exclusiveMinimum": ">",
        "maximum": "<=",
        "exclusiveMaximum": "<",
        "minItems": "items >=",
        "minLength": "length >=",
        "maxLength": "length <=",
        "minProperties": "entries >=",
    }
    return ", ".join(f"{words[k]} {spec[k]}" for k in words if k in spec)


def default_of(spec: dict[str, Any], configured: Any) -> str:
    value = configured if configured is not UNSET else spec.get("default", UNSET)
    if value is UNSET:
        return "-"
    if spec.get("type") == "object":
        if isinstance(spec.get("additionalProperties"), dict):  # a map of NAMEs: their names
            return ", ".join(f"`{name}`" for name in value) or "-"
        if "properties" in spec:  # a section: see its keys
            return "-"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def lookup(config: Any, key: str) -> Any:
    """config.yaml's value of a dotted key (UNSET when absent or under a NAME)."""
    for part in key.split("."):
        if not isinstance(config, dict) or part not in config:
            return UNSET
        config = config[part]
    return config


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rows(prefix: str, spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(dotted key, spec) for ``spec`` and every key under it, depth first, schema order."""
    out = [(prefix, spec)]
    for name, sub in spec.get("properties", {}).items():
        out += rows(f"{prefix}.{name}", sub)
    extra = spec.get("additionalProperties")
    if isinstance(extra, dict):
        out += rows(f"{prefix}.NAME", extra)
    return out


def render(schema: dict[str, Any], config: dict[str, Any]) -> str:
    lines = [HEADER]
    table = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, spec in schema["properties"].items():
        for key, sub in rows(name, spec):
            bounds = limits(sub)
            kind = type_of(sub) + (f" ({bounds})" if bounds else "")
            meaning = sub.get("description", "")
            default = default_of(sub, lookup(config, key))
            table.append(f"| `{key}` | {cell(kind)} | {cell(default)} | {cell(meaning)} |")
    return "\n".join(lines + table) + "\n"


def main(argv: list[str]) -> int:
    text = render(
        yaml.safe_load(SCHEMA.read_text(encoding="utf-8")),
        yaml.safe_load(CONFIG.read_text(encoding="utf-8")),
    )
    if argv == ["--check"]:
        if README.read_text(encoding="utf-8") != text:
            print(f"{README} is not what {SCHEMA} gives: run python tools/config_readme.py")
            return 1
        return 0
    README.write_text(text, encoding="utf-8")
    print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
