from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.predict import postprocess_file

    i = snakemake.input
    postprocess_file(
        i.raw,
        snakemake.output.predictions,
        proper_nouns_csv=i.get("proper_nouns"),
        segments_csv=i.get("segments"),
        min_similarity=snakemake.params.min_similarity,
    )
