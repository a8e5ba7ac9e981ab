# Answers cleaned (post-processing, name correction) and scored: corpus BLEU, chrF++ and their
# geometric mean per system and labelled split; then one table of all. One job per grid run
# (every checkpoint) or other system, for every split.


rule evaluate_run:
    input:
        **(NAME_TABLE if config["postprocess"]["correct_names"] else {}),
        raw=run_answer_files(f"results/predictions/{RUN}/{{ckpt}}/{{split}}.raw.csv"),
        segments=each_split("results/data/segments/{split}.csv"),
    output:
        predictions=run_answer_files(
            f"results/predictions/{RUN}/{{ckpt}}/{{split}}.csv"
        ),
        scores=run_answer_files(
            f"results/scores/{RUN}/{{ckpt}}/{{split}}.json", RUN_SCORED
        ),
    log:
        f"results/logs/evaluate_run/{RUN}.log",
    benchmark:
        f"results/benchmarks/evaluate_run/{RUN}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        answer_splits=[split for _, split in RUN_ANSWERS],
        splits=SPLITS,
        scored=SPLITS_SCORED,
        min_similarity=config["postprocess"]["min_similarity"],
    script:
        "../workflow/scripts/evaluate.py"


rule evaluate:
    input:
        unpack(get_name_table) if config["postprocess"]["correct_names"] else [],
        raw=each_split("results/predictions/{system}/{split}.raw.csv"),
        segments=each_split("results/data/segments/{split}.csv"),
    output:
        predictions=each_split("results/predictions/{system}/{split}.csv"),
        scores=expand("results/scores/{{system}}/{split}.json", split=SPLITS_SCORED),
    log:
        "results/logs/evaluate/{system}.log",
    benchmark:
        "results/benchmarks/evaluate/{system}.tsv"
    wildcard_constraints:
        # The grid runs' systems: evaluate_run, a job per run.
        system=kinds_regex("zeroshot", "memory", "mbr"),
    conda:
        "../envs/cpu.yaml"
    params:
        answer_splits=SPLITS,
        splits=SPLITS,
        scored=SPLITS_SCORED,
        min_similarity=config["postprocess"]["min_similarity"],
    script:
        "../workflow/scripts/evaluate.py"


rule ablation_table:
    input:
        scores=get_scores,
        prompt_stats=get_prompt_stats,
        alignment_stats="results/data/alignment_stats.json",
    output:
        table=report(
            "results/ablation/scores.tsv",
            caption="../workflow/templates/report/scores.rst",
            category="Scores",
        ),
        checkpoints=report(
            "results/ablation/score_by_checkpoint.png",
            caption="../workflow/templates/report/score_by_checkpoint.rst",
            category="Scores",
        ),
        axes=report(
            "results/ablation/score_by_axis.png",
            caption="../workflow/templates/report/score_by_axis.rst",
            category="Scores",
        ),
        alignment=report(
            "results/ablation/alignment.tsv",
            caption="../workflow/templates/report/alignment.rst",
            category="Scores",
        ),
    log:
        "results/logs/ablation_table.log",
    benchmark:
        "results/benchmarks/ablation_table.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        setup=run_setup(),
    script:
        "../workflow/scripts/ablation_table.py"
