from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.evaluate import clean_and_score

    i, o, p = snakemake.input, snakemake.output, snakemake.params
    clean_and_score(
        p.answer_splits,
        list(i.raw),
        list(o.predictions),
        list(o.get("scores", [])),
        dict(zip(p.splits, i.segments, strict=True)),
        scored=p.scored,
        proper_nouns_csv=i.get("proper_nouns"),
        min_similarity=p.min_similarity,
    )
