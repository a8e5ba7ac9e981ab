from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.preprocess import preprocess_test_file

    preprocess_test_file(
        snakemake.input.test,
        snakemake.output.segments,
        sample_csv=snakemake.input.get("sample"),
        references_csv=snakemake.input.get("references"),
    )
