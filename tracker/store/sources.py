"""The SQL of sources as data: the ``sources`` table, poll outcomes, health and the heartbeat.

Typed functions taking a ``Store``: add or update a source, find it by id, URL/path or name,
enable, disable, remove, list the due ones, record a poll's success or failure (the delay is
decided by the caller, ``tracker.sources``), tell whether a feed entry is stored as it is now,
close runs whose process is gone (a killed worker, a killed `tracker ingest`), and read the
health summary ``/api/health`` shows. It does not decide backoff, guess kinds or validate user
input (``tracker.sources`` does), and it does not fetch or schedule anything.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from tracker import clock
from tracker.models import SourceKind
from tracker.store.db import Store, iso

HEARTBEAT_KEY = "worker_heartbeat"
STOPPED_KEY = "worker_stopped_at"  # when a worker last stopped cleanly
DEAD_RUN_ERROR = "interrupted: the process that ran it stopped"
# Runs from before schema 5 name no process. One still "running" a day later is taken as dead:
# nothing the tracker runs takes a day, and no pre-5 process can open the migrated database.
UNKNOWN_PROCESS_RUN_AGE = timedelta(hours=24)
# How much later than its run a process may seem to have started before its pid counts as
# reused: the run's time has whole seconds, the boot time too, and clocks get adjusted.
PID_REUSE_SLACK = timedelta(seconds=60)
# What the database knows of a feed entry: no article under its id ("new"), one stored from
# this very version of the entry ("same"), or one stored from another version, or from a page
# fetch that failed ("changed").
EntryState = Literal["new", "same", "changed"]


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
    published: date | None = None  # the publication day of its undated files and records

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Source:
        due = row.get("next_due_at")
        published = row.get("published")
        return cls(
            id=row["id"], kind=row["kind"], url=row["url"], name=row["name"],
            language=row["language"], interval=int(row["interval"]),
            enabled=bool(row["enabled"]), fetch_pages=bool(row["fetch_pages"]),
            etag=row["etag"], last_modified=row["last_modified"],
            consecutive_failures=int(row["consecutive_failures"]),
            next_due_at=datetime.fromisoformat(due) if due else None,
            published=date.fromisoformat(published) if published else None,
        )


def upsert_source(store: Store, *, id: str, kind: SourceKind, url: str, name: str,
                  language: str, interval: int, fetch_pages: bool,
                  enabled: bool | None = None, published: date | None = None) -> Source:
    """Insert the source, or update its settings keeping its state (validators, schedule).

    ``enabled=None`` leaves an existing source's switch alone (a new one starts enabled).
    """
    now = iso(clock.now())
    store.execute(
        "INSERT INTO sources (id, kind, url, name, language, interval, fetch_pages, enabled, "
        "created_at, published) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, language = excluded.language, "
        "interval = excluded.interval, fetch_pages = excluded.fetch_pages, "
        "published = excluded.published"
        + (", enabled = excluded.enabled" if enabled is not None else ""),
        [id, kind, url, name, language, interval, int(fetch_pages),
         1 if enabled is None else int(enabled), now,
         published.isoformat() if published else None],
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
                   etag: str | None, last_modified: str | None,
                   problem: str | None = None) -> None:
    """A poll that stored what it could: failures reset. ``problem`` (a partial poll: broken
    XML, a page that failed) becomes the source's last error, for the health page."""
    store.execute(
        "UPDATE sources SET last_run_at = ?, last_ok_at = ?, consecutive_failures = 0, "
        "etag = ?, last_modified = ?, next_due_at = ? WHERE id = ?",
        [iso(when), iso(when), etag, last_modified, iso(next_due), source_id],
    )
    if problem is not None:
        store.execute("UPDATE sources SET last_error = ?, last_error_at = ? WHERE id = ?",
                      [problem, iso(when), source_id])


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


