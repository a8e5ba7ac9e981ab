from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.scoring import scores_table

    scores_table(list(snakemake.input.scores), snakemake.output.table)
