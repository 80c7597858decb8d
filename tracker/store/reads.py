"""Read queries for the API and the CLI: the SQL behind ``tracker.query``.

Each function takes an open ``Store`` and returns rows as plain dicts, exactly as stored; the
shaping into API documents (date labels, cursors, nesting) is ``tracker.query``'s job. Nothing
here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.confidence import MIN_CONFIDENCE
from tracker.store.db import Store, in_chunks

Row = dict[str, Any]


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
    top: int = 0  # only the ``top`` key events (0: all); see ``tracker.query.top_events``
    # Events below this confidence are left out (low-confidence events stay stored and
    # searchable as evidence); 0 brings back every event stored.
    min_confidence: float = MIN_CONFIDENCE
    ids: tuple[str, ...] | None = None  # only these events (the key events, once chosen)


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
    if f.min_confidence > 0:
        clauses.append("e.confidence >= ?")
        params.append(f.min_confidence)
    if f.ids is not None:
        clauses.append(f"e.id IN ({','.join('?' * len(f.ids))})" if f.ids else "0")
        params += list(f.ids)
    if f.entity:
        clauses.append(
            "e.id IN (SELECT ee.event_id FROM event_entities ee JOIN entities n "
            "ON n.id = ee.entity_id WHERE n.id = ? OR lower(n.name) = lower(?) "
            "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)))"
        )
        params += [f.entity, f.entity, f.entity]
    words = [w for w in (f.q or "").split() if w.strip('"')]
    if words:
        # Quoted per word, so user text is never FTS syntax; entity names match too.
        fts = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        clauses.append(
            "(e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) OR e.id IN "
            "(SELECT ee.event_id FROM event_entities ee JOIN entities n ON n.id = ee.entity_id "
            "WHERE n.name LIKE ? OR n.aliases LIKE ?))"
        )
        like = f"%{(f.q or '').strip()}%"
        params += [fts, like, like]
    return clauses, params


def count_events(store: Store, f: EventFilter) -> int:
    clauses, params = _where(f)
    return int(store.query(
        f"SELECT COUNT(*) AS n FROM events e WHERE {' AND '.join(clauses)}", params
    )[0]["n"])


def event_rows(store: Store, f: EventFilter, *, limit: int | None = None,
               after: tuple[str, str] | None = None) -> list[Row]:
    """Active events matching ``f`` in (date, id) order, after a keyset position."""
    clauses, params = _where(f)
    if after:
        clauses.append("(e.date_start, e.id) > (?, ?)")
        params += list(after)
    sql = f"SELECT e.* FROM events e WHERE {' AND '.join(clauses)} ORDER BY e.date_start, e.id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.query(sql, params)


def event_row(store: Store, event_id: str) -> Row | None:
    rows = store.query("SELECT * FROM events WHERE id = ?", [event_id])
    return rows[0] if rows else None


def ranked_day_events(store: Store, date_from: date, date_to: date, *,
                      min_confidence: float = 0.0, limit: int | None = None) -> list[Row]:
    """Day-precision active events in the range, most important first: the day's score, the
    earlier of equal days, then within a day the best supported."""
    return store.query(
        "SELECT * FROM events WHERE status = 'active' AND precision IN ('day', 'time') "
        "AND date_start >= ? AND date_start <= ? AND confidence >= ? "
        "ORDER BY score DESC, date_start, support DESC, n_sources DESC, id"
        + (" LIMIT ?" if limit else ""),
        [date_from.isoformat(), date_to.isoformat(), min_confidence,
         *([limit] if limit else [])],
    )


def publication_range(store: Store) -> tuple[date, date] | None:
    """The first and last days articles were published (or fetched), if any are stored."""
    row = store.query(
        "SELECT MIN(substr(COALESCE(published_at, fetched_at), 1, 10)) AS first, "
        "MAX(substr(COALESCE(published_at, fetched_at), 1, 10)) AS last FROM articles")[0]
    if not row["first"]:
        return None
    return date.fromisoformat(row["first"]), date.fromisoformat(row["last"])


def entity_rows_of_events(store: Store, event_ids: Sequence[str]) -> list[Row]:
    """(event_id, entity columns, n_mentions) for the events, most mentioned first."""
    rows: list[Row] = []
    for chunk, marks in in_chunks(event_ids):
        rows += store.query(
            f"SELECT ee.event_id, n.id, n.name, n.kind, n.role, n.lat, n.lon, ee.n_mentions "
            f"FROM event_entities ee JOIN entities n ON n.id = ee.entity_id "
            f"WHERE ee.event_id IN ({marks}) "
            f"ORDER BY ee.n_mentions DESC, n.name",
            chunk,
        )
    return rows


def mention_rows_of_events(store: Store, event_ids: Sequence[str]) -> list[Row]:
    """Mentions of the events with their article's URL, title, date and outlet."""
    rows: list[Row] = []
    for chunk, marks in in_chunks(event_ids):
        rows += store.query(
            f"SELECT m.*, a.url AS article_url, a.title AS article_title, "
            f"a.published_at, a.source_name, s.name AS configured_source "
            f"FROM mentions m JOIN articles a ON a.id = m.article_id "
            f"LEFT JOIN sources s ON s.id = a.source_id "
            f"WHERE m.event_id IN ({marks}) "
            f"ORDER BY a.published_at, m.article_id, m.sentence_start",
            chunk,
        )
    return rows


