from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.submission import choose_submission, submission_file

    i, p = snakemake.input, snakemake.params
    chosen = choose_submission(p.choice, dict(zip(p.systems, i.predictions, strict=True)), i.scores)
    submission_file(chosen, i.sample, snakemake.output.submission)
