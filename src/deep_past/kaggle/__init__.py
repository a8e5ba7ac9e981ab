"""The Kaggle path: download the competition data, export a model, upload it as a dataset,
estimate the offline run's time, and render the offline notebook that writes submission.csv.

Each module is a CLI (``python -m deep_past.kaggle.<module> --help``). Heavy or networked
imports (kaggle, torch, transformers, peft) happen inside functions only.
"""

COMPETITION = "deep-past-initiative-machine-translation"
