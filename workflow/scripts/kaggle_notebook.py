from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.kaggle import build_notebook

    i = snakemake.input
    build_notebook(
        i.template,
        snakemake.output.notebook,
        export_dir=i.export,
        settings=snakemake.params.settings,
        budget_json=i.budget,
    )
