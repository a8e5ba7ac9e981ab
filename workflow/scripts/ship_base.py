from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.train import ship_base

    i, p = snakemake.input, snakemake.params
    ship_base(i.scores, p.runs, snakemake.output.model, provenance=p.provenance)
