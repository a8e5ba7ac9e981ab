"""deep_past.systems: the one parser and formatter of system ids, and the patterns the rules use."""

import re

import pytest

from deep_past.systems import PART_PATTERNS, PATTERNS, RUN, SystemId


@pytest.mark.parametrize(
    "text, kind, parts",
    [
        (
            "plain/default/r8/s0/last",
            "run",
            {"prompt": "plain", "hparams": "default", "rank": 8, "seed": 0, "ckpt": "last"},
        ),
        (
            "memory_k1/long/r16/s3/step120",
            "run",
            {"prompt": "memory_k1", "hparams": "long", "rank": 16, "seed": 3, "ckpt": "step120"},
        ),
        ("zeroshot/fewshot_k4", "zeroshot", {"prompt": "fewshot_k4"}),
        ("memory", "memory", {}),
        ("mbr/all", "mbr", {"ensemble": "all"}),
    ],
)
def test_parse_and_format_round_trip(text, kind, parts):
    sid = SystemId.parse(text)
    assert (sid.kind, sid.parts()) == (kind, parts)
    assert str(sid) == text
    assert sid.is_model == (kind in ("run", "zeroshot"))


def test_constructors_give_the_paths_the_rules_use():
    run = SystemId.run("plain", "default", 8, 0, "best")
    assert str(run) == "plain/default/r8/s0/best" and run.run_dir == "plain/default/r8/s0"
    assert str(SystemId.zeroshot("plain")) == "zeroshot/plain"
    assert str(SystemId.memory()) == "memory" and str(SystemId.mbr("all")) == "mbr/all"
    assert SystemId.zeroshot("plain").run_dir is None


@pytest.mark.parametrize(
    "text",
    [
        "plain/default/r8/s0",  # a run without its checkpoint
        "plain/default/8/s0/last",  # rank without its r
        "plain/default/r8/s0/final",  # not a checkpoint name
        "zeroshot",
        "mbr/",
        "memory/nbest3",  # a samples directory, not a system
        "",
    ],
)
def test_anything_else_is_refused_with_the_formats(text):
    with pytest.raises(ValueError, match="PROMPT/HPARAMS/rRANK/sSEED/CKPT, zeroshot/PROMPT"):
        SystemId.parse(text)


def test_patterns_name_only_known_parts_and_match_the_wildcards():
    for pattern in PATTERNS.values():
        assert set(re.findall(r"\{(\w+)\}", pattern)) <= set(PART_PATTERNS)
    assert PATTERNS["run"] == RUN + "/{ckpt}"
    # The run pattern as a rule sees it: the wildcards of results/runs/{...}/train.
    assert RUN == "{prompt}/{hparams}/r{rank}/s{seed}"


def test_checkpoint_part_is_the_configs_checkpoint_pattern():
    """The schema's grid.checkpoint pattern and the ckpt part accept the same names."""
    from pathlib import Path

    import yaml

    schema = yaml.safe_load(
        (Path(__file__).parents[1] / "workflow/schemas/config.schema.yaml").read_text()
    )
    pattern = schema["properties"]["grid"]["properties"]["checkpoint"]["items"]["pattern"]
    for name in ("last", "best", "step0", "step120", "final", "step", "steps3", "bestx"):
        assert bool(re.search(pattern, name)) == bool(re.fullmatch(PART_PATTERNS["ckpt"], name)), (
            name
        )
