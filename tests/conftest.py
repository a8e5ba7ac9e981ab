from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The whole demo graph, run once per test session in a temporary copy of the workflow."""
    from workflow_helpers import snakemake, workflow_copy

    wf = workflow_copy(tmp_path_factory.mktemp("demo") / "wf")
    done = snakemake(wf, "-c2", "results/submission.csv")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return wf
