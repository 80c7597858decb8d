"""Event timeline tracker: ingest news articles, find the dated events they report, show them.

The package is the core: parsing, extraction, storage, clustering and queries. It imports
neither ``web`` (the Flask app) nor ``jobs`` (the scheduler); those import it.
"""

__version__ = "0.1.0"
