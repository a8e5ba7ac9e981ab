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
        run="results/runs/{prompt}/{hparams}/r{rank}/s{seed}/train",
        base=base_model_dir(),
        prompts="results/prompts/{prompt}/{split}.jsonl",
    output:
        raw="results/samples/{prompt}/{hparams}/r{rank}/s{seed}/{ckpt}/k{k}_t{temp}/{split}.raw.csv",
    log:
        "results/logs/predict_samples/{prompt}/{hparams}/r{rank}/s{seed}/{ckpt}/k{k}_t{temp}/{split}.log",
    benchmark:
        "results/benchmarks/predict_samples/{prompt}/{hparams}/r{rank}/s{seed}/{ckpt}/k{k}_t{temp}/{split}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    params:
        model=model_settings(),
        generation=sampling_settings,
    script:
        "../workflow/scripts/predict.py"


rule mbr:
    input:
        candidates=get_mbr_candidates,
    output:
        raw="results/predictions/mbr/{ens}/{split}.raw.csv",
    log:
        "results/logs/mbr/{ens}/{split}.log",
    benchmark:
        "results/benchmarks/mbr/{ens}/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 2
    params:
        members=get_mbr_member_names,
        utility=lambda wc: config["mbr"][wc.ens]["utility"],
        weights=lambda wc: config["mbr"][wc.ens]["weights"],
    script:
        "../workflow/scripts/mbr.py"
