# Training pairs split by document, and chat-formatted records per prompt variant, each within
# the prompt token budget (data.prompt_max_tokens) and with its token statistics.


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
        data={k: config["data"][k] for k in ("val_fraction", "split_seed", "alignment")},
    script:
        "../workflow/scripts/pairs.py"


rule sft_data:
    input:
        unpack(get_hint_inputs),
        unpack(get_synthetic_inputs),
        pairs="results/data/pairs.csv",
        val="results/data/segments/val.csv",
        base="results/base_model",
    output:
        train="results/datasets/{prompt}/train.jsonl",
        val="results/datasets/{prompt}/val.jsonl",
        stats="results/datasets/{prompt}/stats.json",
    log:
        "results/logs/sft_data/{prompt}.log",
    benchmark:
        "results/benchmarks/sft_data/{prompt}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        max_tokens=config["data"]["prompt_max_tokens"],
        synthetic=config["data"]["synthetic_lexicon"],
        kinds=config["data"]["train_kinds"],
    script:
        "../workflow/scripts/sft_data.py"


rule prompts:
    input:
        unpack(get_hint_inputs),
        segments="results/data/segments/{split}.csv",
        base="results/base_model",
    output:
        prompts="results/prompts/{prompt}/{split}.jsonl",
        stats="results/prompts/{prompt}/{split}.stats.json",
    log:
        "results/logs/prompts/{prompt}/{split}.log",
    benchmark:
        "results/benchmarks/prompts/{prompt}/{split}.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        max_tokens=config["data"]["prompt_max_tokens"],
    script:
        "../workflow/scripts/prompts.py"
