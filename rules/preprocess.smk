# Competition CSVs -> normalised tables and the segments to predict.


rule preprocess_train:
    input:
        unpack(get_excluded_documents),
        train=data_file("train.csv"),
    output:
        train="results/data/train.csv",
    log:
        "results/logs/preprocess_train.log",
    benchmark:
        "results/benchmarks/preprocess_train.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/preprocess_train.py"


rule preprocess_test:
    input:
        test=data_file("test.csv"),
        sample=data_file("sample_submission.csv"),
    output:
        segments="results/data/segments/test.csv",
    log:
        "results/logs/preprocess_test.log",
    benchmark:
        "results/benchmarks/preprocess_test.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/preprocess_test.py"


rule preprocess_eval:
    input:
        test=eval_file("test.csv"),
        references=eval_file("references.csv"),
    output:
        segments="results/data/segments/eval.csv",
    log:
        "results/logs/preprocess_eval.log",
    benchmark:
        "results/benchmarks/preprocess_eval.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/preprocess_test.py"


rule lexicon:
    input:
        lexicon=data_file("OA_Lexicon_eBL.csv"),
        dictionary=data_file("eBL_Dictionary.csv"),
        train="results/data/train.csv",
    output:
        lexicon="results/data/lexicon.csv",
        proper_nouns="results/data/proper_nouns.csv",
    log:
        "results/logs/lexicon.log",
    benchmark:
        "results/benchmarks/lexicon.tsv"
    conda:
        "../envs/cpu.yaml"
    script:
        "../workflow/scripts/lexicon.py"
