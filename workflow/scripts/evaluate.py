from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.evaluate import evaluate_file

    i = snakemake.input
    evaluate_file(i.predictions, i.segments, snakemake.output.scores)
