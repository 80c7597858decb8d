"""The faster event reads of ``tracker.store.reads`` give the same answers as plain SQL.

On a generated database (``benchmarks/dashboard_scale.build``) with a few long events added
(a decade, a century): the entity filter that starts from the entities, and the zoom-in list
bounded below by the longest event, against the naive queries, for many ranges, kinds and
entities. Also: the bound follows the data when another connection writes, and a store that
wrote leaves planner statistics behind. No timings here (``benchmarks/dashboard_scale.py``).
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.dashboard_scale import FIRST_DAY, KINDS, build
from tracker.store import Store, reads
from tracker.store.reads import EventFilter

DAYS = 6 * 365
ENTITY_SUBQUERY = (
    "id IN (SELECT ee.event_id FROM event_entities ee JOIN entities n "
    "ON n.id = ee.entity_id WHERE n.id = ? OR lower(n.name) = lower(?) "
    "OR EXISTS (SELECT 1 FROM json_each(n.aliases) WHERE lower(value) = lower(?)))"
)


def _add_event(conn: sqlite3.Connection, event_id: str, start: date, end: date,
               precision: str, kind: str = "politics") -> None:
    stamp = f"{start.isoformat()}T12:00:00+00:00"
    conn.execute(
        "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
        "date_text, n_sources, first_seen_at, updated_at, confidence) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0.9)",
        [event_id, f"{kind}|{event_id}", f"long {event_id}", kind, start.isoformat(),
         end.isoformat(), precision, start.isoformat(), stamp, stamp])
    conn.execute("INSERT INTO event_entities (event_id, entity_id, n_mentions) "
                 "VALUES (?, 'nsyn00007', 1)", [event_id])


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build(tmp_path_factory.mktemp("reads") / "gen.db", 4000, seed=5, n_entities=40)
    conn = sqlite3.connect(path)
    try:
        _add_event(conn, "elong-decade", date(2020, 1, 1), date(2029, 12, 31), "decade")
        _add_event(conn, "elong-century", date(1901, 1, 1), date(2000, 12, 31), "century")
        _add_event(conn, "elong-years", date(2019, 3, 1), date(2023, 6, 30), "year", "conflict")
        conn.commit()
    finally:
        conn.close()
    return path


@pytest.fixture
def store(generated_db: Path) -> Iterator[Store]:
    s = Store(generated_db)
    try:
        yield s
    finally:
        s.close()


def _naive(conn: sqlite3.Connection, f: EventFilter, *, limit: int | None = None,
           after: tuple[str, str] | None = None) -> list[str]:
    sql = "SELECT id FROM events NOT INDEXED WHERE status = 'active'"
    params: list[Any] = []
    if f.date_from:
        sql += " AND date_end >= ?"
        params.append(f.date_from.isoformat())
    if f.date_to:
        sql += " AND date_start <= ?"
        params.append(f.date_to.isoformat())
    if f.kind:
        sql += " AND kind = ?"
        params.append(f.kind)
    if f.min_sources:
        sql += " AND n_sources >= ?"
        params.append(f.min_sources)
    if f.min_confidence > 0:
        sql += " AND confidence >= ?"
        params.append(f.min_confidence)
    if f.entity:
        sql += " AND " + ENTITY_SUBQUERY
        params += [f.entity] * 3
    if after:
        sql += " AND (date_start, id) > (?, ?)"
        params += list(after)
    sql += " ORDER BY date_start, id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [str(r[0]) for r in conn.execute(sql, params)]


def _filters(rng: random.Random, n: int, *, entity: bool) -> list[EventFilter]:
    out = []
    for _ in range(n):
        length = rng.choice((1, 7, 14, 31, 92, 365))
        first = FIRST_DAY + timedelta(days=rng.randint(-400, DAYS + 100))
        last = first + timedelta(days=length - 1)
        which = rng.random()
        out.append(EventFilter(
            date_from=first if which > 0.1 else None,
            date_to=last if which < 0.9 or which > 0.95 else None,
            kind=rng.choice((None, None, *KINDS)),
            min_sources=rng.choice((0, 0, 2)),
            min_confidence=rng.choice((0.0, 0.55)),
            entity=rng.choice((f"nsyn{rng.randrange(40):05d}", f"entity {rng.randrange(40)}",
                               f"ALIAS{rng.randrange(40)}", "nobody")) if entity else None,
        ))
    return out


def test_the_zoom_in_list_is_the_naive_list_for_many_ranges(
        store: Store, generated_db: Path) -> None:
    conn = sqlite3.connect(generated_db)
    try:
        for f in _filters(random.Random(1), 300, entity=False):
            for limit in (5, 500):
                ids = [r["id"] for r in reads.event_rows(store, f, limit=limit)]
                assert ids == _naive(conn, f, limit=limit), f
            assert reads.count_events(store, f) == len(_naive(conn, f)), f
    finally:
        conn.close()


def test_the_long_events_are_found_by_ranges_far_after_their_start(store: Store) -> None:
    f = EventFilter(date_from=date(2025, 5, 1), date_to=date(2025, 5, 3), min_confidence=0)
    ids = {r["id"] for r in reads.event_rows(store, f, limit=10_000)}
    assert {"elong-decade"} <= ids
    assert "elong-years" not in ids
    f = EventFilter(date_from=date(1950, 5, 1), date_to=date(1950, 5, 3), min_confidence=0)
    assert [r["id"] for r in reads.event_rows(store, f, limit=10)] == ["elong-century"]


def test_pages_after_a_position_are_the_naive_pages(store: Store, generated_db: Path) -> None:
    conn = sqlite3.connect(generated_db)
    try:
        for f in _filters(random.Random(2), 40, entity=False):
            after: tuple[str, str] | None = None
            seen: list[str] = []
            while True:
                rows = reads.event_rows(store, f, limit=50, after=after)
                assert [r["id"] for r in rows] == _naive(conn, f, limit=50, after=after)
                seen += [r["id"] for r in rows]
                if len(rows) < 50:
                    break
                after = (rows[-1]["date_start"], rows[-1]["id"])
            assert seen == _naive(conn, f)
    finally:
        conn.close()


def test_the_entity_filter_gives_the_naive_answers(store: Store, generated_db: Path) -> None:
    conn = sqlite3.connect(generated_db)
    try:
        for f in _filters(random.Random(3), 150, entity=True):
            expected = _naive(conn, f)
            assert reads.count_events(store, f) == len(expected), f
            assert [r["id"] for r in reads.event_rows(store, f, limit=100)] == expected[:100]
            span = reads.event_span(store, f)
            if not expected:
                assert span is None
                continue
            starts = [r[0] for r in conn.execute(
                f"SELECT date_start FROM events WHERE id IN ({','.join('?' * len(expected))})",
                expected)]
            first = date.fromisoformat(min(starts))
            if f.date_from and first < f.date_from:
                first = f.date_from
            assert span == (first, max(first, date.fromisoformat(max(starts))))
            counts = Counter()
            for day, kind, n in reads.period_counts(store, f, "day"):
                counts[(day, kind)] += n
            naive: Counter[tuple[str, str]] = Counter()
            for ds, kind in conn.execute(
                    f"SELECT date_start, kind FROM events "
                    f"WHERE id IN ({','.join('?' * len(expected))})", expected):
                day = max(ds, f.date_from.isoformat()) if f.date_from else ds
                naive[(day, kind)] += 1
            assert counts == naive, f
    finally:
        conn.close()


def test_the_entity_filter_starts_from_the_entity(store: Store) -> None:
    """Not a timing: the plan reads events by key, never walks them by date."""
    f = EventFilter(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), kind="conflict",
                    entity="Entity 3")
    clauses, params = reads._where(f)
    plan = " | ".join(str(r[3]) for r in store.db.execute(
        f"EXPLAIN QUERY PLAN SELECT e.* FROM events e WHERE {' AND '.join(clauses)} "
        f"ORDER BY e.date_start, e.id LIMIT 500", params).fetchall())
    assert "SEARCH e USING INTEGER PRIMARY KEY" in plan, plan
    assert "event_entities_entity" in plan, plan


def test_the_longest_span_follows_other_connections_writes(tmp_path: Path) -> None:
    path = build(tmp_path / "small.db", 200, seed=9, n_entities=10)
    reader = Store(path)
    try:
        assert reads.longest_span(reader) == 364  # a year event, the longest generated
        f = EventFilter(date_from=date(2024, 1, 10), date_to=date(2024, 1, 12), min_confidence=0)
        before = [r["id"] for r in reads.event_rows(reader, f, limit=100)]
        writer = sqlite3.connect(path)
        try:
            assert before == _naive(writer, f, limit=100)
            _add_event(writer, "elong-later", date(2000, 1, 1), date(2030, 1, 1), "decade")
            writer.commit()
            assert reads.longest_span(reader) == (date(2030, 1, 1) - date(2000, 1, 1)).days
            after = [r["id"] for r in reads.event_rows(reader, f, limit=100)]
            assert "elong-later" in after
            assert after == _naive(writer, f, limit=100)
        finally:
            writer.close()
    finally:
        reader.close()


def _events_analyzed(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return False
        row = conn.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'events'").fetchone()
        return row is not None
    finally:
        conn.close()


def test_a_store_that_wrote_leaves_planner_statistics(tmp_path: Path) -> None:
    path = build(tmp_path / "stats.db", 300, seed=4, n_entities=10)
    Store(path).close()  # only read: nothing to refresh
    assert not _events_analyzed(path)
    with Store(path) as s:
        s.set_setting("touched", "yes")
    assert _events_analyzed(path)
