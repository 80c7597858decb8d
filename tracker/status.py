"""What `tracker status` and `tracker runs` report, and the worker's liveness for /api/health.

- ``worker_status``: the worker's heartbeat, its age, whether it is alive (a heartbeat newer
  than ``WORKER_STALE_SECONDS`` and no clean stop since) and when it last stopped cleanly.
- ``status``: the database (path, size, schema), its counts, every source with its health,
  the worker and the latest runs, as ``query.Status``; ``status_text`` says it for a terminal.
- ``runs`` / ``runs_text``: the latest runs, of one source when asked.

It reads only (never creates or changes a database) and formats nothing but plain text; the
JSON shapes are ``tracker.query``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from tracker import clock, query
from tracker.store import Store, reads
from tracker.store import sources as source_table

WORKER_STALE_SECONDS: Final = 120  # four missed heartbeats (one every 30 s)
STATUS_RUNS: Final = 5  # runs `tracker status` shows


def worker_status(store: Store, now: datetime | None = None) -> query.WorkerStatus:
    """The worker as its heartbeat tells it (see the module's docstring)."""
    now = now or clock.now()
    heartbeat = source_table.read_heartbeat(store)
    stopped_at = source_table.read_worker_stopped(store)
    age: float | None = None
    if heartbeat:
        age = round((now - datetime.fromisoformat(heartbeat)).total_seconds(), 1)
    stopped_since = (heartbeat is not None and stopped_at is not None
                     and datetime.fromisoformat(stopped_at) >= datetime.fromisoformat(heartbeat))
    return {"heartbeat": heartbeat, "heartbeat_age_seconds": age,
            "alive": age is not None and age <= WORKER_STALE_SECONDS and not stopped_since,
            "stopped_at": stopped_at}


def runs(store: Store, *, source_id: str | None = None, limit: int = 20
         ) -> list[query.Run]:
    """The latest runs, newest first (of ``source_id`` only, when given)."""
    rows = reads.run_rows(store, limit=limit, source_id=source_id)
    return [cast(query.Run, {k: r[k] for k in query.Run.__annotations__}) for r in rows]


def status(store: Store) -> query.Status:
    """The database, its counts, its sources, the worker and the latest runs."""
    counts = store.counts()
    return {
        "database": {"path": str(store.path), "bytes": source_table.database_bytes(store),
                     "schema_version": store.schema_version},
        "counts": {k: counts[k] for k in ("articles", "events", "entities", "sources",
                                          "runs")},
        "sources": query.source_health(store),
        "worker": worker_status(store),
        "runs": runs(store, limit=STATUS_RUNS),
    }


def _ago(stamp: str | None, now: datetime) -> str:
    if not stamp:
        return "never"
    seconds = max(0, int((now - datetime.fromisoformat(stamp)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def _worker_line(worker: query.WorkerStatus, now: datetime) -> str:
    if worker["alive"]:
        return f"running (heartbeat {_ago(worker['heartbeat'], now)})"
    if worker["stopped_at"] and worker["heartbeat"] and \
            worker["stopped_at"] >= worker["heartbeat"]:
        return f"stopped {_ago(worker['stopped_at'], now)} (start it with `tracker run`)"
    if worker["heartbeat"]:
        return (f"not running: last heartbeat {_ago(worker['heartbeat'], now)} "
                f"(start it with `tracker run` or `tracker worker`)")
    return "never started on this database (start it with `tracker run`)"


def _source_line(s: dict[str, Any], now: datetime) -> str:
    state = "enabled " if s["enabled"] else "disabled"
    if s["consecutive_failures"]:
        health = f"failing x{s['consecutive_failures']}: {s['last_error']}"
    elif s["last_ok_at"]:
        health = f"ok {_ago(s['last_ok_at'], now)}"
    else:
        health = "never polled"
    return f"  {s['id']}  {s['kind']:5} {state}  {s['name']}: {health}"


def run_line(r: query.Run) -> str:
    """One run on one line: when, what, how it ended, its counts and its error."""
    counts = (f"new={r['n_new']} unchanged={r['n_unchanged']} failed={r['n_failed']} "
              f"events={r['n_events']}")
    error = f"  ({r['error']})" if r["error"] else ""
    return f"  {r['started_at']}  {r['job']:<14} {r['status']:<11} {counts}{error}"


def status_text(report: query.Status, now: datetime | None = None) -> str:
    """``report`` for a terminal."""
    now = now or clock.now()
    db, counts = report["database"], report["counts"]
    lines = [f"database  {db['path']} ({db['bytes'] / 1e6:.1f} MB, schema "
             f"{db['schema_version']})",
             "counts    " + ", ".join(f"{n:,} {k}" for k, n in counts.items()),
             f"worker    {_worker_line(report['worker'], now)}",
             f"sources   {len(report['sources'])}"]
    lines += [_source_line(cast(dict[str, Any], s), now) for s in report["sources"]]
    if not report["sources"]:
        lines.append("  none yet: add one with `tracker source add URL_OR_PATH`")
    lines.append(f"last runs {len(report['runs'])}")
    lines += [run_line(r) for r in report["runs"]]
    return "\n".join(lines) + "\n"
