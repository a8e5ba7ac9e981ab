"""Which hint tables a prompt feature needs is said once (prompting.registry.FEATURE_TABLES):
the rules' inputs, the hint code's check and the Kaggle notebook's inlined modules follow it."""

import json
import subprocess
import sys
from dataclasses import fields

import pytest

from deep_past.kaggle.notebook import export_tables, notebook_features, notebook_modules
from deep_past.prompting.hints import HintTables, hint_functions
from deep_past.prompting.registry import HINT_TABLES, PROMPTS
from workflow_helpers import snakemake, workflow_copy

# One variant per distinct set of features that read a table.
WITH_TABLES = ["lexicon", "names", "fewshot_k4", "memory_k1", "all"]


def test_variants_name_their_tables():
    assert PROMPTS["plain"].tables == () and PROMPTS["doc_context"].tables == ()
    assert PROMPTS["lexicon"].tables == ("lexicon",)
    assert PROMPTS["names"].tables == ("proper_nouns",)
    assert PROMPTS["name_slots"].tables == ("lexicon", "proper_nouns")  # the name speller's
    # The memory behind shots and matches matches name skeletons: it needs the name tables.
    for name in ("fewshot_k4", "memory_k1", "all"):
        assert PROMPTS[name].tables == ("lexicon", "proper_nouns", "memory"), name
    assert tuple(f.name for f in fields(HintTables))[: len(HINT_TABLES)] == HINT_TABLES


def test_a_missing_table_is_named():
    with pytest.raises(ValueError, match=r"'fewshot_k4' needs the hint tables \['proper_nouns'\]"):
        hint_functions(PROMPTS["fewshot_k4"], HintTables("lexicon.csv", None, "pairs.csv"))


def test_notebook_features_and_tables():
    memory = {"kind": "memory", "name": "memory", "system": "memory"}
    lexicon = {"kind": "model", "prompt": "lexicon"}
    assert notebook_features([lexicon], correct_names=False) == {"lexicon"}
    assert notebook_features([lexicon], correct_names=True) == {"lexicon", "names"}
    assert notebook_features([memory], correct_names=True) == {"memory"}  # no model: no names
    assert export_tables({"lexicon", "names"}) == ("lexicon", "proper_nouns")
    assert export_tables({"memory"}) == HINT_TABLES  # the memory as a member: its own tables


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The demo's hint tables, as the workflow's lexicon and pairs rules write them."""
    wf = workflow_copy(tmp_path_factory.mktemp("tables") / "wf")
    done = snakemake(wf, "-c1", "results/data/lexicon.csv", "results/data/pairs.csv")
    assert done.returncode == 0, done.stderr[-2000:]
    return wf / "results" / "data"


# Builds a variant's hints from the tables and fills one prompt, in a fresh interpreter; prints
# every deep_past module that took.
HINTS_RUN = """
import json, sys
from deep_past.prompting.hints import HintTables, hint_functions
from deep_past.prompting.registry import PROMPTS
variant, out = PROMPTS[sys.argv[1]], sys.argv[2]
tables = HintTables(f"{out}/lexicon.csv", f"{out}/proper_nouns.csv", f"{out}/pairs.csv")
source = "a-na be-lí-ia qí-bí-ma um-ma a-šùr-i-dí-ma"
for name, hint in hint_functions(variant, tables).items():
    hint(source) if name.endswith("_hint") else hint(source, "doc:1")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "deep_past")))
"""


@pytest.mark.parametrize("prompt", WITH_TABLES)
def test_the_notebook_inlines_what_the_hints_import(prompt, tables):
    done = subprocess.run(
        [sys.executable, "-c", HINTS_RUN, prompt, str(tables)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "deep_past.corpus.lexicon" in imported  # the hints really ran
    features = notebook_features([{"kind": "model", "prompt": prompt}], correct_names=False)
    assert imported <= set(notebook_modules(features))
