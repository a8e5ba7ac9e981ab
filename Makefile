# Set-up is idempotent: the venv is (re)built only when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= $(shell nproc)

.PHONY: setup run test lint format dag clean base-model config-readme

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The CPU build of torch first, so that nothing pulls a CUDA build as a dependency.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[workflow,kaggle,dev]'
	touch $(STAMP)

setup: $(STAMP)

# After a kill (kill -9, a crash): clears the dead run's stale lock and stray jobs, never a live
# run's, and snakemake --rerun-incomplete resumes training from its last checkpoint.
run: setup
	$(BIN)/python -m deep_past.resume -c$(CORES) results/submission.csv

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests workflow benchmarks tools
	$(BIN)/ruff format --check src tests workflow benchmarks tools
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

format: setup
	$(BIN)/ruff format src tests workflow benchmarks tools
	$(BIN)/ruff check --fix src tests workflow benchmarks tools
	$(BIN)/snakefmt Snakefile rules

dag: setup
	mkdir -p results
	$(BIN)/snakemake results/ablation/scores.tsv --rulegraph | dot -Tsvg > results/rulegraph.svg

clean:
	rm -rf results .snakemake

# config/README.md from the schema (tests/test_config_schema.py checks it is current).
config-readme: setup
	$(BIN)/python tools/config_readme.py

# A new shipped base (resources/models/tiny) from scratch on a Kaggle-shaped data dir: tokenizer,
# pre-training, full fine-tuning of each grid prompt, one thread per run so the runs share cores.
DATA ?= data/kaggle
base-model: setup
	$(BIN)/snakemake -c$(CORES) --set-threads train=1 --configfile config/base-build.yaml \
		--config data_dir=$(DATA) -- results/shipped_base
	@echo "stage 1 done: copy results/shipped_base to resources/models/tiny; stage 2 (names as"
	@echo "placeholders, 6 epochs): make clean, then snakemake -c$(CORES) --set-threads train=1 predict=1"
	@echo "  --configfile config/base-build.yaml config/base-long.yaml --config data_dir=$(DATA)"
	@echo "  -- results/shipped_base, and copy that to resources/models/tiny (its model card: the scores)"

# Cluster / cloud GPU (docs/cluster.md). `snakemake --profile cloud-gpu` finds the profile in
# the user's snakemake config dir: link it there (this checkout's copy, kept up to date by git).
SNAKEMAKE_CONFIG_DIR ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/snakemake
CLUSTER_STAMP := $(VENV)/.installed-cluster
.PHONY: cluster-setup test-cluster

# The SLURM executor plugin (pyproject's `cluster` extra), only where SLURM is used.
$(CLUSTER_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[workflow,kaggle,dev,cluster]'
	touch $(CLUSTER_STAMP)

cluster-setup: $(CLUSTER_STAMP)
	mkdir -p $(SNAKEMAKE_CONFIG_DIR)
	@if [ -e $(SNAKEMAKE_CONFIG_DIR)/cloud-gpu ] && [ ! -L $(SNAKEMAKE_CONFIG_DIR)/cloud-gpu ]; then \
		echo "$(SNAKEMAKE_CONFIG_DIR)/cloud-gpu exists and is not a link: move it away first"; exit 1; fi
	ln -sfn $(CURDIR)/profiles/cloud-gpu $(SNAKEMAKE_CONFIG_DIR)/cloud-gpu
	@echo "profile cloud-gpu -> $(CURDIR)/profiles/cloud-gpu"

# Real SLURM (fake GPUs) and sshd on loopback; needs root and apt (Debian). ~10 minutes.
test-cluster: $(CLUSTER_STAMP)
	DEEP_PAST_CLUSTER_TESTS=1 $(BIN)/python -m pytest tests/cluster -s -p no:cacheprovider

# GPU check (docs/gpu.md). gpu-wheels runs here: the wheels the GPU machine lacks, into .whl/.
# gpu-check runs on the GPU machine with its own python3 (no venv there); gpu-smoke is its CPU
# form, seconds, as tests/test_gpu_benchmark.py runs it.
GPU_PYTHON ?= python3
GPU_OUT ?= benchmarks/results/gpu-$(shell date +%F).json
.PHONY: gpu-wheels gpu-check gpu-smoke

gpu-wheels: setup
	$(BIN)/python benchmarks/gpu_wheels.py --dest .whl

gpu-check:
	PYTHONUNBUFFERED=1 $(GPU_PYTHON) benchmarks/gpu.py --out $(GPU_OUT)

gpu-smoke: setup
	$(BIN)/python benchmarks/gpu.py --cpu-smoke --demo-rules --out results/gpu-smoke.json
