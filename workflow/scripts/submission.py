from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.scoring import submission_file

    i = snakemake.input
    submission_file(i.predictions, i.sample, snakemake.output.submission)
