from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.dataset import HintTables, sft_files, synthetic_options

    i, o, p = snakemake.input, snakemake.output, snakemake.params
    tables = HintTables(i.get("lexicon"), i.get("proper_nouns"), i.get("memory"))
    synthetic = synthetic_options(p.synthetic, i.get("synthetic_lexicon"), i.get("synthetic_names"))
    kw = dict(base_dir=i.base, max_tokens=p.max_tokens, out_stats=o.stats, synthetic=synthetic)
    sft_files(
        i.pairs, i.val, snakemake.wildcards.prompt, o.train, o.val, tables, kinds=p.kinds, **kw
    )
