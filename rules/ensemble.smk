# The translation memory as a system, sampled candidates, and MBR ensembles over systems; one
# job per system (or sample set) answers every split.


rule memory:
    input:
        pairs="results/data/pairs.csv",
        segments=each_split("results/data/segments/{split}.csv"),
        lexicon="results/data/lexicon.csv",
        proper_nouns="results/data/proper_nouns.csv",
    output:
        raw=each_split("results/predictions/memory/{split}.raw.csv"),
    log:
        "results/logs/memory.log",
    benchmark:
        "results/benchmarks/memory.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        splits=SPLITS,
        options=config["memory_options"],
    script:
        "../workflow/scripts/memory.py"


use rule memory as memory_nbest with:
    output:
        raw=each_split("results/samples/memory/nbest{k}/{split}.raw.csv"),
    log:
        "results/logs/memory_nbest/{k}.log",
    benchmark:
        "results/benchmarks/memory_nbest/{k}.tsv"


rule predict_samples:
    input:
        run=f"results/runs/{RUN}/train",
        base=base_model_dir(),
        prompts=each_split("results/prompts/{prompt}/{split}.jsonl"),
    output:
        raw=each_split(f"results/samples/{RUN_SYSTEM}/{SAMPLES}/{{split}}.raw.csv"),
        timing=f"results/samples/{RUN_SYSTEM}/{SAMPLES}/timing.json",
    log:
        f"results/logs/predict_samples/{RUN_SYSTEM}/{SAMPLES}.log",
    benchmark:
        f"results/benchmarks/predict_samples/{RUN_SYSTEM}/{SAMPLES}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        answers=lambda wc: [(wc.ckpt, split) for split in SPLITS],
        splits=SPLITS,
        model=model_settings(),
        generation=sampling_settings,
    script:
        "../workflow/scripts/predict.py"


rule postprocess_samples:
    # Samples are MBR candidates: cleaned like answers, never scored.
    input:
        unpack(get_samples_name_table) if config["postprocess"]["correct_names"] else [],
        raw=each_split("results/samples/{samples}/{split}.raw.csv"),
        segments=each_split("results/data/segments/{split}.csv"),
    output:
        predictions=each_split("results/samples/{samples}/{split}.csv"),
    log:
        "results/logs/postprocess_samples/{samples}.log",
    benchmark:
        "results/benchmarks/postprocess_samples/{samples}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        answer_splits=SPLITS,
        splits=SPLITS,
        scored=[],
        min_similarity=config["postprocess"]["min_similarity"],
    script:
        "../workflow/scripts/evaluate.py"


rule mbr:
    input:
        candidates=get_mbr_candidates,
    output:
        raw=each_split(f"results/predictions/{MBR}/{{split}}.raw.csv"),
    log:
        f"results/logs/{MBR}.log",
    benchmark:
        f"results/benchmarks/{MBR}.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 2
    params:
        splits=SPLITS,
        members=get_mbr_member_names,
        utility=lambda wc: config["mbr"][wc.ensemble]["utility"],
        weights=lambda wc: config["mbr"][wc.ensemble]["weights"],
    script:
        "../workflow/scripts/mbr.py"
