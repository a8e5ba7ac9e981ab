# Training pairs split by document, and chat-formatted records per prompt variant.


rule pairs:
    input:
        train="results/data/train.csv",
        sentences=data_file("Sentences_Oare_FirstWord_LinNum.csv"),
    output:
        pairs="results/data/pairs.csv",
        val="results/data/segments/val.csv",
        stats="results/data/alignment_stats.json",
    log:
        "results/logs/pairs.log",
    benchmark:
        "results/benchmarks/pairs.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        data=config["data"],
    script:
        "../workflow/scripts/pairs.py"


rule sft_data:
    input:
        unpack(get_hint_inputs),
        pairs="results/data/pairs.csv",
        val="results/data/segments/val.csv",
    output:
        train="results/datasets/{prompt}/train.jsonl",
        val="results/datasets/{prompt}/val.jsonl",
    log:
        "results/logs/sft_data/{prompt}.log",
    benchmark:
        "results/benchmarks/sft_data/{prompt}.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/sft_data.py"


rule prompts:
    input:
        unpack(get_hint_inputs),
        segments="results/data/segments/{split}.csv",
    output:
        prompts="results/prompts/{prompt}/{split}.jsonl",
    log:
        "results/logs/prompts/{prompt}/{split}.log",
    benchmark:
        "results/benchmarks/prompts/{prompt}/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/prompts.py"
