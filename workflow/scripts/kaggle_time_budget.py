from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.kaggle.budget import time_budget

    i, p = snakemake.input, snakemake.params
    time_budget(
        model_dir=i.base,
        segments_csv=i.segments,
        prompts_jsonl=i.prompts,
        raw_csv=i.raw,
        out_json=snakemake.output.budget,
        **p.budget,
    )
