"""Which rules need a GPU is said once: `gpu` in a rule's resources. rules/cluster.smk derives
its list from them at start-up; the cluster profile's set-resources and deep-past-cloud's
`--gpu-only` cannot, so these tests hold them to the rules (dry runs, no model runs)."""

import re
from pathlib import Path

import pytest
import yaml

from deep_past import cloud
from workflow_helpers import ROOT, snakemake, workflow_copy

# Every GPU rule in the graph: continued pre-training on, MBR over sampled hypotheses.
EVERYTHING = {
    "pretrain": {"enabled": True},
    "mbr": {"all": {"members": ["*/last", "memory"], "samples": 2}},
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    """The rules of the whole graph, those whose jobs ask for `gpu`, and the rule graph's edges."""
    wf = workflow_copy(tmp_path_factory.mktemp("gpu") / "wf")
    overlay = wf / "everything.yaml"
    overlay.write_text(yaml.safe_dump(EVERYTHING))
    args = ("-F", "--configfile", str(overlay))
    dry = snakemake(wf, "-n", *args)
    assert dry.returncode == 0, dry.stderr
    rules, gpu, rule = set(), set(), None
    for line in dry.stdout.splitlines():
        if m := re.match(r"(?:local)?rule (\w+):$", line):
            rule = m.group(1)
            rules.add(rule)
        elif line.strip().startswith("resources:") and re.search(r"\bgpu=", line):
            gpu.add(rule)
    dot = snakemake(wf, "--rulegraph", *args)
    assert dot.returncode == 0, dot.stderr
    labels = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot.stdout, re.M))
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot.stdout, re.M)}
    return {"wf": wf, "args": args, "rules": rules, "gpu": gpu, "edges": edges}


def test_the_model_rules_ask_for_a_gpu(graph):
    assert {"train", "predict", "predict_zeroshot", "predict_samples", "pretrain"} <= graph["gpu"]
    assert {"memory", "mbr", "evaluate", "prompts"} <= graph["rules"] - graph["gpu"]


def test_profile_sets_resources_of_exactly_the_gpu_rules(graph):
    profile = yaml.safe_load((ROOT / "profiles/cloud-gpu/config.yaml").read_text())
    per_rule = profile["set-resources"]
    assert set(per_rule) == graph["gpu"]
    for rule, resources in per_rule.items():
        assert "gpu" not in resources, f"{rule}: the GPU count belongs to the rule"
        assert "DEEP_PAST_SLURM_PARTITION" in resources["slurm_partition"], rule


def dry_run_jobs(wf: Path, *args: str) -> dict[str, int]:
    """Jobs per rule that a dry run would run (its job stats table; --until is honoured)."""
    done = snakemake(wf, "-n", *args)
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def downstream(rule: str, edges: set[tuple[str, str]]) -> set[str]:
    """Every rule that consumes ``rule``'s outputs, directly or further down."""
    found, todo = set(), [rule]
    while todo:
        current = todo.pop()
        for a, b in edges:
            if a == current and b not in found:
                found.add(b)
                todo.append(b)
    return found


def test_cloud_gpu_only_stops_after_the_last_gpu_rules(graph):
    last = {r for r in graph["gpu"] if not downstream(r, graph["edges"]) & graph["gpu"]}
    assert set(cloud.GPU_ONLY_UNTIL) == last
    # --until them runs every GPU job of the graph, and nothing a GPU job does not need.
    everything = dry_run_jobs(graph["wf"], *graph["args"])
    until = dry_run_jobs(graph["wf"], *graph["args"], "--until", *cloud.GPU_ONLY_UNTIL)
    assert {r: until[r] for r in graph["gpu"]} == {r: everything[r] for r in graph["gpu"]}
    assert not {"memory", "mbr", "evaluate", "submission"} & set(until)


def test_gpu_only_adds_no_pretraining_when_it_is_off(tmp_path: Path):
    wf = workflow_copy(tmp_path / "wf")
    until = dry_run_jobs(wf, "-F", "--until", *cloud.GPU_ONLY_UNTIL)
    assert "pretrain" not in until and until["train"] == 1
