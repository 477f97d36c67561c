"""Signals: the pure arithmetic that turns tagged items into warnings.

``signals.stories`` fingerprints items for near-duplicate clustering (MinHash over content words);
``signals.baseline`` computes expected story counts and their tail probabilities. Pure functions of
values: no database, no network; db/ receives their results as plain values.
"""
