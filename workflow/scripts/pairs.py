from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.dataset import pairs_files

    i, o = snakemake.input, snakemake.output
    pairs_files(i.train, i.sentences, o.pairs, o.val, o.stats, **snakemake.params.data)
