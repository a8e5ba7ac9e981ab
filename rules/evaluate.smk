# Corpus BLEU, chrF++ and their geometric mean per system and split, and one table of all.


rule evaluate:
    input:
        predictions="results/predictions/{system}/{split}.csv",
        segments=get_references,
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


rule scores_table:
    input:
        scores=get_scores,
    output:
        table=report(
            "results/scores.tsv",
            caption="../workflow/templates/report/scores.rst",
            category="Scores",
        ),
    log:
        "results/logs/scores_table.log",
    benchmark:
        "results/benchmarks/scores_table.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/scores_table.py"
