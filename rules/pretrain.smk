# Continued pre-training (optional, pretrain.enabled): the base model as a plain causal LM on
# the training documents' text, before fine-tuning; `train` then starts from its output.


rule pretrain:
    input:
        unpack(get_published_texts),
        base="results/base_model",
        pairs="results/data/pairs.csv",
    output:
        model=directory("results/pretrained_model"),
    log:
        "results/logs/pretrain.log",
    benchmark:
        "results/benchmarks/pretrain.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        gpu=1,
    params:
        settings=pretrain_settings(),
    script:
        "../workflow/scripts/pretrain.py"
