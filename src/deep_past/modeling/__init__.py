"""Models: loading and building bases, training (LoRA, QLoRA, full), pre-training, generation.

Heavy imports (torch, transformers, peft, trl) happen inside functions only.
"""
