from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.ensemble import mbr_file

    p = snakemake.params
    mbr_file(
        list(snakemake.input.candidates),
        p.members,
        snakemake.output.raw,
        utility=p.utility,
        weights=p.weights,
        workers=snakemake.threads,
    )
