"""The SQL of sources as data: the ``sources`` table, poll outcomes, health and the heartbeat.

Typed functions taking a ``Store``: add or update a source, find it by id, URL/path or name,
enable, disable, remove, list the due ones, record a poll's success or failure (the delay is
decided by the caller, ``tracker.sources``), close runs a killed worker left open, and read the
health summary ``/api/health`` shows. It does not decide backoff, guess kinds or validate user
input (``tracker.sources`` does), and it does not fetch or schedule anything.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker import clock
from tracker.models import SourceKind
from tracker.store.db import Store, iso

HEARTBEAT_KEY = "worker_heartbeat"


@dataclass(frozen=True)
class Source:
    """One configured source, as stored."""

    id: str
    kind: SourceKind
    url: str
    name: str
    language: str = "en"
    interval: int = 3600
    enabled: bool = True
    fetch_pages: bool = True
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_due_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Source:
        due = row.get("next_due_at")
        return cls(
            id=row["id"], kind=row["kind"], url=row["url"], name=row["name"],
            language=row["language"], interval=int(row["interval"]),
            enabled=bool(row["enabled"]), fetch_pages=bool(row["fetch_pages"]),
            etag=row["etag"], last_modified=row["last_modified"],
            consecutive_failures=int(row["consecutive_failures"]),
            next_due_at=datetime.fromisoformat(due) if due else None,
        )


def upsert_source(store: Store, *, id: str, kind: SourceKind, url: str, name: str,
                  language: str, interval: int, fetch_pages: bool,
                  enabled: bool | None = None) -> Source:
    """Insert the source, or update its settings keeping its state (validators, schedule).

    ``enabled=None`` leaves an existing source's switch alone (a new one starts enabled).
    """
    now = iso(clock.now())
    store.execute(
        "INSERT INTO sources (id, kind, url, name, language, interval, fetch_pages, enabled, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, language = excluded.language, "
        "interval = excluded.interval, fetch_pages = excluded.fetch_pages"
        + (", enabled = excluded.enabled" if enabled is not None else ""),
        [id, kind, url, name, language, interval, int(fetch_pages),
         1 if enabled is None else int(enabled), now],
    )
    source = source_by_id(store, id)
    assert source is not None  # just written
    return source


def source_by_id(store: Store, source_id: str) -> Source | None:
    rows = store.query("SELECT * FROM sources WHERE id = ?", [source_id])
    return Source.from_row(rows[0]) if rows else None


def find_sources(store: Store, ref: str, *, path: str | None = None) -> list[Source]:
    """Sources whose id, URL/path or name is ``ref`` (or whose path is ``path``)."""
    rows = store.query("SELECT * FROM sources WHERE id = ? OR url = ? OR name = ? ORDER BY id",
                       [ref, ref, ref])
    if not rows and path is not None:
        rows = store.query("SELECT * FROM sources WHERE url = ?", [path])
    return [Source.from_row(r) for r in rows]


def all_sources(store: Store) -> list[Source]:
    return [Source.from_row(r) for r in store.query("SELECT * FROM sources ORDER BY name, id")]


def enabled_sources(store: Store) -> list[Source]:
    return [Source.from_row(r) for r in
            store.query("SELECT * FROM sources WHERE enabled = 1 ORDER BY id")]


def due_sources(store: Store, when: datetime) -> list[Source]:
    """Enabled sources whose next poll is due at ``when`` (or never polled), oldest due first."""
    rows = store.query(
        "SELECT * FROM sources WHERE enabled = 1 AND (next_due_at IS NULL OR next_due_at <= ?) "
        "ORDER BY next_due_at IS NOT NULL, next_due_at, id",
        [iso(when)],
    )
    return [Source.from_row(r) for r in rows]


def set_enabled(store: Store, source_id: str, enabled: bool) -> None:
    store.execute("UPDATE sources SET enabled = ? WHERE id = ?", [int(enabled), source_id])


def delete_source(store: Store, source_id: str) -> None:
    """Remove the source; its articles stay (their ``source_id`` becomes NULL)."""
    store.execute("DELETE FROM sources WHERE id = ?", [source_id])


def record_success(store: Store, source_id: str, *, when: datetime, next_due: datetime,
                   etag: str | None, last_modified: str | None) -> None:
    store.execute(
        "UPDATE sources SET last_run_at = ?, last_ok_at = ?, consecutive_failures = 0, "
        "etag = ?, last_modified = ?, next_due_at = ? WHERE id = ?",
        [iso(when), iso(when), etag, last_modified, iso(next_due), source_id],
    )


def record_failure(store: Store, source_id: str, *, when: datetime, next_due: datetime,
                   error: str, failures: int) -> None:
    store.execute(
        "UPDATE sources SET last_run_at = ?, last_error = ?, last_error_at = ?, "
        "consecutive_failures = ?, next_due_at = ? WHERE id = ?",
        [iso(when), error, iso(when), failures, iso(next_due), source_id],
    )


def close_interrupted_runs(store: Store, *, job: str = "poll") -> int:
    """Mark runs a killed worker left 'running' as failed; returns how many.

    Only call this while holding the worker lock: then no run of ``job`` can really be running.
    """
    return store.execute(
        "UPDATE runs SET status = 'failed', finished_at = ?, "
        "error = 'interrupted: the worker stopped during this run' "
        "WHERE status = 'running' AND job = ?",
        [iso(clock.now()), job],
    )


def write_heartbeat(store: Store, when: datetime) -> None:
    store.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [HEARTBEAT_KEY, iso(when)]
    )


def read_heartbeat(store: Store) -> str | None:
    rows = store.query("SELECT value FROM meta WHERE key = ?", [HEARTBEAT_KEY])
    return str(rows[0]["value"]) if rows else None


def database_bytes(store: Store) -> int:
    """The database's size on disk, its write-ahead log included."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):  # no WAL file when nothing was written yet
            total += os.path.getsize(str(store.path) + suffix)
    return total


def health(store: Store, source_id: str | None = None) -> list[dict[str, Any]]:
    """Each source's settings, schedule and last outcome, with its article count (syndicated
    copies included); only ``source_id``'s when given."""
    rows = store.query(
        "SELECT s.id, s.kind, s.url, s.name, s.language, s.interval, s.enabled, s.fetch_pages, "
        "s.created_at, s.last_run_at, s.last_ok_at, s.last_error, s.last_error_at, "
        "s.consecutive_failures, s.next_due_at, "
        "(SELECT COUNT(DISTINCT article_id) FROM article_sources x WHERE x.source_id = s.id) "
        "AS articles FROM sources s "
        + ("WHERE s.id = ? " if source_id is not None else "")
        + "ORDER BY s.name, s.id",
        [source_id] if source_id is not None else [],
    )
    for row in rows:
        row["enabled"] = bool(row["enabled"])
        row["fetch_pages"] = bool(row["fetch_pages"])
    return rows


def set_next_due(store: Store, source_id: str, when: datetime | None) -> None:
    """Move a source's next poll (None: due now); for operators and tests."""
    store.execute("UPDATE sources SET next_due_at = ? WHERE id = ?", [iso(when), source_id])
