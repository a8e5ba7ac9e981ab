"""deep-past: Old Assyrian -> English translation pipeline."""

__version__ = "0.1.0"
