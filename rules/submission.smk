# The chosen system's test predictions in sample_submission's order, validated.


rule submission:
    input:
        predictions=f"results/predictions/{submission_system()}/test.csv",
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
    script:
        "../workflow/scripts/submission.py"
