from deep_past.logs import job

with job(snakemake.log[0], snakemake.threads):
    from deep_past.steps.predict import predict_answers

    i, p = snakemake.input, snakemake.params
    predict_answers(
        i.base,
        dict(zip(p.splits, i.prompts, strict=True)),
        [
            (ckpt, split, out)
            for (ckpt, split), out in zip(p.answers, snakemake.output.raw, strict=True)
        ],
        snakemake.output.timing,
        generation=p.generation,
        model=p.model,
        run_dir=i.get("run"),
    )
