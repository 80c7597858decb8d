"""When the database last changed in a way readers see: for the API's ``Last-Modified``.

``last_write_at(store)`` is the newest of the times the store records as it writes: the
latest event change (``event_changes.at``, written by every transaction that adds, changes,
merges or removes events, schema step 8) and the latest start or end of the recent runs (every
ingestion and poll is one, so articles that brought no event are covered too). Both are read
through an index or the primary key, so the answer costs the same whatever the size of the
database. Writes that record no time (enabling a source, the worker's heartbeat) are not
covered: the web app sends ``Last-Modified`` only on answers made of events, entities and
articles, and relies on ``ETag`` for the rest. Nothing here writes.
"""

from __future__ import annotations

from tracker.store.db import Store

# Runs that may overlap (the worker's polls, an ingest from the command line): the newest
# write is the latest end among the last few, not necessarily the last one's.
RECENT_RUNS = 50


def last_write_at(store: Store) -> str | None:
    """The newest recorded write time (ISO, as the store writes times), None before any."""
    newest_change = store.db.execute("SELECT MAX(at) FROM event_changes").fetchone()
    newest_run = store.db.execute(
        "SELECT MAX(COALESCE(finished_at, started_at)) FROM (SELECT finished_at, started_at "
        "FROM runs ORDER BY id DESC LIMIT ?)", [RECENT_RUNS]).fetchone()
    times = [str(row[0]) for row in (newest_change, newest_run) if row is not None and row[0]]
    return max(times, default=None)
