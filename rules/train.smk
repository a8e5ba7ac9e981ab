# The base model, and one LoRA/QLoRA run per (prompt, hparams, rank, seed).


rule base_model:
    input:
        unpack(get_shipped_base),
        train="results/data/train.csv",
    output:
        model=directory("results/base_model"),
    log:
        "results/logs/base_model.log",
    benchmark:
        "results/benchmarks/base_model.tsv"
    conda:
        "../envs/gpu.yaml"
    params:
        model=config["model"],
        scratch=config["scratch_model"],
    script:
        "../workflow/scripts/base_model.py"


rule train:
    input:
        train="results/datasets/{prompt}/train.jsonl",
        val="results/datasets/{prompt}/val.jsonl",
        base=base_model_dir(),
    output:
        run=directory(f"results/runs/{RUN}/train"),
    log:
        f"results/logs/train/{RUN}.log",
    benchmark:
        f"results/benchmarks/train/{RUN}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        # SLURM: --gpus=N; gpus_per_run > 1 runs the ranks under `accelerate launch` (DDP).
        gpu=config["gpus_per_run"],
    params:
        settings=train_settings,
    script:
        (
            "../workflow/scripts/train.py"
            if config["gpus_per_run"] == 1
            else "../workflow/scripts/train_ddp.py"
        )


rule ship_base:
    input:
        scores="results/ablation/scores.tsv",
        runs=list(grid_run_dirs().values()),
    output:
        model=directory("results/shipped_base"),
    log:
        "results/logs/ship_base.log",
    benchmark:
        "results/benchmarks/ship_base.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        runs=grid_run_dirs(),
        provenance=shipped_base_provenance(),
    script:
        "../workflow/scripts/ship_base.py"
