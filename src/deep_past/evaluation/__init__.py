"""Metrics, MBR, the ablation table, and the submission's format."""
