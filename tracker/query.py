"""Queries: pages of events, one event with its evidence, the whole export, sources.

Returns JSON-ready dicts in the shapes the API and the CLI promise (Datasette-style
``{"ok": true, "events": [...], "next": cursor}``). It reads through ``Store.query`` and never
writes; it does not render HTML (``web`` does).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker import __version__, clock
from tracker.dates import date_label
from tracker.store import Store, iso

MAX_PAGE = 1000
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class EventFilter:
    """What a caller may ask of the event list; every field optional."""

    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    kind: str | None = None
    entity: str | None = None
    min_sources: int = 0
    include_reported: bool = True
    top: int = 0  # only the ``top`` most important events (0: all)


def _where(f: EventFilter) -> tuple[list[str], list[Any]]:
    clauses = ["e.status = 'active'"]
    params: list[Any] = []
    if f.date_from:
        clauses.append("e.date_end >= ?")
        params.append(f.date_from.isoformat())
    if f.date_to:
        clauses.append("e.date_start <= ?")
        params.append(f.date_to.isoformat())
    if f.kind:
        clauses.append("e.kind = ?")
        params.append(f.kind)
    if f.min_sources:
        clauses.append("e.n_sources >= ?")
        params.append(f.min_sources)
    if not f.include_reported:
        clauses.append("e.precision != 'reported'")
    if f.top:
        clauses.append("e.id IN (SELECT id FROM events WHERE status = 'active' "
                       "ORDER BY score DESC, id LIMIT ?)")
        params.append(f.top)
    if f.entity:
        clauses.append(
            "e.id IN (SELECT ee.event_id FROM event_entities ee JOIN entities n "
            "ON n.id = ee.entity_id WHERE n.id = ? OR lower(n.name) = lower(?) "
            "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)))"
        )
        params += [f.entity, f.entity, f.entity]
    if f.q and f.q.strip():
        # Quoted per word, so user text is never FTS syntax; entity names match too.
        words = [w for w in f.q.split() if w.strip('"')]
        fts = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        clauses.append(
            "(e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) OR e.id IN "
            "(SELECT ee.event_id FROM event_entities ee JOIN entities n ON n.id = ee.entity_id "
            "WHERE n.name LIKE ? OR n.aliases LIKE ?))"
        )
        like = f"%{f.q.strip()}%"
        params += [fts, like, like]
    return clauses, params


def encode_cursor(date_start: str, event_id: str) -> str:
    return base64.urlsafe_b64encode(f"{date_start}|{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (date_start, id) a page starts after; ValueError for a cursor we did not make."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        date_start, event_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        date.fromisoformat(date_start)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError(f"invalid cursor {cursor!r}") from None
    return date_start, event_id


def list_events(
    store: Store, f: EventFilter, *, limit: int = DEFAULT_PAGE, after: str | None = None
) -> dict[str, Any]:
    """One page of events in date order, with a cursor for the next page (keyset pagination)."""
    limit = max(1, min(limit, MAX_PAGE))
    clauses, params = _where(f)
    total = int(store.query(
        f"SELECT COUNT(*) AS n FROM events e WHERE {' AND '.join(clauses)}", params
    )[0]["n"])
    if after:
        date_start, event_id = decode_cursor(after)
        clauses.append("(e.date_start, e.id) > (?, ?)")
        params += [date_start, event_id]
    rows = store.query(
        f"SELECT e.* FROM events e WHERE {' AND '.join(clauses)} "
        f"ORDER BY e.date_start, e.id LIMIT ?",
        [*params, limit + 1],
    )
    more = len(rows) > limit
    rows = rows[:limit]
    events = _with_entities(store, [_event(r) for r in rows])
    next_cursor = encode_cursor(rows[-1]["date_start"], rows[-1]["id"]) if more and rows else None
    return {"ok": True, "total": total, "events": events, "next": next_cursor}


def get_event(store: Store, event_id: str) -> dict[str, Any] | None:
    """One event with its entities and every mention behind it; follows merges."""
    rows = store.query("SELECT * FROM events WHERE id = ?", [event_id])
    if not rows:
        return None
    row = rows[0]
    if row["status"] == "merged" and row["merged_into"]:
        target = get_event(store, row["merged_into"])
        if target is not None:
            target["merged_from"] = event_id
        return target
    event = _with_entities(store, [_event(row)])[0]
    event["mentions"] = _mentions(store, [event_id])[event_id]
    return event


def export_timeline(store: Store, f: EventFilter | None = None) -> dict[str, Any]:
    """The whole timeline as one JSON document: every active event with its mentions."""
    f = f or EventFilter()
    clauses, params = _where(f)
    rows = store.query(
        f"SELECT e.* FROM events e WHERE {' AND '.join(clauses)} ORDER BY e.date_start, e.id",
        params,
    )
    events = _with_entities(store, [_event(r) for r in rows])
    mentions = _mentions(store, [e["id"] for e in events])
    for event in events:
        event["mentions"] = mentions[event["id"]]
    return {
        "ok": True,
        "generator": f"event-timeline-tracker {__version__}",
        "generated_at": iso(clock.now()),
        "count": len(events),
        "events": events,
    }


def top_events(store: Store, k: int, *, date_from: date | None = None,
               date_to: date | None = None) -> list[dict[str, Any]]:
    """The k most important dated events, best first, at most one per day."""
    rows = store.query(
        "SELECT * FROM events WHERE status = 'active' AND precision IN ('day', 'time') "
        "AND date_start >= ? AND date_start <= ? "
        "ORDER BY score DESC, n_sources DESC, date_start, id",
        [(date_from or date.min).isoformat(), (date_to or date.max).isoformat()],
    )
    seen_days: set[str] = set()
    out = []
    for r in rows:
        if r["date_start"] in seen_days:
            continue
        seen_days.add(r["date_start"])
        out.append({"date": r["date_start"], "title": r["title"], "score": r["score"],
                    "event_id": r["id"]})
        if len(out) >= k:
            break
    return out


def kinds(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT kind, COUNT(*) AS events FROM events WHERE status = 'active' "
        "GROUP BY kind ORDER BY events DESC, kind"
    )


def list_sources(store: Store) -> list[dict[str, Any]]:
    """Every configured source with its health and its most recent run."""
    sources = store.query(
        "SELECT s.*, (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id) AS articles "
        "FROM sources s ORDER BY s.name, s.id"
    )
    for s in sources:
        s["enabled"] = bool(s["enabled"])
        s["fetch_pages"] = bool(s["fetch_pages"])
        runs = store.query(
            "SELECT id, job, started_at, finished_at, status, n_new, n_unchanged, n_failed, "
            "n_events, error FROM runs WHERE source_id = ? ORDER BY id DESC LIMIT 1", [s["id"]]
        )
        s["last_run"] = runs[0] if runs else None
    return sources


def recent_runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    runs = store.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit])
    for run in runs:
        run["detail"] = json.loads(run["detail"]) if run["detail"] else []
    return runs


def list_entities(store: Store, *, q: str | None = None, kind: str | None = None,
                  limit: int = DEFAULT_PAGE) -> dict[str, Any]:
    """People, places and organizations, most eventful first; ``q`` matches names and aliases."""
    clauses, params = ["1 = 1"], []
    if kind:
        clauses.append("n.kind = ?")
        params.append(kind)
    if q and q.strip():
        clauses.append("(n.name LIKE ? OR n.aliases LIKE ?)")
        params += [f"%{q.strip()}%"] * 2
    rows = store.query(
        f"SELECT n.*, (SELECT COUNT(*) FROM event_entities ee JOIN events e ON e.id = "
        f"ee.event_id WHERE ee.entity_id = n.id AND e.status = 'active') AS n_events "
        f"FROM entities n WHERE {' AND '.join(clauses)} "
        f"ORDER BY n_events DESC, n.name LIMIT ?",
        [*params, max(1, min(limit, MAX_PAGE))],
    )
    return {"ok": True, "entities": [_entity(r) for r in rows]}


def get_entity(store: Store, ref: str) -> dict[str, Any] | None:
    """One entity (by id, name or alias) with its events over time, in date order."""
    rows = store.query(
        "SELECT n.*, 0 AS n_events FROM entities n WHERE n.id = ? OR lower(n.name) = lower(?) "
        "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)) "
        "ORDER BY n.id = ? DESC LIMIT 1",
        [ref, ref, ref, ref],
    )
    if not rows:
        return None
    entity = _entity(rows[0])
    events = store.query(
        "SELECT e.* FROM events e JOIN event_entities ee ON ee.event_id = e.id "
        "WHERE ee.entity_id = ? AND e.status = 'active' ORDER BY e.date_start, e.id",
        [entity["id"]],
    )
    entity["events"] = _with_entities(store, [_event(r) for r in events])
    entity["n_events"] = len(events)
    return entity


def _entity(row: dict[str, Any]) -> dict[str, Any]:
    entity = {"id": row["id"], "name": row["name"], "kind": row["kind"],
              "aliases": json.loads(row["aliases"]), "role": row["role"],
              "n_events": row["n_events"]}
    if row["lat"] is not None:
        entity["lat"], entity["lon"] = row["lat"], row["lon"]
    return entity


def _event(row: dict[str, Any]) -> dict[str, Any]:
    start, end = date.fromisoformat(row["date_start"]), date.fromisoformat(row["date_end"])
    return {
        "id": row["id"],
        "title": row["title"],
        "kind": row["kind"],
        "date_start": row["date_start"],
        "date_end": row["date_end"],
        "precision": row["precision"],
        "date_text": row["date_text"],
        "date_label": date_label(start, end, row["precision"]),
        "score": row["score"],
        "n_mentions": row["n_mentions"],
        "n_articles": row["n_articles"],
        "n_sources": row["n_sources"],
        "first_seen_at": row["first_seen_at"],
        "updated_at": row["updated_at"],
    }


def _with_entities(store: Store, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids = [e["id"] for e in events]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for r in store.query(
            f"SELECT ee.event_id, n.id, n.name, n.kind, n.role, n.lat, n.lon, ee.n_mentions "
            f"FROM event_entities ee JOIN entities n ON n.id = ee.entity_id "
            f"WHERE ee.event_id IN ({marks}) ORDER BY ee.n_mentions DESC, n.name",
            chunk,
        ):
            entity: dict[str, Any] = {"id": r["id"], "name": r["name"], "kind": r["kind"]}
            if r["role"]:
                entity["role"] = r["role"]
            if r["lat"] is not None:
                entity["lat"], entity["lon"] = r["lat"], r["lon"]
            by_event[r["event_id"]].append(entity)
    for e in events:
        e["entities"] = by_event[e["id"]]
    return events


def _mentions(store: Store, event_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {eid: [] for eid in event_ids}
    for chunk_start in range(0, len(event_ids), 500):
        chunk = event_ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for r in store.query(
            f"SELECT m.*, a.url AS article_url, a.title AS article_title, "
            f"a.published_at, a.source_name, s.name AS configured_source "
            f"FROM mentions m JOIN articles a ON a.id = m.article_id "
            f"LEFT JOIN sources s ON s.id = a.source_id "
            f"WHERE m.event_id IN ({marks}) "
            f"ORDER BY a.published_at, m.article_id, m.sentence_start",
            chunk,
        ):
            timex = None
            if r["timex_text"] is not None:
                timex = {"text": r["timex_text"], "type": r["timex_type"],
                         "value": r["timex_value"], "start": r["timex_start"],
                         "end": r["timex_end"]}
            out[r["event_id"]].append({
                "article_id": r["article_id"],
                "article_url": r["article_url"],
                "article_title": r["article_title"],
                "source": r["source_name"] or r["configured_source"],
                "published_at": r["published_at"],
                "sentence": r["sentence"],
                "start": r["sentence_start"],
                "end": r["sentence_end"],
                "date_text": r["date_text"],
                "precision": r["precision"],
                "trigger": r["trigger"],
                "confidence": r["confidence"],
                "timex": timex,
            })
    return out
