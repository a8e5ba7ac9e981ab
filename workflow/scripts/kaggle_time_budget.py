from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.kaggle import time_budget_file

    i = snakemake.input
    time_budget_file(
        i.base,
        i.segments,
        snakemake.params.budget,
        snakemake.output.budget,
        gpu_json=i.gpu[0] if i.gpu else None,
    )
