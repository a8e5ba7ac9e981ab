"""The translation memory: retrieval over the training pairs, repair of what it finds."""
