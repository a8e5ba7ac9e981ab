from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.preprocess import preprocess_train_file

    i = snakemake.input
    preprocess_train_file(i.train, snakemake.output.train, i.get("exclude"))
