"""Render the offline Kaggle notebook from its Jinja template.

The notebook carries the package code it runs: the source files of the modules it needs (found
by following their module-level ``deep_past`` imports from a few roots) are embedded verbatim and
written to disk as the ``deep_past`` package when the notebook starts, so it runs the very
functions the pipeline ran (preprocess, prompts, generate, postprocess, submission).

``python -m deep_past.kaggle.notebook --template workflow/templates/kaggle_notebook.ipynb.j2
--export results/export/model --out results/kaggle/notebook.ipynb --settings settings.json``
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from deep_past.prompting.registry import HINT_TABLES, MEMORY_TABLES, get_variant, tables_for

log = logging.getLogger(__name__)

PACKAGE = "deep_past"
SRC_ROOT = Path(__file__).resolve().parents[2]  # .../src
# What the notebook calls; their module-level imports bring the rest (text/*, prompts, ...).
ROOT_MODULES = (
    "deep_past.steps.preprocess",  # preprocess_test_file
    "deep_past.steps.dataset",  # prompt_file
    "deep_past.steps.predict",  # postprocess_file
    "deep_past.steps.submission",  # submission_file
    "deep_past.modeling.generate",
    "deep_past.modeling.base",
    "deep_past.modeling.precision",  # the dtype guard before each model's full run
)
# What reads each hint table (prompting.hints imports them inside functions, where the import
# closure does not look): the lexicon's and names' hints, and the memory with its name speller.
TABLE_MODULES = {
    "lexicon": ("deep_past.corpus.lexicon",),
    "proper_nouns": ("deep_past.corpus.lexicon",),
    "memory": ("deep_past.retrieval.memory", "deep_past.corpus.names"),
}
# The translation memory as a system (a member, or the submission itself).
MEMORY_SYSTEM_MODULES = ("deep_past.steps.ensemble",)
# MBR over the members' candidates (deep_past.steps.ensemble.mbr_file).
ENSEMBLE_MODULES = (
    "deep_past.steps.ensemble",
    "deep_past.evaluation.mbr",
    "deep_past.evaluation.metrics",
)


def module_file(module: str, src_root: Path = SRC_ROOT) -> Path | None:
    base = src_root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _top_level_imports(tree: ast.Module) -> Iterable[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not inside functions or classes, and not
    under ``if TYPE_CHECKING``."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                stack.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            stack.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                stack.extend(handler.body)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def package_imports(module: str, src_root: Path = SRC_ROOT) -> set[str]:
    """The ``deep_past`` modules ``module`` imports at import time (with their packages)."""
    path = module_file(module, src_root)
    if path is None:
        raise ModuleNotFoundError(f"{module} has no source file under {src_root}")
    found: set[str] = set()
    for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            target = _resolve(module, node, path.name == "__init__.py")
            # `from pkg import mod` imports the submodule pkg.mod when it is a file.
            names = [target] + [
                f"{target}.{a.name}" for a in node.names if module_file(f"{target}.{a.name}")
            ]
        found.update(n for n in names if n == PACKAGE or n.startswith(PACKAGE + "."))
    return found


def module_closure(roots: Iterable[str], src_root: Path = SRC_ROOT) -> list[str]:
    """Every module reachable from ``roots`` by import-time imports, plus the packages they
    live in (their ``__init__``), sorted."""
    todo, seen = list(roots), set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        todo.extend(package_imports(module, src_root))
    return sorted(seen)


def notebook_features(members: Iterable[Mapping[str, Any]], correct_names: bool) -> set[str]:
    """What the notebook does beyond plain prompts, for its members (``kind``, ``prompt``): the
    model members' prompt features, "names" when names are corrected in their answers (with the
    proper-noun table, as a names prompt), "memory" when the memory answers."""
    members = list(members)
    models = [m for m in members if m["kind"] == "model"]
    features = {f for m in models for f in get_variant(m["prompt"]).features}
    if models and correct_names:
        features.add("names")  # correct_names lives in deep_past.corpus.lexicon
    if any(m["kind"] == "memory" for m in members):
        features.add("memory")
    return features


def export_tables(features: Iterable[str]) -> tuple[str, ...]:
    """The hint tables the notebook reads for ``features`` (``notebook_features``), in
    ``HINT_TABLES`` order: its prompts' and, when the memory answers, the memory's."""
    features = set(features)
    needed = set(tables_for(features)) | set(MEMORY_TABLES if "memory" in features else ())
    return tuple(t for t in HINT_TABLES if t in needed)


def notebook_modules(features: Iterable[str] = (), ensemble: bool = False) -> list[str]:
    features = set(features)
    roots = list(ROOT_MODULES)
    for table in export_tables(features):
        roots.extend(TABLE_MODULES[table])
    if "memory" in features:
        roots.extend(MEMORY_SYSTEM_MODULES)
    if ensemble:
        roots.extend(ENSEMBLE_MODULES)
    return module_closure(roots)


def module_sources(modules: Iterable[str], src_root: Path = SRC_ROOT) -> dict[str, str]:
    """Relative path (``deep_past/text/rules.py``) -> source text, for each module."""
    out = {}
    for module in modules:
        path = module_file(module, src_root)
        assert path is not None
        out[path.relative_to(src_root).as_posix()] = path.read_text(encoding="utf-8")
    return out


def python_literal(name: str, value: Mapping[str, Any]) -> str:
    """``NAME = {...}`` with one key per line: a cell that reads well and diffs well."""
    lines = [f"{name} = {{"]
    lines += [f"    {key!r}: {value[key]!r}," for key in value]
    return "\n".join(lines + ["}"])


def _strict_tojson(value: Any) -> str:
    """jinja's tojson would hand an Undefined to json.dumps (a TypeError naming no variable)."""
    import jinja2

    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return json.dumps(value, ensure_ascii=False)


