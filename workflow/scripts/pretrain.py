from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.pretrain import pretrain_dir

    i = snakemake.input
    texts = i.get("published")
    pretrain_dir(i.base, i.pairs, texts, snakemake.output.model, snakemake.params.settings)
