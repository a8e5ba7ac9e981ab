from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.ablation import (
        ablation_table,
        alignment_table,
        mark_best,
        plot_axes,
        plot_checkpoints,
        write_tsv,
    )
    from deep_past.io import read_json

    i, o = snakemake.input, snakemake.output
    table = ablation_table(list(i.scores), list(i.prompt_stats), snakemake.params.setup)
    write_tsv(mark_best(table), o.table)
    plot_checkpoints(table, o.checkpoints)
    plot_axes(table, o.axes)
    write_tsv(alignment_table(read_json(i.alignment_stats)), o.alignment)
