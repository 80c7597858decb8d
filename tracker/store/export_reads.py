"""Read queries for the exports (``tracker.exports``): events in batches, with their evidence.

The export reads a whole timeline, so these answer plain tuples (no dict per row, only the
columns an export writes) and are asked once per batch of events, never once per event:
``event_batch`` (the events ``/api/events`` lists for an ``EventFilter``, same WHERE clause, in
(date, id) keyset order), then for the batch's ids ``entity_links``, ``mention_batch`` and, for
the ids those name, ``entity_batch`` and ``article_batch``; ``key_after`` skips a batch read by
another process. Column orders are the ``*_COLUMNS`` tuples. Call them inside
``reads.snapshot`` so every batch sees the same database; ``writers_held`` and
``pin_snapshot`` let two connections start the very same snapshot, and ``unmapped`` keeps a
whole-file read out of the process's resident memory. Nothing here writes rows or
shapes a document (``tracker.exports`` does).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from tracker.store.db import Store, in_chunks
from tracker.store.reads import EventFilter, date_walk

Row = tuple[Any, ...]

EVENT_COLUMNS: Final = (
    "id", "title", "kind", "date_start", "date_end", "precision", "date_text", "summary",
    "score", "confidence", "n_mentions", "n_articles", "n_sources", "first_seen_at",
    "updated_at")
MENTION_COLUMNS: Final = (
    "event_id", "article_id", "sentence", "sentence_start", "sentence_end", "date_text",
    "precision", "trigger", "modality", "confidence", "timex_text", "timex_type", "timex_value",
    "timex_start", "timex_end")
ENTITY_COLUMNS: Final = ("id", "name", "kind", "role", "lat", "lon", "aliases")
ARTICLE_COLUMNS: Final = ("id", "url", "title", "source_name", "configured_source",
                          "published_at")


LOCK_WAIT: Final = 2.0  # seconds ``writers_held`` waits for a writer to finish
CHUNK: Final = 1000  # ids per IN list of the per-batch queries: one statement per batch


def _rows_in(store: Store, select: str, ids: Sequence[str]) -> list[Row]:
    """The rows of ``select`` (ending in ``IN ({marks})``) for all ``ids``, ``CHUNK`` ids a
    statement: one statement for a batch's events."""
    rows: list[Row] = []
    for chunk, marks in in_chunks(ids, CHUNK):
        rows += store.db.conn.execute(select.format(marks=marks), chunk).fetchall()
    return rows


def event_batch(store: Store, f: EventFilter, *, limit: int,
                after: tuple[str, str] | None = None) -> list[Row]:
    """At most ``limit`` active events matching ``f`` after a (date_start, id) keyset position,
    in (date_start, id) order (``EVENT_COLUMNS``)."""
    clauses, params = date_walk(store, f, after)
    columns = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    return store.db.conn.execute(
        f"SELECT {columns} FROM events e WHERE {' AND '.join(clauses)} "
        f"ORDER BY e.date_start, e.id LIMIT ?", [*params, limit]).fetchall()


def key_after(store: Store, f: EventFilter, *, after: tuple[str, str] | None, n: int
              ) -> tuple[str, str] | None:
    """The (date_start, id) of the ``n``-th event matching ``f`` after ``after`` (from the
    first without it), None when fewer follow: where a batch of ``n`` that is read elsewhere
    ends (``tracker.exports.parallel``). Walks the keys only, in the events' date index."""
    clauses, params = date_walk(store, f, after)
    row = store.db.conn.execute(
        f"SELECT e.date_start, e.id FROM events e WHERE {' AND '.join(clauses)} "
        f"ORDER BY e.date_start, e.id LIMIT 1 OFFSET ?", [*params, n - 1]).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


@contextmanager
def unmapped(store: Store) -> Iterator[None]:
    """The store's connection reads through SQLite's page cache rather than a memory map of
    the file while inside (``PRAGMA mmap_size = 0``, put back after). An export touches every
    page of a large file once; mapped, each page it touched would count in its process's
    resident memory (some 1 GB at 1,000,000 events) although the OS can drop it at will."""
    conn = store.db.conn
    before = int(conn.execute("PRAGMA mmap_size").fetchone()[0])
    conn.execute("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA mmap_size = {before}")


def pin_snapshot(store: Store) -> None:
    """Start the read transaction of ``reads.snapshot`` now (SQLite takes it at the first
    read, not at BEGIN), so that it is the state of the database at this moment."""
    store.db.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()


@contextmanager
def writers_held(path: Path) -> Iterator[None]:
    """No write commits to the database at ``path`` while inside: its write lock is held (a
    ``BEGIN IMMEDIATE`` on a connection of its own, waiting at most ``LOCK_WAIT`` seconds for
    a writer to finish), so read transactions that start inside all see the same state.
    Writers meanwhile wait (their busy timeout), they do not fail. Raises ``sqlite3.Error``
    when the lock cannot be had (a busy or read-only database)."""
    conn = sqlite3.connect(str(path), timeout=LOCK_WAIT, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def entity_links(store: Store, event_ids: Sequence[str]) -> list[tuple[str, str, int]]:
    """(event_id, entity_id, n_mentions) of every entity link of the events, in no order."""
    return _rows_in(store, "SELECT event_id, entity_id, n_mentions FROM event_entities "
                           "WHERE event_id IN ({marks})", event_ids)


def entity_batch(store: Store, entity_ids: Sequence[str]) -> list[Row]:
    """The entities of these ids (``ENTITY_COLUMNS``; ``aliases`` as stored, JSON text)."""
    return _rows_in(store, f"SELECT {', '.join(ENTITY_COLUMNS)} FROM entities "
                           f"WHERE id IN ({{marks}})", entity_ids)


def mention_batch(store: Store, event_ids: Sequence[str]) -> list[Row]:
    """The mentions of the events (``MENTION_COLUMNS``), each event's in stored order (not
    sorted: ``reads.mention_rows_of_events``' order needs each article's publication time,
    which ``article_batch`` reads once per article rather than once per mention)."""
    return _rows_in(store, f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions "
                           f"WHERE event_id IN ({{marks}})", event_ids)


def article_batch(store: Store, article_ids: Sequence[str]) -> list[Row]:
    """The articles of these ids, with the name their outlet gives and their configured
    source's (``ARTICLE_COLUMNS``); never their text."""
    return _rows_in(store, "SELECT a.id, a.url, a.title, a.source_name, s.name, "
                           "a.published_at FROM articles a LEFT JOIN sources s "
                           "ON s.id = a.source_id WHERE a.id IN ({marks})", article_ids)
