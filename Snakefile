# deep-past: Deep Past Challenge (Old Assyrian -> English) from competition CSVs to a submission.
#
# results/data/            preprocessed tables, training pairs, segments to predict
# results/base_model/      the base model (tiny, built here) or a manifest naming a hub/local one
# results/runs/{prompt}/{hparams}/r{rank}/s{seed}/train/       one LoRA/QLoRA training run
# results/predictions/{system}/{split}.csv                     system = run/{ckpt}, zeroshot/{prompt}
# results/predictions/memory/, mbr/{ensemble}/                 translation memory, MBR ensembles
# results/scores/{system}/{split}.json, results/ablation/      BLEU, chrF++, geomean; table, plots
# results/submission.csv
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/preprocess.smk"
include: "rules/dataset.smk"
include: "rules/pretrain.smk"
include: "rules/train.smk"
include: "rules/predict.smk"
include: "rules/ensemble.smk"
include: "rules/evaluate.smk"
include: "rules/submission.smk"
include: "rules/kaggle.smk"
include: "rules/cluster.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
