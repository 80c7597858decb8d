"""Read queries for the API and the CLI: the SQL behind ``tracker.query``.

Each function takes an open ``Store`` and returns rows as plain dicts, exactly as stored; the
shaping into API documents (date labels, cursors, nesting) is ``tracker.query``'s job. Text a
visitor typed is only ever a bound parameter: ``LIKE`` patterns have ``%``, ``_`` and ``\\``
escaped, and full-text words are quoted (control characters removed), so no input is SQL, LIKE
or FTS5 syntax. Nothing here writes; ``snapshot`` holds one read transaction so a long read (the
export) sees one consistent state of the database.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

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
    place: str | None = None  # an entity of kind place, by id, name or alias
    source: str | None = None  # a source's id or name, or an outlet's name
    precision: str | None = None  # "day", "month", "reported"...
    min_sources: int = 0
    include_reported: bool = True
    top: int = 0  # only the ``top`` key events (0: all); see ``tracker.query.top_events``
    # Events below this confidence are left out (low-confidence events stay stored and
    # searchable as evidence); 0 brings back every event stored.
    min_confidence: float = MIN_CONFIDENCE
    ids: tuple[str, ...] | None = None  # only these events (the key events, once chosen)


def _where(f: EventFilter) -> tuple[list[str], list[Any]]:
    # With an entity, the events are found from it: its few links, each event by its key. Its
    # other conditions are then kept off the indexes (a unary ``+``), or SQLite, without
    # statistics, walks the events by date and tests each against the entity's list
    # (a quarter of a second at 100,000 events, against milliseconds).
    p = "+" if f.entity else ""
    clauses = [f"{p}e.status = 'active'"]
    params: list[Any] = []
    if f.date_from:
        clauses.append(f"{p}e.date_end >= ?")
        params.append(f.date_from.isoformat())
    if f.date_to:
        clauses.append(f"{p}e.date_start <= ?")
        params.append(f.date_to.isoformat())
    if f.kind:
        clauses.append(f"{p}e.kind = ?")
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
    # An entity (any kind) or a place, named by id, name or alias: from the small tables
    # outwards, the entities named so, their links (``event_entities_entity``), the events' row
    # ids (``events``' key index).
    for named, kind in ((f.entity, None), (f.place, "place")):
        if named:
            clauses.append(
                "e.rowid IN (SELECT ev.rowid FROM event_entities ee "
                "JOIN events ev ON ev.id = ee.event_id WHERE ee.entity_id IN ("
                f"SELECT n.id FROM entities n WHERE {'n.kind = ? AND ' if kind else ''}"
                "(n.id = ? OR lower(n.name) = lower(?) "
                "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)))))"
            )
            params += [*([kind] if kind else []), named, named, named]
    if f.source:
        # The articles a source (configured: its id or name) or an outlet (the name an article
        # gives) brought, then their mentions' events.
        clauses.append(
            "e.id IN (SELECT m.event_id FROM article_sources s "
            "JOIN mentions m ON m.article_id = s.article_id "
            "WHERE m.event_id IS NOT NULL AND (s.source_id = ? OR lower(s.source_name) = lower(?) "
            "OR s.source_id IN (SELECT id FROM sources WHERE lower(name) = lower(?))))"
        )
        params += [f.source, f.source, f.source]
    if f.precision:
        clauses.append("e.precision = ?")
        params.append(f.precision)
    fts = fts_query(f.q)
    if fts:
        # Entity names and aliases match too: "Zelensky" finds the events of Zelenskyy. As
        # for ``entity``, from the few entities named so outwards through the links' entity
        # index: starting from the links would join every one of them (3x slower at 100,000).
        clauses.append(
            "(e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) OR e.rowid IN "
            "(SELECT ev.rowid FROM event_entities ee JOIN events ev ON ev.id = ee.event_id "
            "WHERE ee.entity_id IN (SELECT n.id FROM entities n "
            "WHERE n.name LIKE ? ESCAPE '\\' OR n.aliases LIKE ? ESCAPE '\\')))"
        )
        like = like_pattern(without_controls(f.q or "").strip())
        params += [fts, like, like]
    return clauses, params


def longest_span(store: Store) -> int:
    """The most days any active event lasts (``date_end - date_start``; 0 without events).

    Read from the end of the ``events_span`` expression index (schema step 9): microseconds,
    where reading every event took a fifth of a second at a million."""
    value = store.db.conn.execute(
        "SELECT MAX(julianday(date_end) - julianday(date_start)) FROM events "
        "WHERE status = 'active'").fetchone()[0]
    return max(0, math.ceil(value)) if value is not None else 0


def _earliest_start(store: Store, f: EventFilter) -> str | None:
    """A lower bound on the ``date_start`` of the events that reach ``f.date_from``: none starts
    more than the longest span before it. None without a ``from`` (or before year 1)."""
    if not f.date_from:
        return None
    try:
        return (f.date_from - timedelta(days=longest_span(store))).isoformat()
    except OverflowError:
        return None


def without_controls(text: str) -> str:
    """``text`` without control characters (NUL ends an FTS5 string early: "unterminated
    string"); tabs and line breaks become spaces."""
    return "".join(" " if c in "\t\n\r" else c for c in text
                   if c in "\t\n\r" or unicodedata.category(c) != "Cc")


# What makes a search FTS5 syntax rather than plain words: quotes, prefix stars, column
# filters, grouping, the boolean operators (upper case, as FTS5 reads them) and NEAR.
_FTS_SYNTAX: Final = re.compile(r'["*^:()]|\b(?:AND|OR|NOT|NEAR)\b')
# The full-text columns of ``events_fts`` (schema), for checking a query's column filters.
_FTS_COLUMNS: Final = ("title", "date_text", "summary")


def is_fts_syntax(q: str) -> bool:
    """Whether ``q`` uses FTS5 syntax (operators, quotes, ``col:``, ``*``); plain words do not."""
    return bool(_FTS_SYNTAX.search(q))


def fts_query(q: str | None) -> str | None:
    """The FTS5 query for a search: ``q`` itself when it is written in FTS5 syntax
    (``"peace talks" NOT Istanbul``, ``title: ceasefire``, ``negot*``), else every word of it,
    each quoted, so that plain text (``don't``, ``U.S.``) is never a syntax error. None when
    no word is left. ``fts_syntax_error`` says whether a query in FTS5 syntax parses."""
    text = without_controls(q or "").strip()
    if is_fts_syntax(text):
        return text or None
    words = [w for w in text.split() if w.strip('"')]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or None


def fts_syntax_error(q: str | None) -> str | None:
    """SQLite's message when the FTS5 query for ``q`` does not parse (``fts5: syntax error
    near "AND"``, ``no such column: place``), else None. Checked against an empty in-memory
    table with the same columns, so nothing is searched."""
    expression = fts_query(q)
    if expression is None:
        return None
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5({', '.join(_FTS_COLUMNS)}, "
                     f"tokenize='porter')")
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [expression]).fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def like_pattern(text: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern for "contains ``text``": its own ``%`` and ``_`` are
    literal characters, not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@contextmanager
def snapshot(store: Store) -> Iterator[None]:
    """One read transaction: every query inside sees the database as it was at the first one
    (WAL), so a document read in many batches is consistent while ingestion writes. Writers are
    not blocked; the WAL cannot be checkpointed past this reader until it ends, so keep it to
    one request."""
    with store.transaction():
        yield


def count_events(store: Store, f: EventFilter) -> int:
    clauses, params = _where(f)
    return int(store.query(
        f"SELECT COUNT(*) AS n FROM events e WHERE {' AND '.join(clauses)}", params
    )[0]["n"])


def date_walk(store: Store, f: EventFilter, after: tuple[str, str] | None
              ) -> tuple[list[str], list[Any]]:
    """The WHERE clauses of the events matching ``f`` after a (date_start, id) keyset
    position, for a walk in (date_start, id) order, and their parameters."""
    clauses, params = _where(f)
    earliest = None if f.entity else _earliest_start(store, f)
    if after and not f.entity:
        # The walk starts at the cursor's day when that is later: one bound on date_start,
        # the tighter one (given two, SQLite may take either, and each page of a long walk
        # would read again every event from ``from`` to the cursor).
        earliest = max(earliest or after[0], after[0])
    if earliest is not None:
        # The same events: the bound only lets the walk in date order start near ``from``
        # (or the cursor) instead of at the first event ever, each row read to test its
        # ``date_end``.
        clauses.append("e.date_start >= ?")
        params.append(earliest)
    if after:
        clauses.append("(e.date_start, e.id) > (?, ?)")
        params += list(after)
    return clauses, params


def event_rows(store: Store, f: EventFilter, *, limit: int | None = None,
               after: tuple[str, str] | None = None) -> list[Row]:
    """Active events matching ``f`` in (date, id) order, after a keyset position."""
    clauses, params = date_walk(store, f, after)
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


def best_event_of_each_day(store: Store, date_from: date, date_to: date, *,
                           min_confidence: float = 0.0, limit: int) -> list[Row]:
    """The first ``limit`` rows that ``tracker.keyevents.choose`` would take from
    ``ranked_day_events``: each day's best event (score, support, sources, id), days in the
    ranking's order. Ranked on the narrow columns first, whole rows read for the winners only,
    so a story costs ``limit`` rows rather than every day-dated event."""
    return store.query(
        "SELECT e.* FROM (SELECT id, date_start, score, support, n_sources, ROW_NUMBER() OVER ("
        "PARTITION BY date_start ORDER BY score DESC, support DESC, n_sources DESC, id) "
        "AS day_rank FROM events WHERE status = 'active' AND precision IN ('day', 'time') "
        "AND date_start >= ? AND date_start <= ? AND confidence >= ?) AS best "
        "JOIN events e ON e.id = best.id WHERE best.day_rank = 1 "
        "ORDER BY best.score DESC, best.date_start, best.support DESC, best.n_sources DESC, "
        "best.id LIMIT ?",
        [date_from.isoformat(), date_to.isoformat(), min_confidence, limit],
    )


def publication_range(store: Store) -> tuple[date, date] | None:
    """The first and last days articles were published (or fetched, when they carry no
    publication date), if any are stored. Read from the ``published_at`` index: scanning the
    articles themselves (their text) cost milliseconds on every dashboard view."""
    row = store.query(
        "SELECT (SELECT MIN(published_at) FROM articles WHERE published_at IS NOT NULL) AS p0, "
        "(SELECT MAX(published_at) FROM articles) AS p1, "
        "(SELECT MIN(fetched_at) FROM articles WHERE published_at IS NULL) AS f0, "
        "(SELECT MAX(fetched_at) FROM articles WHERE published_at IS NULL) AS f1")[0]
    # The first ten characters of ISO text keep its order, so the day of the least timestamp
    # is the least day.
    firsts = [v[:10] for v in (row["p0"], row["f0"]) if v]
    lasts = [v[:10] for v in (row["p1"], row["f1"]) if v]
    if not firsts:
        return None
    return date.fromisoformat(min(firsts)), date.fromisoformat(max(lasts))


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


def entity_rows(store: Store, *, q: str | None, kind: str | None, limit: int,
                after: tuple[int, str, str] | None = None) -> list[Row]:
    """Entities with their number of active events, most eventful first (then by name and
    id); ``after``: the (events, name, id) of the last one of the previous page."""
    clauses, params = ["1 = 1"], []
    if kind:
        clauses.append("n.kind = ?")
        params.append(kind)
    text = without_controls(q or "").strip()
    if text:
        clauses.append("(n.name LIKE ? ESCAPE '\\' OR n.aliases LIKE ? ESCAPE '\\')")
        params += [like_pattern(text)] * 2
    keyset, tail = "", []
    if after is not None:
        keyset = "WHERE n_events < ? OR (n_events = ? AND (name, id) > (?, ?))"
        tail = [after[0], after[0], after[1], after[2]]
    return store.query(
        f"SELECT * FROM (SELECT n.*, (SELECT COUNT(*) FROM event_entities ee JOIN events e "
        f"ON e.id = ee.event_id WHERE ee.entity_id = n.id AND e.status = 'active') AS n_events "
        f"FROM entities n WHERE {' AND '.join(clauses)}) {keyset} "
        f"ORDER BY n_events DESC, name, id LIMIT ?",
        [*params, *tail, limit],
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


# ---------------------------------------------------------------- one article (tracker.views)

def article_row(store: Store, article_id: str) -> dict[str, Any] | None:
    """One stored article, every column; None when there is none."""
    rows = store.query("SELECT * FROM articles WHERE id = ?", [article_id])
    return rows[0] if rows else None


def mentions_of_article(store: Store, article_id: str) -> list[dict[str, Any]]:
    """An article's mentions in text order."""
    return store.query("SELECT * FROM mentions WHERE article_id = ? "
                       "ORDER BY sentence_start, trigger_start, id", [article_id])


def source_name(store: Store, source_id: str | None) -> str | None:
    """The configured name of a source, None when there is none."""
    if not source_id:
        return None
    rows = store.query("SELECT name FROM sources WHERE id = ?", [source_id])
    return str(rows[0]["name"]) if rows else None


# ------------------------------------------------------------ counts per period (tracker.aggregate)

# The period an event is counted in, from its first day (already clamped to the range's start):
# ISO text keeps date order, so a month is its first seven characters; SQLite's "weekday 0"
# moves forward to the week's Sunday (or stays on it), six days before which is its Monday.
_PERIOD_SQL: Final = {
    "day": "{d}",
    "week": "date({d}, 'weekday 0', '-6 days')",
    "month": "substr({d}, 1, 7) || '-01'",
}


def _period_of(f: EventFilter, bucket: str, day: str) -> tuple[str, list[Any]]:
    """The SQL of the period an event whose first day is the column ``day`` is counted in,
    and its parameters: an event begun before the filter's ``from`` but overlapping the range
    counts in the range's first period."""
    if not f.date_from:
        return _PERIOD_SQL[bucket].format(d=day), []
    return _PERIOD_SQL[bucket].format(d=f"max({day}, ?)"), [f.date_from.isoformat()]


def event_span(store: Store, f: EventFilter) -> tuple[date, date] | None:
    """The first and last days of the events matching ``f`` (the first clamped to the
    filter's ``from``), None when none matches."""
    clauses, params = _where(f)
    # The two ends read in index order, stopping at the first match (MIN and MAX with other
    # conditions would read every entry).
    ends = []
    for order in ("", " DESC"):
        row = store.db.execute(
            f"SELECT e.date_start FROM events e WHERE {' AND '.join(clauses)} "
            f"ORDER BY e.date_start{order} LIMIT 1", params).fetchone()
        if row is None:
            return None
        ends.append(date.fromisoformat(row[0]))
    first, last = ends
    if f.date_from and first < f.date_from:
        first = f.date_from
    return first, max(first, last)


def period_counts(store: Store, f: EventFilter, bucket: str
                       ) -> list[tuple[str, str, int]]:
    """(period's first day, kind, events) for each period and kind with events, in order.

    Counted per day and kind first, in the order of the covering index (no sorting, no
    function called per event), then the few thousand (day, kind) counts are summed per
    period: a third cheaper than computing every event's period. The inner query's lower
    bound on ``date_start`` (none, as the empty text, without a ``from``) is what steers the
    planner to the index in date order."""
    clauses, params = _where(f)
    period, head = _period_of(f, bucket, "d")
    rows = store.db.execute(
        f"SELECT {period} AS period, k, SUM(n) FROM ("
        f"SELECT e.date_start AS d, e.kind AS k, COUNT(*) AS n FROM events e "
        f"WHERE {' AND '.join(clauses)} AND e.date_start >= ? GROUP BY e.date_start, e.kind"
        f") GROUP BY period, k ORDER BY period, k",
        [*head, *params, ""]).fetchall()
    return [(str(p), str(k), int(n)) for p, k, n in rows]


def entity_lanes(store: Store, f: EventFilter, kinds: Sequence[str], limit: int
                 ) -> list[tuple[str, str, str, int]]:
    """(entity id, name, kind, events) of the ``limit`` entities of ``kinds`` with the most
    events matching ``f``, the most first (ties by name)."""
    clauses, params = _where(f)
    rows = store.db.execute(
        f"SELECT n.id, n.name, n.kind, COUNT(*) AS c FROM events e "
        f"JOIN event_entities ee ON ee.event_id = e.id JOIN entities n ON n.id = ee.entity_id "
        f"WHERE {' AND '.join(clauses)} AND n.kind IN ({','.join('?' * len(kinds))}) "
        f"GROUP BY n.id ORDER BY c DESC, n.name LIMIT ?",
        [*params, *kinds, limit]).fetchall()
    return [(str(i), str(name), str(kind), int(c)) for i, name, kind, c in rows]


def entity_period_counts(store: Store, f: EventFilter, bucket: str,
                         entity_ids: Sequence[str]) -> list[tuple[str, str, int]]:
    """(period's first day, entity id, events) for each period and entity of ``entity_ids``
    with events matching ``f``, in order; an event begun before ``f.date_from`` counts in the
    range's first period, as in ``period_counts``."""
    if not entity_ids:
        return []
    clauses, params = _where(f)
    period, head = _period_of(f, bucket, "e.date_start")
    rows = store.db.execute(
        f"SELECT {period} AS period, ee.entity_id, COUNT(*) FROM events e "
        f"JOIN event_entities ee ON ee.event_id = e.id "
        f"WHERE {' AND '.join(clauses)} AND ee.entity_id IN ({','.join('?' * len(entity_ids))}) "
        f"GROUP BY period, ee.entity_id ORDER BY period, ee.entity_id",
        [*head, *params, *entity_ids]).fetchall()
    return [(str(p), str(i), int(n)) for p, i, n in rows]


# ------------------------------------------------------------ incremental sync (query.sync_events)

def first_change_at(store: Store, since: str) -> int | None:
    """The first change number written at or after ``since`` (ISO time, as ``updated_at``
    reads), None when nothing has been written since (schema step 8)."""
    row = store.db.execute("SELECT MIN(seq) FROM event_changes WHERE at >= ?",
                           [since]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def last_change(store: Store) -> int:
    """The newest change number visible to this connection (0 before any)."""
    row = store.db.execute("SELECT MAX(seq) FROM event_changes").fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def change_rows(store: Store, f: EventFilter, after: tuple[int, str], limit: int) -> list[Row]:
    """Event rows of every status written after the position ``after`` (change number, id),
    in change order, at most ``limit``; each with ``matches``: 1 when the row is an active
    event matching ``f``, else 0 (the consumer must drop it). Reads the ``events_sync``
    index from the position on."""
    clauses, params = _where(f)
    sql = (f"SELECT e.*, CASE WHEN {' AND '.join(clauses)} THEN 1 ELSE 0 END AS matches "
           f"FROM events e WHERE (e.seq, e.id) > (?, ?) ORDER BY e.seq, e.id LIMIT ?")
    return store.query(sql, [*params, after[0], after[1], limit])
