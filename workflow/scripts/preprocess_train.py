from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.data import preprocess_train_file

    preprocess_train_file(snakemake.input.train, snakemake.output.train)
