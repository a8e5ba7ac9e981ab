from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.ensemble import memory_answers

    i, p = snakemake.input, snakemake.params
    memory_answers(
        i.pairs,
        dict(zip(p.splits, i.segments, strict=True)),
        dict(zip(p.splits, snakemake.output.raw, strict=True)),
        i.lexicon,
        i.proper_nouns,
        options=p.options,
        nbest=int(snakemake.wildcards.get("k", 1)),
    )
