from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.train import train_run_distributed

    i = snakemake.input
    train_run_distributed(
        snakemake.params.settings,
        i.train,
        i.val,
        i.base,
        snakemake.output.run,
        num_processes=snakemake.resources.gpu,
        threads=snakemake.threads,
    )
