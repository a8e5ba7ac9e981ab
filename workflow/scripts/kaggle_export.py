from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.kaggle import TABLES, export_file

    i = snakemake.input
    export_file(
        snakemake.output.export,
        snakemake.params.export,
        base_dir=i.get("base"),
        tables={k: i[k] for k in TABLES if k in i.keys()},
        run_dirs=list(i.runs) if "runs" in i.keys() else (),
        quality_prompts=i.get("quality_prompts"),
        quality_segments=i.get("quality_segments"),
    )
