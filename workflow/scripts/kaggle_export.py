from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.kaggle.export import export_system

    i, p = snakemake.input, dict(snakemake.params.export)
    tables = {k: i[k] for k in ("lexicon", "proper_nouns", "memory") if k in i.keys()}
    generation = p.pop("generation", None)
    quality = None
    if "quality_prompts" in i.keys():
        quality = {"prompts": i.quality_prompts, "segments": i.quality_segments,
                   "generation": generation}  # fmt: skip
    export_system(i.base, snakemake.output.export, run_dir=i.get("run"), tables=tables,
                  quality_set=quality, **p)  # fmt: skip
