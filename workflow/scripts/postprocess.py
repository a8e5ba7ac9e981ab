from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.scoring import postprocess_file

    postprocess_file(snakemake.input.raw, snakemake.output.predictions)
