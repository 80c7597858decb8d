"""Counts of events per period and kind: the density band the dashboard draws when too many
events are in view to draw them one by one.

``aggregate(store, f, bucket)`` counts the active events that ``/api/events`` would list for the
same ``EventFilter`` (the same WHERE clause: ``tracker.store.reads``), grouped by the period
their ``date_start`` falls in (a day, a week starting on Monday, or a calendar month) and by
kind. An event that began before the filter's ``from`` but still overlaps the range (the event
list includes it) is counted in the first period of the range, so the counts always add up to
the list's total. ``bucket="auto"`` takes the finest period that keeps the range within
``MAX_BUCKETS`` periods (or fewer, when asked). ``overview`` is the same over the whole
timeline, with no filter but the confidence threshold (the dashboard's overview strip).

The grouping is one SQL ``GROUP BY`` over a covering index (schema step 6), so it reads no
event rows; the SQL is in ``tracker.store.reads`` (``event_span``, ``period_counts``). It never
writes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Final

from tracker.confidence import MIN_CONFIDENCE
from tracker.store import Store, reads
from tracker.store.reads import EventFilter

__all__ = ["BUCKETS", "ENTITY_KINDS", "ENTITY_LANES", "GROUPS", "MAX_BUCKETS", "aggregate",
           "bucket_end", "bucket_start", "choose_bucket", "overview"]

BUCKETS: Final = ("day", "week", "month")
MAX_BUCKETS: Final = 400  # periods in a range at most, when the period is chosen ("auto")
GROUPS: Final = ("kind", "entity")
ENTITY_KINDS: Final = ("person", "place")  # the lanes by entity: the story's people and places
ENTITY_LANES: Final = 12  # lanes a chart can label and a reader can follow


def choose_bucket(first: date, last: date, max_buckets: int = MAX_BUCKETS) -> str:
    """The finest period (day, week, month) that cuts ``first``..``last`` into at most
    ``max_buckets`` periods; month when even months are more (a range of over 33 years)."""
    for bucket in BUCKETS:
        if n_buckets(first, last, bucket) <= max_buckets:
            return bucket
    return "month"


def n_buckets(first: date, last: date, bucket: str) -> int:
    """How many periods of ``bucket`` the days ``first``..``last`` touch."""
    if last < first:
        return 0
    if bucket == "day":
        return (last - first).days + 1
    if bucket == "week":
        return (bucket_start(last, "week") - bucket_start(first, "week")).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the period ``day`` falls in (weeks start on Monday)."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, got {bucket!r}")


def bucket_end(start: date, bucket: str) -> date:
    """The last day of the period that begins on ``start``."""
    if bucket == "day":
        return start
    if bucket == "week":
        return start + timedelta(days=6)
    if bucket == "month":
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return following - timedelta(days=1)
    raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, got {bucket!r}")


def aggregate(store: Store, f: EventFilter, bucket: str = "auto",
              max_buckets: int = MAX_BUCKETS, group: str = "kind") -> dict[str, Any]:
    """``{"ok", "bucket", "from", "to", "total", "kinds", "buckets"}``: the active events
    matching ``f`` counted per period and kind; ``bucket="auto"`` takes the finest period that
    cuts the range into at most ``max_buckets`` (a chart asks for as many as it has room for:
    a bar of a few pixels per period, not one per day of a year). ``kinds`` lists the kinds
    counted, the most frequent first; ``buckets`` has one entry per (period, kind) with
    events, in date order, each ``{"start", "end", "kind", "count"}`` (ISO days, both
    inclusive). ``from`` and ``to``
    are the range counted (the filter's, else the events' own); both None when nothing
    matches.

    ``group="entity"`` counts per period and person or place instead of kind: ``entities``
    lists the ``ENTITY_LANES`` people and places with the most events matching ``f`` (``{"id",
    "name", "kind", "count"}``, the most first) and each bucket names its ``entity`` (an id)
    instead of a kind. An event of two of them counts in both, and one of none in neither, so
    there ``total`` is the number of events matching, not the buckets' sum.
    ValueError for an unknown ``bucket`` or ``group``."""
    if bucket not in (*BUCKETS, "auto"):
        raise ValueError(f"bucket must be auto, {', '.join(BUCKETS)}, got {bucket!r}")
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
    f = _with_key_events(store, f)
    first, last = f.date_from, f.date_to
    if first is None or last is None:
        span = reads.event_span(store, f)
        if span is None:
            empty = _document(bucket if bucket != "auto" else "day", None, None, [])
            if group == "entity":
                del empty["kinds"]
                empty.update(group="entity", entities=[])
            return empty
        first = first or span[0]
        last = last or span[1]
    if bucket == "auto":
        bucket = choose_bucket(first, max(first, last), max(1, min(max_buckets, MAX_BUCKETS)))
    if group == "entity":
        return _entity_document(store, f, bucket, first, last)
    rows = reads.period_counts(store, f, bucket)
    return _document(bucket, first, last, rows)


def _entity_document(store: Store, f: EventFilter, bucket: str, first: date,
                     last: date) -> dict[str, Any]:
    lanes = reads.entity_lanes(store, f, ENTITY_KINDS, ENTITY_LANES)
    rows = reads.entity_period_counts(store, f, bucket, [lane[0] for lane in lanes])
    return {"ok": True, "group": "entity", "bucket": bucket, "from": first.isoformat(),
            "to": last.isoformat(), "total": reads.count_events(store, f),
            "entities": [{"id": i, "name": name, "kind": kind, "count": n}
                         for i, name, kind, n in lanes],
            "buckets": [{"start": start, "end": bucket_end(date.fromisoformat(start),
                                                           bucket).isoformat(),
                         "entity": entity, "count": n} for start, entity, n in rows]}


def overview(store: Store, min_confidence: float = MIN_CONFIDENCE,
             max_buckets: int = MAX_BUCKETS) -> dict[str, Any]:
    """``aggregate`` over the whole timeline, no filter but ``min_confidence``, period chosen
    automatically: what the dashboard's overview strip draws."""
    return aggregate(store, EventFilter(min_confidence=min_confidence), "auto", max_buckets)


def _with_key_events(store: Store, f: EventFilter) -> EventFilter:
    """``top`` resolved to the key events' ids, as ``tracker.query.list_events`` does."""
    if not f.top:
        return f
    from tracker.query import top_events

    chosen = top_events(store, f.top, date_from=f.date_from, date_to=f.date_to, sentences=0,
                        min_confidence=f.min_confidence)
    return replace(f, top=0, ids=tuple(e["event_id"] for e in chosen))


def _document(bucket: str, first: date | None, last: date | None,
              rows: list[tuple[str, str, int]]) -> dict[str, Any]:
    per_kind: dict[str, int] = {}
    buckets = []
    for start, kind, count in rows:
        begin = date.fromisoformat(start)
        buckets.append({"start": start, "end": bucket_end(begin, bucket).isoformat(),
                        "kind": kind, "count": count})
        per_kind[kind] = per_kind.get(kind, 0) + count
    kinds = sorted(per_kind, key=lambda k: (-per_kind[k], k))
    return {"ok": True, "group": "kind", "bucket": bucket,
            "from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None,
            "total": sum(per_kind.values()), "kinds": kinds, "buckets": buckets}