def kind_counts(store: Store, min_confidence: float = MIN_CONFIDENCE) -> list[Row]:
    return store.query(
        "SELECT kind, COUNT(*) AS events FROM events WHERE status = 'active' "
        "AND confidence >= ? GROUP BY kind ORDER BY events DESC, kind", [min_confidence]
    )


def run_rows(store: Store, *, limit: int, source_id: str | None = None) -> list[Row]:
    """The most recent runs, newest first; of one source when given."""
    if source_id is None:
        return store.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit])
    return store.query("SELECT * FROM runs WHERE source_id = ? ORDER BY id DESC LIMIT ?",
                       [source_id, limit])


def entity_rows(store: Store, *, q: str | None, kind: str | None, limit: int) -> list[Row]:
    """Entities with their number of active events, most eventful first."""
    clauses, params = ["1 = 1"], []
    if kind:
        clauses.append("n.kind = ?")
        params.append(kind)
    if q and q.strip():
        clauses.append("(n.name LIKE ? OR n.aliases LIKE ?)")
        params += [f"%{q.strip()}%"] * 2
    return store.query(
        f"SELECT n.*, (SELECT COUNT(*) FROM event_entities ee JOIN events e ON e.id = "
        f"ee.event_id WHERE ee.entity_id = n.id AND e.status = 'active') AS n_events "
        f"FROM entities n WHERE {' AND '.join(clauses)} "
        f"ORDER BY n_events DESC, n.name LIMIT ?",
        [*params, limit],
    )


def entity_row(store: Store, ref: str) -> Row | None:
    """An entity by id, name or alias (case-insensitive)."""
    rows = store.query(
        "SELECT n.*, 0 AS n_events FROM entities n WHERE n.id = ? OR lower(n.name) = lower(?) "
        "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)) "
        "ORDER BY n.id = ? DESC LIMIT 1",
        [ref, ref, ref, ref],
    )
    return rows[0] if rows else None


def event_rows_of_entity(store: Store, entity_id: str) -> list[Row]:
    return store.query(
        "SELECT e.* FROM events e JOIN event_entities ee ON ee.event_id = e.id "
        "WHERE ee.entity_id = ? AND e.status = 'active' ORDER BY e.date_start, e.id",
        [entity_id],
    )


def source_rows(store: Store) -> list[Row]:
    """Every configured source with its number of articles, syndicated copies included (the
    same count as ``sources.health``: an article carried by two sources counts for both)."""
    return store.query(
        "SELECT s.*, (SELECT COUNT(DISTINCT article_id) FROM article_sources x "
        "WHERE x.source_id = s.id) AS articles FROM sources s ORDER BY s.name, s.id"
    )