def close_dead_runs(store: Store) -> int:
    """Close every run still "running" whose process is gone, as interrupted; returns how many.

    Any process may call this at any time (no lock needed): a run whose process is alive is left
    alone, whichever job it is. A process is gone when no process has its pid, when it is a
    zombie (killed, not yet reaped by its parent), or, where ``/proc`` tells, when the process
    with that pid started after the run did (the pid was reused). A run without a pid (from
    before schema 5) is closed once it is ``UNKNOWN_PROCESS_RUN_AGE`` old. The pid is that of
    this machine: a database shared by two machines over a network folder would need more.
    """
    now = clock.now()
    dead = [
        int(row["id"]) for row in
        store.query("SELECT id, pid, started_at FROM runs WHERE status = 'running'")
        if not _run_alive(row["pid"], _parse_time(row["started_at"]), now)
    ]
    # One statement per run (they are few); "still running" is checked again in it, in case the
    # run finished meanwhile.
    return sum(store.execute(
        "UPDATE runs SET status = 'failed', finished_at = ?, error = ? "
        "WHERE id = ? AND status = 'running'", [iso(now), DEAD_RUN_ERROR, run_id],
    ) for run_id in dead)


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _run_alive(pid: Any, started: datetime | None, now: datetime) -> bool:
    if pid is None:
        return started is not None and now - started < UNKNOWN_PROCESS_RUN_AGE
    if not _process_alive(int(pid)):
        return False
    began = _process_start(int(pid))
    return began is None or started is None or began <= started + PID_REUSE_SLACK


def _process_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only the existence check is made
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return True  # cannot tell: closing a live run would be the worse mistake
    state = _proc_stat(pid)
    return state is None or state[0] != "Z"


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter and start time (clock ticks after boot), from ``/proc``."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        # The command name, in parentheses, may hold spaces and parentheses itself.
        fields = raw[raw.rindex(")") + 2:].split()
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _process_start(pid: int) -> datetime | None:
    """When a process started (wall-clock time), or None where ``/proc`` cannot tell."""
    state = _proc_stat(pid)
    if state is None:
        return None
    try:
        boot = next(int(line.split()[1]) for line in
                    Path("/proc/stat").read_text(encoding="ascii").splitlines()
                    if line.startswith("btime "))
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return datetime.fromtimestamp(boot + state[1] / ticks, UTC)


def entry_state(store: Store, article_id: str, entry_hash: str) -> EntryState:
    """Whether the article of a feed entry is stored, and stored from this version of it."""
    rows = store.query("SELECT entry_hash FROM articles WHERE id = ?", [article_id])
    if not rows:
        return "new"
    return "same" if rows[0]["entry_hash"] == entry_hash else "changed"


def remember_entries(store: Store, entries: Iterable[tuple[str, str, str]]) -> None:
    """Give stored articles the fingerprint of the feed entry they now are.

    ``entries`` are (article id, entry fingerprint, text hash) of what a poll ingested: an
    article found unchanged is not saved again, so its row would keep the fingerprint of an
    older version of the entry, and every later poll would fetch its page again. The text hash
    must match the stored one: an article that was not stored (a failure, a stop) keeps its
    old fingerprint, and is tried again.
    """
    rows = list(entries)
    if not rows:
        return
    with store.transaction():
        for article_id, entry_hash, digest in rows:
            store.execute("UPDATE articles SET entry_hash = ? WHERE id = ? AND text_hash = ? "
                          "AND entry_hash IS NOT ?", [entry_hash, article_id, digest, entry_hash])


def rollback(store: Store) -> None:
    """End a transaction that a failure left open, so that what is written next is not in it."""
    if store.db.conn.in_transaction:
        store.db.conn.rollback()


def _write_time(store: Store, key: str, when: datetime) -> None:
    store.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, iso(when)]
    )


def _read_time(store: Store, key: str) -> str | None:
    rows = store.query("SELECT value FROM meta WHERE key = ?", [key])
    return str(rows[0]["value"]) if rows else None


def write_heartbeat(store: Store, when: datetime) -> None:
    _write_time(store, HEARTBEAT_KEY, when)


def read_heartbeat(store: Store) -> str | None:
    return _read_time(store, HEARTBEAT_KEY)


def write_worker_stopped(store: Store, when: datetime) -> None:
    """A worker stopped cleanly at ``when``: its last heartbeat no longer says it is alive."""
    _write_time(store, STOPPED_KEY, when)


def clear_worker_stopped(store: Store) -> None:
    """A worker is starting: no clean stop stands until it stops."""
    store.execute("DELETE FROM meta WHERE key = ?", [STOPPED_KEY])


def read_worker_stopped(store: Store) -> str | None:
    """When a worker last stopped cleanly (None: never recorded)."""
    return _read_time(store, STOPPED_KEY)


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
