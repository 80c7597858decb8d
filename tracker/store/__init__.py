"""Storage: SQLite through sqlite-utils; ``Store`` is the only code that speaks SQL."""

from tracker.store.db import SavedArticle, Store, iso

__all__ = ["SavedArticle", "Store", "iso"]
