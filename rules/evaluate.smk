# Corpus BLEU, chrF++ and their geometric mean per system and split, and one table of all.


rule evaluate:
    # A labelled split's answers are post-processed and scored in one job, not two: a large
    # grid has one such job per system and split, and each job costs a process start and a
    # share of the dry run.
    input:
        unpack(get_name_table) if config["postprocess"]["correct_names"] else [],
        raw="results/predictions/{system}/{split}.raw.csv",
        segments="results/data/segments/{split}.csv",
    output:
        predictions="results/predictions/{system}/{split}.csv",
        scores="results/scores/{system}/{split}.json",
    log:
        "results/logs/evaluate/{system}/{split}.log",
    benchmark:
        "results/benchmarks/evaluate/{system}/{split}.tsv"
    wildcard_constraints:
        split="val|eval",
    conda:
        "../envs/cpu.yaml"
    params:
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
