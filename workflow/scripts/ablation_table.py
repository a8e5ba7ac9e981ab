from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.ablation import ablation_table, plot_axes, plot_checkpoints, write_tsv

    table, o = ablation_table(list(snakemake.input.scores)), snakemake.output
    write_tsv(table, o.table)
    plot_checkpoints(table, o.checkpoints)
    plot_axes(table, o.axes)
