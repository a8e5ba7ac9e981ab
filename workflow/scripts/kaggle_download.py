from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.kaggle import download_competition

    download_competition(snakemake.params.data_dir, snakemake.params.competition)
