from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.kaggle.budget import members_budget, time_budget
    from deep_past.pipeline.models import base_model_path

    i, p = snakemake.input, dict(snakemake.params.budget)
    members, single = p.pop("members"), p.pop("single")
    limits = {k: p[k] for k in ("limit_hours", "margin")}
    parts = {}
    for m in members:  # every generating member of the notebook, one after the other
        parts[m["name"]] = time_budget(
            model_dir=base_model_path(i.base),  # the shipped base's own directory
            segments_csv=i.segments,
            prompts_jsonl=m["prompts"],
            raw_csv=m["raw"],
            benchmark_tsv=m["benchmark_tsv"],
            generation=m["generation"],
            gpu_json=i.gpu[0] if i.gpu else None,
            out_json=snakemake.output.budget if single else None,
            **p,
        )
    if not single:
        members_budget(parts, out_json=snakemake.output.budget, **limits)
