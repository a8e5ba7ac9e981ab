from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.evaluate import ablation_files

    i, o = snakemake.input, snakemake.output
    ablation_files(
        i.scores,
        i.prompt_stats,
        snakemake.params.setup,
        i.alignment_stats,
        table=o.table,
        checkpoints=o.checkpoints,
        axes=o.axes,
        alignment=o.alignment,
    )
