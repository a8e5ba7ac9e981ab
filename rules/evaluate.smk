# Corpus BLEU, chrF++ and their geometric mean per system and split, and one table of all.


rule evaluate:
    input:
        predictions="results/predictions/{system}/{split}.csv",
        segments="results/data/segments/{split}.csv",
    output:
        scores="results/scores/{system}/{split}.json",
    log:
        "results/logs/evaluate/{system}/{split}.log",
    benchmark:
        "results/benchmarks/evaluate/{system}/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
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
