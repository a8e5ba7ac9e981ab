# Generation: one job per grid run (every checkpoint, every split) or zero-shot prompt (every
# split). Each writes its answers as the model wrote them and timing.json (seconds per answer
# file: the Kaggle time budget's measurement).


rule predict:
    input:
        run=f"results/runs/{RUN}/train",
        base=base_model_dir(),
        prompts=each_split("results/prompts/{prompt}/{split}.jsonl"),
    output:
        raw=run_answer_files(f"results/predictions/{RUN}/{{ckpt}}/{{split}}.raw.csv"),
        timing=f"results/predictions/{RUN}/timing.json",
    log:
        f"results/logs/predict/{RUN}.log",
    benchmark:
        f"results/benchmarks/predict/{RUN}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        answers=RUN_ANSWERS,
        splits=SPLITS,
        model=model_settings(),
        generation=config["generation"],
    script:
        "../workflow/scripts/predict.py"


rule predict_zeroshot:
    input:
        base=base_model_dir(),
        prompts=each_split("results/prompts/{prompt}/{split}.jsonl"),
    output:
        raw=each_split(f"results/predictions/{ZEROSHOT}/{{split}}.raw.csv"),
        timing=f"results/predictions/{ZEROSHOT}/timing.json",
    log:
        "results/logs/predict_zeroshot/{prompt}.log",
    benchmark:
        "results/benchmarks/predict_zeroshot/{prompt}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        answers=SPLIT_ANSWERS,
        splits=SPLITS,
        model=model_settings(),
        generation=config["generation"],
    script:
        "../workflow/scripts/predict.py"
