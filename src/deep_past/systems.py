"""System ids: the name of a system that predicts, which is also its path under
``results/predictions/``.

    PROMPT/HPARAMS/rRANK/sSEED/CKPT   a grid run's checkpoint           kind "run"
    zeroshot/PROMPT                   the base model without adapter     kind "zeroshot"
    memory                            the translation memory             kind "memory"
    mbr/ENSEMBLE                      an MBR ensemble of config ``mbr``  kind "mbr"

The one place this format is written: the rules build their paths and wildcard constraints from
``PATTERNS`` and ``PART_PATTERNS``, and the ablation table, the Kaggle export and the notebook's
rules read ids with :meth:`SystemId.parse`. Standard library only (the Snakefile imports it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

# What each part may hold (also the rules' wildcard constraints for rank, seed and ckpt).
PART_PATTERNS = {
    "prompt": r"[^/]+",
    "hparams": r"[^/]+",
    "rank": r"\d+",
    "seed": r"\d+",
    "ckpt": r"last|best|step\d+",
    "ensemble": r"[^/]+",
}
# A grid run's directory under results/runs/ (and the head of its systems' paths).
RUN = "{prompt}/{hparams}/r{rank}/s{seed}"
PATTERNS = {
    "run": RUN + "/{ckpt}",
    "zeroshot": "zeroshot/{prompt}",
    "memory": "memory",
    "mbr": "mbr/{ensemble}",
}
FORMATS = "PROMPT/HPARAMS/rRANK/sSEED/CKPT, zeroshot/PROMPT, memory or mbr/NAME"


def _regex(pattern: str) -> re.Pattern[str]:
    pieces = re.split(r"\{(\w+)\}", pattern)  # literal, part name, literal, ...
    return re.compile(
        "".join(
            f"(?P<{piece}>{PART_PATTERNS[piece]})" if i % 2 else re.escape(piece)
            for i, piece in enumerate(pieces)
        )
    )


_REGEXES = {kind: _regex(pattern) for kind, pattern in PATTERNS.items()}


def kinds_regex(*kinds: str) -> str:
    """A regex (no groups: a Snakemake wildcard constraint) of the ids of ``kinds``."""
    plain = (re.sub(r"\(\?P<\w+>", "(?:", _REGEXES[kind].pattern) for kind in kinds)
    return "|".join(f"(?:{r})" for r in plain)


@dataclass(frozen=True)
class SystemId:
    """One system's id, split into its parts (None where its kind has no such part)."""

    kind: str
    prompt: str | None = None
    hparams: str | None = None
    rank: int | None = None
    seed: int | None = None
    ckpt: str | None = None
    ensemble: str | None = None

    @classmethod
    def parse(cls, system: str) -> SystemId:
        for kind, regex in _REGEXES.items():
            if match := regex.fullmatch(system):
                parts: dict[str, object] = match.groupdict()
                for name in ("rank", "seed"):
                    if name in parts:
                        parts[name] = int(str(parts[name]))
                return cls(kind, **parts)  # type: ignore[arg-type]
        raise ValueError(f"system {system!r} is none of {FORMATS}")

    @classmethod
    def run(cls, prompt: str, hparams: str, rank: int, seed: int, ckpt: str) -> SystemId:
        return cls("run", prompt=prompt, hparams=hparams, rank=int(rank), seed=int(seed), ckpt=ckpt)

    @classmethod
    def zeroshot(cls, prompt: str) -> SystemId:
        return cls("zeroshot", prompt=prompt)

    @classmethod
    def memory(cls) -> SystemId:
        return cls("memory")

    @classmethod
    def mbr(cls, ensemble: str) -> SystemId:
        return cls("mbr", ensemble=ensemble)

    def __str__(self) -> str:
        return PATTERNS[self.kind].format(**self.parts())

    @property
    def is_model(self) -> bool:
        """A single model answers it (a grid run or the zero-shot base), not the memory or MBR."""
        return self.kind in ("run", "zeroshot")

    @property
    def run_dir(self) -> str | None:
        """The grid run's ``PROMPT/HPARAMS/rRANK/sSEED`` (results/runs/<it>/train); None for
        other kinds."""
        return RUN.format(**self.parts()) if self.kind == "run" else None

    def parts(self) -> dict[str, str | int]:
        """The parts its kind has, by name (``rank`` and ``seed`` as numbers)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "kind" and getattr(self, f.name) is not None
        }
