from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.train import train_run

    i = snakemake.input
    train_run(snakemake.params.settings, i.train, i.val, i.base, snakemake.output.run)
