from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.datasets import prompt_file
    from deep_past.pipeline.hints import HintTables, memory_splits

    i, o, split = snakemake.input, snakemake.output, snakemake.wildcards.split
    tables = HintTables(
        i.get("lexicon"), i.get("proper_nouns"), i.get("memory"), memory_splits(split)
    )
    kw = dict(base_dir=i.base, max_tokens=snakemake.params.max_tokens, out_stats=o.stats)
    prompt_file(i.segments, snakemake.wildcards.prompt, o.prompts, tables, **kw)
