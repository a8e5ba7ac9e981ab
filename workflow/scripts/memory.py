from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.ensemble import memory_file

    i = snakemake.input
    memory_file(
        i.pairs,
        i.segments,
        snakemake.output.raw,
        i.lexicon,
        i.proper_nouns,
        options=snakemake.params.options,
        nbest=int(snakemake.wildcards.get("k", 1)),
        split=snakemake.wildcards.split,
    )
