"""Prompt variants (the registry) and the hints they show."""
