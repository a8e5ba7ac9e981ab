# Generation with a trained checkpoint or the bare base model, then post-processing.


rule predict:
    input:
        run=f"results/runs/{RUN}/train",
        base=base_model_dir(),
        prompts="results/prompts/{prompt}/{split}.jsonl",
    output:
        raw=f"results/predictions/{RUN_SYSTEM}/{{split}}.raw.csv",
    log:
        f"results/logs/predict/{RUN_SYSTEM}/{{split}}.log",
    benchmark:
        f"results/benchmarks/predict/{RUN_SYSTEM}/{{split}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        model=model_settings(),
        generation=config["generation"],
    script:
        "../workflow/scripts/predict.py"


rule predict_zeroshot:
    input:
        base=base_model_dir(),
        prompts="results/prompts/{prompt}/{split}.jsonl",
    output:
        raw=f"results/predictions/{ZEROSHOT}/{{split}}.raw.csv",
    log:
        "results/logs/predict_zeroshot/{prompt}/{split}.log",
    benchmark:
        "results/benchmarks/predict_zeroshot/{prompt}/{split}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        model=model_settings(),
        generation=config["generation"],
    script:
        "../workflow/scripts/predict.py"


# The labelled splits' answers: rules/evaluate.smk cleans and scores them in one job.
ruleorder: evaluate > postprocess


rule postprocess:
    input:
        # The test split's answers and the samples (the labelled splits': rule evaluate). An
        # input function only where name correction needs more files: a call per job costs
        # the dry run of a large grid.
        unpack(get_postprocess_inputs) if config["postprocess"]["correct_names"] else [],
        raw="results/{tree}/{system}/{split}.raw.csv",
    output:
        predictions="results/{tree}/{system}/{split}.csv",
    log:
        "results/logs/postprocess/{tree}/{system}/{split}.log",
    benchmark:
        "results/benchmarks/postprocess/{tree}/{system}/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        min_similarity=config["postprocess"]["min_similarity"],
    script:
        "../workflow/scripts/postprocess.py"
