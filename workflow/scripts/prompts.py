from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.dataset import HintTables, memory_splits, prompt_file

    i, o, split = snakemake.input, snakemake.output, snakemake.wildcards.split
    tables = HintTables(
        i.get("lexicon"), i.get("proper_nouns"), i.get("memory"), memory_splits(split)
    )
    kw = dict(base_dir=i.base, max_tokens=snakemake.params.max_tokens, out_stats=o.stats)
    prompt_file(i.segments, snakemake.wildcards.prompt, o.prompts, tables, **kw)
