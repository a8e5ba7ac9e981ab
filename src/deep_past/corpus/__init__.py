"""The parallel corpus: lexicons, names, training segments, synthetic pairs, alignment."""
