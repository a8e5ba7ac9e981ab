from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.kaggle.export import export_system

    i, p = snakemake.input, snakemake.params
    tables = {k: i[k] for k in ("lexicon", "proper_nouns", "memory") if k in i.keys()}
    export_system(i.base, snakemake.output.export, run_dir=i.get("run"), tables=tables, **p.export)
