# The translation memory as a system, sampled candidates, and MBR ensembles over systems.


rule memory:
    input:
        pairs="results/data/pairs.csv",
        segments="results/data/segments/{split}.csv",
        lexicon="results/data/lexicon.csv",
        proper_nouns="results/data/proper_nouns.csv",
    output:
        raw="results/predictions/memory/{split}.raw.csv",
    log:
        "results/logs/memory/{split}.log",
    benchmark:
        "results/benchmarks/memory/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        options=config["memory_options"],
    script:
        "../workflow/scripts/memory.py"


use rule memory as memory_nbest with:
    output:
        raw="results/samples/memory/nbest{k}/{split}.raw.csv",
    log:
        "results/logs/memory_nbest/{k}/{split}.log",
    benchmark:
        "results/benchmarks/memory_nbest/{k}/{split}.tsv"


rule predict_samples:
    input:
        run=f"results/runs/{RUN}/train",
        base=base_model_dir(),
        prompts="results/prompts/{prompt}/{split}.jsonl",
    output:
        raw=f"results/samples/{RUN_SYSTEM}/{SAMPLES}/{{split}}.raw.csv",
    log:
        f"results/logs/predict_samples/{RUN_SYSTEM}/{SAMPLES}/{{split}}.log",
    benchmark:
        f"results/benchmarks/predict_samples/{RUN_SYSTEM}/{SAMPLES}/{{split}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        model=model_settings(),
        generation=sampling_settings,
    script:
        "../workflow/scripts/predict.py"


rule mbr:
    input:
        candidates=get_mbr_candidates,
    output:
        raw=f"results/predictions/{MBR}/{{split}}.raw.csv",
    log:
        f"results/logs/{MBR}/{{split}}.log",
    benchmark:
        f"results/benchmarks/{MBR}/{{split}}.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 2
    params:
        members=get_mbr_member_names,
        utility=lambda wc: config["mbr"][wc.ensemble]["utility"],
        weights=lambda wc: config["mbr"][wc.ensemble]["weights"],
    script:
        "../workflow/scripts/mbr.py"
