from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.kaggle import upload_export

    o = snakemake.output
    upload_export(snakemake.input.export, o.folder, record=o.record, **snakemake.params.dataset)
