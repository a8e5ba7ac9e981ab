from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.evaluate import postprocess_and_evaluate

    i, o = snakemake.input, snakemake.output
    postprocess_and_evaluate(
        i.raw,
        i.segments,
        o.predictions,
        o.scores,
        proper_nouns_csv=i.get("proper_nouns"),
        min_similarity=snakemake.params.min_similarity,
    )
