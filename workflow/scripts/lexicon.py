from deep_past.logs import job

with job(snakemake.log[0]):
    from deep_past.steps.preprocess import lexicon_files

    i, o = snakemake.input, snakemake.output
    lexicon_files(i.lexicon, i.dictionary, i.train, o.lexicon, o.proper_nouns)