def render_notebook(template: str | Path, context: Mapping[str, Any]) -> str:
    """Render with StrictUndefined (a missing variable is an error, not an empty string) and
    validate the result as an nbformat 4 notebook; returns the notebook's JSON text."""
    import jinja2
    import nbformat

    template = Path(template)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["tojson"] = _strict_tojson
    text = env.get_template(template.name).render(**context)
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def build_notebook(
    template: str | Path,
    out: str | Path,
    *,
    export_dir: str | Path,
    settings: Mapping[str, Any],
    budget_json: str | Path | None = None,
) -> Path:
    """Check the time budget, then render the notebook for the exported model."""
    from deep_past.io import read_json, write_text
    from deep_past.kaggle.budget import check_budget, summary

    budget = read_json(budget_json) if budget_json else None
    if budget is not None:
        check_budget(budget)
    manifest = read_json(Path(export_dir) / "manifest.json")
    members = settings["members"]
    correct_names = bool(settings.get("postprocess", {}).get("correct_names"))
    modules = notebook_modules(
        notebook_features(members, correct_names), ensemble=settings["mbr"] is not None
    )
    sources = module_sources(modules)
    context = {
        "settings": settings,
        "settings_code": python_literal("SETTINGS", settings),
        "modules_code": python_literal("INLINED", sources),
        "modules": modules,
        "members": [m["name"] for m in members],
        "manifest": {
            **{
                k: manifest[k]
                for k in ("source", "preprocess_version", "merged", "dtype", "quantize")
            },
            "total_size": manifest["total_size"],
            "precision_probe": manifest.get("precision_probe"),  # absent in older exports
        },
        "budget_summary": summary(budget) if budget is not None else "not estimated",
    }
    write_text(render_notebook(template, context), out)
    log.info("notebook %s: %d inlined modules, members %s", out, len(modules), context["members"])
    return Path(out)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Render the offline Kaggle notebook.")
    parser.add_argument("--template", default="workflow/templates/kaggle_notebook.ipynb.j2")
    parser.add_argument("--export", required=True, help="export directory (manifest.json)")
    parser.add_argument("--settings", required=True, help="JSON file of the notebook settings")
    parser.add_argument("--budget", help="time_budget.json; the build stops if it does not fit")
    parser.add_argument("--out", default="results/kaggle/notebook.ipynb")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = json.loads(Path(args.settings).read_text(encoding="utf-8"))
    from deep_past.kaggle.budget import BudgetExceeded

    try:
        build_notebook(
            args.template,
            args.out,
            export_dir=args.export,
            settings=settings,
            budget_json=args.budget,
        )
    except BudgetExceeded as err:
        raise SystemExit(f"deep-past error: {err}") from None
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
