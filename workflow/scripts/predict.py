from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.predict import predict_file

    i, p = snakemake.input, snakemake.params
    predict_file(
        i.base,
        i.prompts,
        snakemake.output.raw,
        generation=p.generation,
        model=p.model,
        run_dir=i.get("run"),
        checkpoint=snakemake.wildcards.get("ckpt"),
    )
