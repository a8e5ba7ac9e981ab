"""The ablation table (one row per system and split, with its grid coordinates) and its plots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from deep_past.io import atomic_path, read_json
from deep_past.systems import SystemId

AXES = ("prompt", "hparams", "rank", "seed", "ckpt")
SCORES = ("bleu", "chrf", "geomean", "n")
PROMPT_STATS = ("prompt_tokens_mean", "prompt_tokens_max")
COLUMNS = ("kind", "system", *AXES, "ensemble", "split", *SCORES, *PROMPT_STATS)


def ablation_table(
    score_files: Sequence[str | Path],
    prompt_stats: Sequence[str | Path] = (),
    setup: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Rows from ``results/scores/<system>/<split>.json`` paths, best geomean first per split.

    ``prompt_stats`` (``results/prompts/<prompt>/<split>.stats.json``) add the prompt token mean
    and max to the rows of that prompt and split; ``setup`` adds constant columns (the data
    options of this run), so tables of runs with different data options can be stacked.
    """
    rows = []
    for path in map(Path, score_files):
        parts = path.parts
        system = "/".join(parts[parts.index("scores") + 1 : -1])
        scores = read_json(path)
        sid = SystemId.parse(system)
        rows.append(
            {
                "kind": sid.kind,
                # Its grid coordinates as the path writes them (a rank column of numbers would
                # turn to floats next to the blank rank of a non-run system).
                **{part: str(value) for part, value in sid.parts().items()},
                "system": system,
                "split": path.stem,
                **{k: scores[k] for k in SCORES},
            }
        )
    tokens = {}
    for path in map(Path, prompt_stats):
        stats = read_json(path)
        tokens[(path.parent.name, path.name.split(".")[0])] = {k: stats[k] for k in PROMPT_STATS}
    for row in rows:
        row.update(tokens.get((row.get("prompt"), row["split"]), {}))
    columns = [*COLUMNS, *(setup or {})]
    table = pd.DataFrame(rows).reindex(columns=columns)
    blank = [c for c in columns if c not in SCORES]  # missing coordinates are blank, not NaN
    table[blank] = table[blank].astype(object).where(table[blank].notna(), "")
    table["prompt_tokens_max"] = table["prompt_tokens_max"].map(
        lambda v: int(v) if isinstance(v, float) else v  # 317, not 317.0
    )
    for key, value in (setup or {}).items():
        table[key] = str(value)
    return table.sort_values(["split", "geomean"], ascending=[True, False], ignore_index=True)


SELECTION_SPLIT = "val"  # held-out training documents: never the eval set measured on


def best_system(table: pd.DataFrame, split: str = SELECTION_SPLIT) -> dict[str, object]:
    """The system with the highest geomean on ``split`` (ties: the first in the table's order),
    with its score and its margin over the runner-up."""
    rows = table[table["split"] == split].sort_values("geomean", ascending=False, kind="stable")
    if rows.empty:
        raise ValueError(f"no scores on the {split!r} split to choose the best system from")
    best = rows.iloc[0]
    runner_up = rows.iloc[1] if len(rows) > 1 else None
    return {
        "system": best["system"],
        "geomean": float(best["geomean"]),
        "runner_up": runner_up["system"] if runner_up is not None else "",
        "margin": float(best["geomean"] - runner_up["geomean"]) if runner_up is not None else 0.0,
        "split": split,
    }


def mark_best(table: pd.DataFrame, split: str = SELECTION_SPLIT) -> pd.DataFrame:
    """The table with a ``selected`` column: ``best`` on every row of the best system."""
    chosen = best_system(table, split)["system"]
    return table.assign(selected=(table["system"] == chosen).map({True: "best", False: ""}))


def alignment_table(stats: Mapping[str, object]) -> pd.DataFrame:
    """``alignment_stats.json`` as rows ``statistic, value``; nested counts get dotted names
    (``pairs_per_kind.window``, ``sentence_file_rejections.<reason>``)."""
    rows: list[tuple[str, object]] = []
    for key, value in stats.items():
        if isinstance(value, Mapping):
            rows.extend((f"{key}.{sub}", count) for sub, count in value.items())
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["statistic", "value"])


def write_tsv(table: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f", lineterminator="\n")


def checkpoint_order(ckpt: str) -> tuple[int, int]:
    """stepN by N, then best, then last."""
    if ckpt.startswith("step"):
        return (0, int(ckpt[4:]))
    return (1, 0) if ckpt == "best" else (2, 0)


def plot_checkpoints(table: pd.DataFrame, path: str | Path) -> None:
    """Geomean against checkpoint, one line per training run and split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = table[table["kind"] == "run"]
    fig, ax = plt.subplots(figsize=(7, 4))
    order = sorted(runs["ckpt"].unique(), key=checkpoint_order)
    for (split, *run), group in runs.groupby(["split", "prompt", "hparams", "rank", "seed"]):
        group = group.set_index("ckpt").reindex(order)
        label = f"{split}: {run[0]}/{run[1]}/r{run[2]}/s{run[3]}"
        ax.plot(order, group["geomean"], marker="o", label=label)
    ax.set_xlabel("checkpoint")
    ax.set_ylabel("geomean(BLEU, chrF++)")
    ax.legend(fontsize=7)
    _save(fig, path)


def plot_axes(table: pd.DataFrame, path: str | Path) -> None:
    """Mean geomean per value of each grid axis (prompt, rank, seed), per split; MBR ensembles
    and other systems as reference bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = ("prompt", "rank", "seed", "kind")
    fig, panels = plt.subplots(1, len(axes), figsize=(4 * len(axes), 3.5), squeeze=False)
    for panel, axis in zip(panels[0], axes, strict=True):
        subset = table if axis == "kind" else table[table["kind"] == "run"]
        means = subset.groupby([axis, "split"])["geomean"].mean().unstack("split")
        if not means.empty:
            means.plot.bar(ax=panel, rot=30)
        panel.set_title(f"by {axis}")
        panel.set_xlabel("")
    panels[0][0].set_ylabel("geomean")
    _save(fig, path)


def _save(fig: object, path: str | Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()  # type: ignore[attr-defined]
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
