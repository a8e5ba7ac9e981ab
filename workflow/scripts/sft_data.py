from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.datasets import sft_files
    from deep_past.pipeline.hints import HintTables

    i, o = snakemake.input, snakemake.output
    tables = HintTables(i.get("lexicon"), i.get("proper_nouns"), i.get("memory"))
    sft_files(i.pairs, i.val, snakemake.wildcards.prompt, o.train, o.val, tables)
