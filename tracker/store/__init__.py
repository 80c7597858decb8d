"""Storage: SQLite through sqlite-utils. ``Store`` is the only code in the project that speaks SQL."""

from tracker.store.db import SavedArticle, Store, iso

__all__ = ["SavedArticle", "Store", "iso"]
