from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.pipeline.datasets import prompt_file
    from deep_past.pipeline.hints import HintTables

    i = snakemake.input
    tables = HintTables(i.get("lexicon"), i.get("proper_nouns"), i.get("memory"))
    prompt_file(i.segments, snakemake.wildcards.prompt, snakemake.output.prompts, tables)
