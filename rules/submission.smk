# The chosen system's test predictions in sample_submission's order, validated. With
# `submission: best` the system with the highest validation geomean in the scores table.


rule submission:
    input:
        predictions=get_submission_predictions,
        sample=data_file("sample_submission.csv"),
        scores="results/ablation/scores.tsv",
    output:
        submission="results/submission.csv",
    log:
        "results/logs/submission.log",
    benchmark:
        "results/benchmarks/submission.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        choice=submission_system(),
        systems=submission_candidates(),
    script:
        "../workflow/scripts/submission.py"
