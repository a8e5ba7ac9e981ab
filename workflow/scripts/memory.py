from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.ensemble import memory_file

    i, p = snakemake.input, snakemake.params
    for split, segments, out in zip(p.splits, i.segments, snakemake.output.raw, strict=True):
        memory_file(
            i.pairs,
            segments,
            out,
            i.lexicon,
            i.proper_nouns,
            options=p.options,
            nbest=int(snakemake.wildcards.get("k", 1)),
            split=split,
        )
