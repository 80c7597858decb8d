"""Extraction: pure functions from article text to mentions (entities, dates, events).

Nothing in this package does I/O beyond reading the data files shipped in ``tracker/data``.
"""
