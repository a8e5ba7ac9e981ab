"""The package's dependency rule (docs/design.md): imports point down the layers, never up, and
no two modules import each other, counting imports inside functions too (a function-level import
hides a cycle from the interpreter, not from a reader)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "deep_past"

# Lowest first. A module may import its own layer and the layers below it.
LAYERS = (
    ("io", "logs", "systems"),
    ("text",),
    ("corpus",),
    ("retrieval",),
    ("prompting",),
    ("modeling", "evaluation"),
    ("kaggle",),
    ("steps", "cloud", "resume"),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
# Same rank, different rooms: neither may import the other.
PEERS = {frozenset(parts) for parts in LAYERS if len(parts) > 1}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imports(path: Path) -> set[str]:
    """Every ``deep_past`` module ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("deep_past"):
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if is_module(f"{node.module}.{a.name}")
            )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deep_past"))
    return {m for m in found if m != "deep_past"}


def room(module: str) -> str:
    return module.split(".")[1]


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_room_has_a_layer():
    assert {room(m) for m in GRAPH if m != "deep_past"} <= set(RANK)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "deep_past"))
def test_imports_point_down(module):
    up = [
        target
        for target in GRAPH[module]
        if room(target) != room(module)
        and (
            RANK[room(target)] > RANK[room(module)]
            or frozenset((room(target), room(module))) in PEERS
        )
    ]
    assert not up, f"{module} imports a layer above or beside it: {up}"


def test_no_core_module_imports_steps():
    core = [m for m in GRAPH if m != "deep_past" and room(m) != "steps"]
    offenders = {m: t for m in core for t in GRAPH[m] if room(t) == "steps"}
    assert not offenders


def test_no_import_cycles():
    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in GRAPH.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    cycles = sorted(m for m in GRAPH if m in reach(m))
    assert not cycles, f"modules on an import cycle: {cycles}"


def test_rule_scripts_import_only_steps():
    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    for script in sorted(scripts.glob("*.py")):
        others = {m for m in imports(script) if room(m) not in ("steps", "logs")}
        assert not others, f"{script.name} imports {others}: rule scripts call steps only"


def test_the_rules_import_no_table_or_model_library():
    """What the rule files import at parse time is light: every snakemake call (a dry run, a
    job's own start) pays for it, and pandas alone costs a few tenths of a second."""
    import re
    import subprocess
    import sys

    rules = Path(__file__).resolve().parents[1] / "rules"
    found = set()
    for smk in rules.glob("*.smk"):
        found |= set(re.findall(r"^from (deep_past[\w.]*) import", smk.read_text(), re.M))
    assert "deep_past.modeling.base" in found
    heavy = ("pandas", "numpy", "torch", "transformers", "yaml")
    loaded = f"print([m for m in {heavy} if m in sys.modules])"
    code = f"import sys\nimport {', '.join(sorted(found))}\n{loaded}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", f"the rules' imports load {done.stdout.strip()}"
