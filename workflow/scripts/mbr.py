from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.ensemble import mbr_splits

    p = snakemake.params
    mbr_splits(
        list(snakemake.input.candidates),
        p.members,
        dict(zip(p.splits, snakemake.output.raw, strict=True)),
        utility=p.utility,
        weights=p.weights,
        workers=snakemake.threads,
    )
