from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.train import base_model_dir

    p = snakemake.params
    i = snakemake.input
    base_model_dir(p.model, p.scratch, i.train, snakemake.output.model, i.get("shipped"))
