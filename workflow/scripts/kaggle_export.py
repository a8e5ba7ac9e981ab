from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.kaggle.export import export_members, export_system

    i, p = snakemake.input, dict(snakemake.params.export)
    tables = {k: i[k] for k in ("lexicon", "proper_nouns", "memory") if k in i.keys()}
    if "members" in p:  # an ensemble or the memory: base model once, adapters beside it
        export_members(i.get("base"), snakemake.output.export, tables=tables, **p)
    else:
        generation = p.pop("generation", None)
        quality = None
        if "quality_prompts" in i.keys():
            quality = {"prompts": i.quality_prompts, "segments": i.quality_segments,
                       "generation": generation}  # fmt: skip
        export_system(i.base, snakemake.output.export, run_dir=i.runs[0] if "runs" in i.keys()
                      else None, tables=tables, quality_set=quality, **p)  # fmt: skip
