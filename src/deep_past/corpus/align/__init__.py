"""Alignment B: cut whole training documents into sentence pairs.

Training rows are whole tablets, the test is sentence-level, so the documents are cut into
sentence pairs in two ways:

1. ``sentence_file``: documents with OARE sentence rows (``Sentences_Oare_FirstWord_LinNum.csv``).
   Each row gives a sentence translation and one marked word of that sentence in the
   transliteration. The OARE translations are matched in order to consecutive groups of the
   document's own English sentences (they must cover the whole translation, each group similar
   enough to its OARE sentence), and the source cut before sentence k is searched between the
   marked words of sentences k-1 and k. Documents failing any check keep only the other kinds.
2. ``sentence_dp``: every document. The English translation is split into sentences, the source
   is first cut proportionally to their lengths; IBM Model 1 word translation tables (both
   directions) are trained by EM on those rough pairs, then each document is re-cut by dynamic
   programming under Model 1 plus a Gale-Church length prior (and the tables retrained once).
   ``window`` pairs join two consecutive sentences of the best segmentation.

Modules: ``tokens`` (sentences and words), ``model1`` (IBM Model 1 word tables and length
statistics), ``cuts`` (cutting one document: proportional, DP/Viterbi, clause cues),
``sentence_file`` (the OARE sentence rows of one document), ``corpus`` (every document into
pairs, statistics) and ``strategy`` (the ``data.alignment`` choice).

Everything is pure numpy/pandas and deterministic (no randomness, stable sorts).
"""
