"""Queries: pages of events, one event with its evidence, the export, entities, sources.

Returns JSON-ready dicts in the shapes the API and the CLI promise (Datasette-style
``{"ok": true, "events": [...], "next": cursor}``): date labels, keyset cursors, nesting of
entities and mentions. Those shapes are defined once, as TypedDicts in the section "the JSON
contract" below (``Event``, ``EventDocument``, ``SyncPage``, ``ArticleDocument``, ``Error``,
...); ``web.openapi`` publishes them as the API's OpenAPI document. The export is also
offered as streamed JSON text (``export_json``), read in keyset batches inside one read
snapshot so its memory stays bounded however large the timeline. Sources and runs come out
with their URLs redacted (no ``user:password@``, secret query parameters masked) and, for
anonymous readers (``public=True``), with errors cut to a coarse category and local paths to
a file name. The SQL behind it is ``tracker.store.reads``; this module never writes and does
not render HTML (``web`` does).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePath
from typing import Any, Literal, NotRequired, TypedDict, cast

from tracker import __version__, clock, summary
from tracker.confidence import MIN_CONFIDENCE
from tracker.dates import date_label
from tracker.keyevents import LOOKBACK, choose
from tracker.models import (
    PRECISIONS,
    EntityKind,
    EventKind,
    Modality,
    Precision,
    SourceKind,
    TimexType,
)
from tracker.store import Store, iso, reads
from tracker.store import sources as source_table
from tracker.store.reads import EventFilter
from tracker.store.reads import fts_syntax_error as search_syntax_error
from tracker.urlpolicy import redact_text, redact_url

__all__ = ["MIN_CONFIDENCE", "PRECISIONS", "EventFilter", "error_category", "export_json",
           "export_timeline", "get_entity", "get_event", "kinds", "list_entities", "list_events",
           "list_sources", "recent_runs", "search_syntax_error", "source_health",
           "sync_events", "top_events"]

# ------------------------------------------------------------------ the JSON contract
# Every document the HTTP API returns, defined once. ``web.openapi`` turns these into the
# OpenAPI document's schemas (``tracker.schema``), and the API's tests validate real responses
# against them. A key that is ``NotRequired`` may be absent; ``X | None`` is there but may be
# null. Documents may gain keys (a consumer ignores the ones it does not know); renaming or
# removing one is a new ``API_VERSION``.

API_VERSION = "1"  # the ``API-Version`` header of every /api response and the OpenAPI version


class EntityRef(TypedDict):
    """A person, place or organization an event names."""

    id: str
    name: str
    kind: EntityKind
    role: NotRequired[str]  # a person's role, when the articles give one
    lat: NotRequired[float]  # a place's coordinates, when known
    lon: NotRequired[float]


class Event(TypedDict):
    """An event as lists give it: its date as an interval with a precision, the date as
    written, its headline, summary and how well it is supported."""

    id: str
    title: str
    kind: EventKind
    date_start: str  # ISO day, inclusive
    date_end: str  # ISO day, inclusive
    precision: Precision
    date_text: str  # the date as the text wrote it ("last Tuesday", "since 2022")
    date_label: str  # the interval as people read it ("spring 2022", "16 May 2025")
    summary: list[str]
    score: float
    confidence: float
    n_mentions: int
    n_articles: int
    n_sources: int
    first_seen_at: str
    updated_at: str
    entities: list[EntityRef]


class TimexSpan(TypedDict):
    """A temporal expression: its words, TIMEX3 type and value, and character offsets."""

    text: str
    type: TimexType | None
    value: str | None
    start: int | None
    end: int | None


class Mention(TypedDict):
    """One sentence reporting an event: the evidence behind it. ``start``/``end`` are the
    sentence's offsets in its article's text; the timex's offsets are in that text too."""

    article_id: str
    article_url: str | None
    article_title: str
    source: str | None
    published_at: str | None
    sentence: str
    start: int
    end: int
    date_text: str
    precision: Precision
    trigger: str
    modality: Modality
    confidence: float
    timex: TimexSpan | None


class EventWithMentions(Event):
    """An event with every mention behind it (the export's events)."""

    mentions: list[Mention]


class Outlet(TypedDict):
    """A source that reported an event, and in how many of its articles."""

    name: str | None
    articles: int


class EventDocument(EventWithMentions):
    """One event: its mentions, the outlets that reported it and, when it was asked for by
    an id that was merged into it, that id."""

    sources: list[Outlet]
    merged_from: NotRequired[str]


class ActiveEvent(Event):
    """A sync item: an event that matches the filter, whole."""

    status: Literal["active"]


class MergedEvent(TypedDict):
    """A sync tombstone: the event was merged into ``merged_into``."""

    id: str
    status: Literal["merged"]
    merged_into: str
    updated_at: str


class RemovedEvent(TypedDict):
    """A sync tombstone: the event went, or no longer matches the filter."""

    id: str
    status: Literal["removed"]
    updated_at: str


class EventPage(TypedDict):
    """A page of events in date order; ``next`` is the ``after`` of the following page."""

    ok: Literal[True]
    total: int | None  # every match counted; None on later pages unless asked (``count``)
    events: list[Event]
    next: str | None
    next_url: NotRequired[str | None]  # set by the web API: the following page's URL


class SyncPage(TypedDict):
    """A page of what changed (``updated_since``), in commit order, tombstones included."""

    ok: Literal[True]
    events: list[ActiveEvent | MergedEvent | RemovedEvent]
    next: str | None
    sync_token: str
    sync_url: NotRequired[str]
    next_url: NotRequired[str | None]


class EventResponse(TypedDict):
    ok: Literal[True]
    event: EventDocument


class Entity(TypedDict):
    """A person, place or organization, with its other spellings and number of events."""

    id: str
    name: str
    kind: EntityKind
    aliases: list[str]
    role: str | None
    n_events: int
    lat: NotRequired[float]
    lon: NotRequired[float]


class EntityWithEvents(Entity):
    """One entity with its events in date order."""

    events: list[Event]


class EntityList(TypedDict):
    """A page of entities, most eventful first; ``next`` is the following page's ``after``."""

    ok: Literal[True]
    entities: list[Entity]
    next: str | None
    next_url: NotRequired[str | None]  # set by the web API: the following page's URL


class EntityResponse(TypedDict):
    ok: Literal[True]
    entity: EntityWithEvents


class Run(TypedDict):
    """One run of a job (a poll, an ingest), with its counts and error."""

    id: int
    job: str
    started_at: str
    finished_at: str | None
    status: str  # running, ok, partial, failed or interrupted
    n_new: int
    n_unchanged: int
    n_failed: int
    n_events: int
    error: str | None


class SourceHealth(TypedDict):
    """A source's settings, schedule and last outcome (``/api/health``'s sources)."""

    id: str
    kind: SourceKind
    url: str  # redacted; a local folder or file is only its name for anonymous readers
    name: str
    language: str
    interval: int
    enabled: bool
    fetch_pages: bool
    created_at: str
    last_run_at: str | None
    last_ok_at: str | None
    last_error: str | None  # a category ("HTTP 404", "timeout") for anonymous readers
    last_error_at: str | None
    consecutive_failures: int
    next_due_at: str | None
    articles: int


class Source(SourceHealth):
    """A source as ``/api/sources`` lists it and ``/api/sources/<id>`` gives it."""

    etag: str | None
    last_modified: str | None
    last_run: Run | None


class SourceList(TypedDict):
    ok: Literal[True]
    sources: list[Source]


class SourceResponse(TypedDict):
    ok: Literal[True]
    source: Source


class SourceCreated(TypedDict):
    ok: Literal[True]
    created: bool
    source: Source


class SourceRemoved(TypedDict):
    ok: Literal[True]
    removed: Source


class NewSource(TypedDict):
    """What ``POST /api/sources`` takes: a feed or page URL and optional settings."""

    url: str
    kind: NotRequired[Literal["feed", "page"]]
    name: NotRequired[str]
    interval: NotRequired[int]
    language: NotRequired[str]
    fetch_pages: NotRequired[bool]
    enabled: NotRequired[bool]


class WorkerStatus(TypedDict):
    heartbeat: str | None
    heartbeat_age_seconds: float | None
    # A heartbeat newer than a few intervals, written after the last clean stop.
    alive: bool
    stopped_at: str | None  # when the worker stopped cleanly (None while one runs, or never)


class StatusDatabase(TypedDict):
    path: str
    bytes: int
    schema_version: int


class Status(TypedDict):
    """`tracker status --format json`: the database, its counts, its sources with their
    health, the worker and the latest runs (``tracker.status``)."""

    database: StatusDatabase
    counts: dict[str, int]  # articles, events (active), entities, sources, runs
    sources: list[SourceHealth]
    worker: WorkerStatus
    runs: list[Run]


class DatabaseStatus(TypedDict):
    path: NotRequired[str]  # token holders only
    bytes: int


class Health(TypedDict):
    """For monitoring: the worker's heartbeat, the database's size, every source's health."""

    ok: Literal[True]
    worker: WorkerStatus
    worker_heartbeat: str | None
    database: DatabaseStatus
    database_bytes: int
    failing: list[str]
    sources: list[SourceHealth]


class TopEvent(TypedDict):
    """A key event (the story view's), with a summary."""

    date: str
    title: str
    summary: list[str]
    score: float
    event_id: str
    date_label: str
    date_text: str
    precision: Precision
    kind: EventKind
    n_sources: int
    n_articles: int
    confidence: float


class TopList(TypedDict):
    ok: Literal[True]
    events: list[TopEvent]


class KindCount(TypedDict):
    kind: EventKind
    events: int


class KindList(TypedDict):
    ok: Literal[True]
    kinds: list[KindCount]


class AggregateBucket(TypedDict):
    """Events of one period (``start``..``end``, ISO days, inclusive) and kind or entity."""

    start: str
    end: str
    kind: NotRequired[EventKind]  # group=kind
    entity: NotRequired[str]  # group=entity: an entity id
    count: int


class EntityCount(TypedDict):
    id: str
    name: str
    kind: EntityKind
    count: int


# "from" is a keyword, hence the functional form.
Aggregate = TypedDict("Aggregate", {
    "ok": Literal[True],
    "group": Literal["kind", "entity"],
    "bucket": Literal["day", "week", "month"],
    "from": str | None,
    "to": str | None,
    "total": int,
    "kinds": NotRequired[list[EventKind]],  # group=kind
    "entities": NotRequired[list[EntityCount]],  # group=entity
    "buckets": list[AggregateBucket],
})
Aggregate.__doc__ = "Events counted per period and kind (or person and place)."


class PlaceLocation(TypedDict):
    """Where a place is on the map: a country (``iso3``), a US state, or coordinates."""

    name: str
    kind: str
    iso3: NotRequired[str]
    state: NotRequired[str]
    lat: NotRequired[float]
    lon: NotRequired[float]


class PlaceCount(TypedDict):
    """A place entity and how many events of the filter name it."""

    id: str
    name: str
    count: int
    location: NotRequired[PlaceLocation]  # when it is on the map


class PlaceCounts(TypedDict):
    ok: Literal[True]
    total_events: int
    places: list[PlaceCount]
    unplaced: list[PlaceCount]
    truncated: bool


class ArticleMention(TypedDict):
    """Where an article mentions an event: the trigger's offsets (``start``, ``end``) and its
    sentence's, in the article's ``text``."""

    start: int
    end: int
    trigger: str
    sentence_start: int
    sentence_end: int


class ArticleEvent(TypedDict):
    """An event an article mentions (merges followed), with where it does."""

    id: str
    title: str
    kind: EventKind
    date_start: str
    date_end: str
    precision: Precision
    date_label: str
    n_sources: int
    confidence: float
    mentions: list[ArticleMention]


class ArticleDocument(TypedDict):
    """One article: its metadata, its text, the temporal expressions in it with their
    offsets, and the events it mentions in the order it first does."""

    id: str
    url: str | None
    title: str
    source: str | None
    published_at: str | None
    published_basis: str  # how published_at was learned: given, feed, meta, jsonl, fetched
    fetched_at: str | None
    language: str
    truncated_from: int | None  # the text's length before it was cut, when it was
    n_mentions: int
    text: str
    timexes: list[TimexSpan]
    events: list[ArticleEvent]


class ArticleResponse(TypedDict):
    ok: Literal[True]
    article: ArticleDocument


class ExportDocument(TypedDict):
    """``/api/export?format=json``: the whole timeline, every event with its mentions."""

    ok: Literal[True]
    generator: str
    generated_at: str
    count: int
    events: list[EventWithMentions]


class Error(TypedDict):
    """Every error of the API."""

    ok: Literal[False]
    error: str  # what is wrong, naming the parameter
    status: int  # the HTTP status, again


MAX_PAGE = 1000
DEFAULT_PAGE = 100


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
    store: Store, f: EventFilter, *, limit: int = DEFAULT_PAGE, after: str | None = None,
    count: bool = True,
) -> EventPage:
    """One page of events in date order, with a cursor for the next page (keyset pagination).
    ``total`` counts every event matching ``f``; with ``count=False`` it is None (counting
    reads every match: a tenth of a second at a million events, for each page)."""
    limit = max(1, min(limit, MAX_PAGE))
    f = _with_key_events(store, f)
    total = reads.count_events(store, f) if count else None
    rows = reads.event_rows(store, f, limit=limit + 1,
                            after=decode_cursor(after) if after else None)
    more = len(rows) > limit
    rows = rows[:limit]
    events = _with_entities(store, [_event(r) for r in rows])
    next_cursor = encode_cursor(rows[-1]["date_start"], rows[-1]["id"]) if more and rows else None
    return {"ok": True, "total": total, "events": cast(list[Event], events), "next": next_cursor}


# ------------------------------------------------------------------ incremental sync

def encode_position(seq: int, event_id: str) -> str:
    """A sync position (after change ``seq``'s event ``event_id``) as an opaque token."""
    raw = f"seq|{seq}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str) -> tuple[int, str]:
    """The (change number, id) a sync token stands for; ValueError for one we did not make."""
    try:
        padded = token + "=" * (-len(token) % 4)
        tag, seq, event_id = base64.urlsafe_b64decode(padded).decode().split("|", 2)
        if tag != "seq" or not seq.isdigit():
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError(f"invalid sync token {token!r}") from None
    return int(seq), event_id


def sync_events(store: Store, f: EventFilter, *, since: str | None = None,
                position: str | None = None, limit: int = DEFAULT_PAGE) -> SyncPage:
    """One page of what changed: every event written since the time ``since`` (ISO, as
    ``updated_at`` reads) or after the sync token ``position``, in the order the changes
    were committed.

    An active event matching ``f`` comes whole, with ``"status": "active"``; any other
    changed event is a tombstone the consumer removes from its copy: ``{"id", "status":
    "merged", "merged_into", "updated_at"}`` when clustering merged it into another,
    ``{"id", "status": "removed", "updated_at"}`` when it went (a split, its evidence gone) or
    no longer matches ``f`` (its confidence fell, its kind changed). ``next`` is the token of
    the following page (None on the last one); ``sync_token`` is always given: passed as
    ``updated_since`` later, it returns what changed after this page. A consumer that applies
    the pages in order ends with exactly the events matching ``f``, also while the worker
    writes: changes are numbered in commit order (schema step 8), so none is skipped."""
    limit = max(1, min(limit, MAX_PAGE))
    with reads.snapshot(store):
        if position is not None:
            start = decode_position(position)
        elif since is not None:
            first = reads.first_change_at(store, since)
            # Nothing written since: resume after the newest change.
            start = (first, "") if first is not None else (reads.last_change(store) + 1, "")
        else:
            start = (0, "")
        rows = reads.change_rows(store, f, start, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        whole = {e["id"]: e for e in _with_entities(
            store, [_event(r) for r in rows if r["matches"]])}
    items: list[dict[str, Any]] = []
    for r in rows:
        if r["matches"]:
            items.append({**whole[r["id"]], "status": "active"})
        elif r["status"] == "merged" and r["merged_into"]:
            items.append({"id": r["id"], "status": "merged", "merged_into": r["merged_into"],
                          "updated_at": r["updated_at"]})
        else:
            items.append({"id": r["id"], "status": "removed", "updated_at": r["updated_at"]})
    end = encode_position(rows[-1]["seq"], rows[-1]["id"]) if rows else \
        encode_position(*start)
    return {"ok": True, "events": cast(list[ActiveEvent | MergedEvent | RemovedEvent], items),
            "next": end if more else None, "sync_token": end}


def get_event(store: Store, event_id: str) -> EventDocument | None:
    """One event with its entities, every mention behind it and the outlets that reported
    it (``sources``); follows merges."""
    row = reads.event_row(store, event_id)
    if row is None or row["status"] == "removed":
        return None
    if row["status"] == "merged" and row["merged_into"]:
        target = get_event(store, row["merged_into"])
        if target is not None:
            target["merged_from"] = event_id
        return target
    event = _with_entities(store, [_event(row)])[0]
    event["mentions"] = _mentions(store, [event_id])[event_id]
    event["sources"] = _outlets(event["mentions"])
    return cast(EventDocument, event)


def _outlets(mentions: list[dict[str, Any]]) -> list[Outlet]:
    """The outlets of an event's mentions with their number of articles, the most first."""
    articles: dict[str | None, set[str]] = defaultdict(set)
    for m in mentions:
        articles[m["source"]].add(m["article_id"])
    out: list[Outlet] = [{"name": name, "articles": len(ids)} for name, ids in articles.items()]
    out.sort(key=lambda o: (-o["articles"], o["name"] or ""))
    return out


EXPORT_BATCH = 500  # events read (with their entities and mentions) per query of the export


def export_timeline(store: Store, f: EventFilter | None = None) -> ExportDocument:
    """The whole timeline as one JSON document: every active event with its mentions.

    Holds the whole document in memory; for large timelines stream ``export_json`` instead
    (the same document as text)."""
    with reads.snapshot(store):
        header, events = _export_parts(store, f or EventFilter())
        return cast(ExportDocument, {**header, "events": list(events)})


def export_json(store: Store, f: EventFilter | None = None, *, indent: int | None = None,
                ensure_ascii: bool = True, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """``export_timeline``'s document as JSON text, in pieces (about one per event).

    The pieces joined are exactly ``json.dumps(export_timeline(store, f), indent=indent,
    ensure_ascii=ensure_ascii)`` (compact separators without ``indent``), but only ``batch``
    events are held at a time: events are read in keyset batches, all inside one read snapshot,
    so the count and the events agree even while ingestion writes."""
    separators = (",", ":") if indent is None else (",", ": ")

    def dumps(value: Any) -> str:
        return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii,
                          separators=separators)

    # Inside the document, a value sits ``depth`` levels deep; json.dumps indents it as if at
    # the top, so its own line breaks need the levels above (JSON text has no raw newlines
    # inside strings, so every "\n" is a line break of the layout).
    def nl(depth: int) -> str:
        return "" if indent is None else "\n" + " " * (indent * depth)

    def nested(value: Any, depth: int) -> str:
        text = dumps(value)
        return text if indent is None else text.replace("\n", nl(depth))

    with reads.snapshot(store):
        header, events = _export_parts(store, f or EventFilter(), batch=batch)
        yield "{"
        for key, value in header.items():
            yield f"{nl(1)}{dumps(key)}{separators[1]}{nested(value, 1)}{separators[0]}"
        yield f"{nl(1)}{dumps('events')}{separators[1]}["
        first = True
        for event in events:
            yield ("" if first else separators[0]) + nl(2) + nested(event, 2)
            first = False
        yield ("]" if first else nl(1) + "]") + nl(0) + "}"


def _export_parts(store: Store, f: EventFilter, *, batch: int = EXPORT_BATCH
                  ) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The export's header (``ok``, ``generator``, ``generated_at``, ``count``) and its events,
    read lazily ``batch`` at a time in (date, id) order. Call inside ``reads.snapshot``."""
    f = _with_key_events(store, f)
    header = {
        "ok": True,
        "generator": f"event-timeline-tracker {__version__}",
        "generated_at": iso(clock.now()),
        "count": reads.count_events(store, f),
    }

    def events() -> Iterator[dict[str, Any]]:
        after: tuple[str, str] | None = None
        while True:
            rows = reads.event_rows(store, f, limit=batch, after=after)
            if not rows:
                return
            page = _with_entities(store, [_event(r) for r in rows])
            mentions = _mentions(store, [e["id"] for e in page])
            for event in page:
                event["mentions"] = mentions[event["id"]]
            yield from page
            if len(rows) < batch:
                return
            after = (rows[-1]["date_start"], rows[-1]["id"])

    return header, events()


def top_events(store: Store, k: int, *, date_from: date | None = None,
               date_to: date | None = None, sentences: int = summary.SUMMARY_SENTENCES,
               min_confidence: float = MIN_CONFIDENCE) -> list[dict[str, Any]]:
    """The key events: the k most important day-dated events, best first, one per day, each
    with a summary of at most ``sentences`` sentences (``tracker.keyevents`` chooses them)."""
    covered = reads.publication_range(store)
    if covered is not None and date_from is None:
        date_from = covered[0] - LOOKBACK
    if covered is not None and date_to is None:
        date_to = covered[1]
    # The store ranks and keeps each day's best (``choose``'s rule, in SQL); ``choose`` still
    # says what the key events are, and takes the same rows from these.
    rows = reads.best_event_of_each_day(store, date_from or date.min, date_to or date.max,
                                        min_confidence=min_confidence, limit=max(k, 0))
    chosen = choose(rows, k)
    summaries = _summaries(store, chosen, sentences)
    out = []
    for r in chosen:
        event = _event(r)
        out.append({"date": r["date_start"], "title": r["title"],
                    "summary": summaries[r["id"]], "score": r["score"], "event_id": r["id"],
                    "date_label": event["date_label"], "date_text": event["date_text"],
                    "precision": event["precision"], "kind": event["kind"],
                    "n_sources": event["n_sources"], "n_articles": event["n_articles"],
                    "confidence": event["confidence"]})
    return out


def _summaries(store: Store, rows: list[dict[str, Any]], n: int) -> dict[str, list[str]]:
    """Each event's summary cut to ``n`` sentences; longer than stored, chosen again from its
    mentions the same way (``tracker.summary``)."""
    out = {r["id"]: list(json.loads(r["summary"] or "[]"))[:n] for r in rows}
    longer = [r for r in rows if n > summary.SUMMARY_SENTENCES]
    if longer:
        evidence: dict[str, list[_Evidence]] = defaultdict(list)
        for m in reads.mention_rows_of_events(store, [r["id"] for r in longer]):
            evidence[m["event_id"]].append(_Evidence.of(m))
        for r in longer:
            at_date = [e for e in evidence[r["id"]] if e.date == (r["date_start"], r["date_end"])]
            ranked = summary.rank(at_date or evidence[r["id"]])
            out[r["id"]] = summary.summarize(ranked, n) or out[r["id"]]
    return out


@dataclass(frozen=True)
class _Evidence:
    """A stored mention as ``tracker.summary`` reads it."""

    sentence: str
    sentence_key: str
    article_id: str
    published_at: str
    date_written: bool
    modality: str
    trigger_start: int
    trigger_end: int
    timex_start: int | None
    timex_end: int | None
    date: tuple[str, str]

    @classmethod
    def of(cls, m: dict[str, Any]) -> _Evidence:
        base = m["sentence_start"]
        return cls(
            sentence=m["sentence"], sentence_key=m["sentence_key"], article_id=m["article_id"],
            published_at=m["published_at"] or "", date_written=m["timex_text"] is not None,
            modality=m["modality"], trigger_start=m["trigger_start"],
            trigger_end=m["trigger_start"] + len(m["trigger"]),
            timex_start=None if m["timex_start"] is None else m["timex_start"] - base,
            timex_end=None if m["timex_end"] is None else m["timex_end"] - base,
            date=(m["date_start"], m["date_end"]))


def _with_key_events(store: Store, f: EventFilter) -> EventFilter:
    """The filter with ``top`` resolved to the key events' ids, so the chart's key-events view
    and the story view show the same selection."""
    if not f.top:
        return f
    chosen = top_events(store, f.top, date_from=f.date_from, date_to=f.date_to, sentences=0,
                        min_confidence=f.min_confidence)
    return replace(f, top=0, ids=tuple(e["event_id"] for e in chosen))


def kinds(store: Store, min_confidence: float = MIN_CONFIDENCE) -> list[KindCount]:
    return cast(list[KindCount], reads.kind_counts(store, min_confidence))


def list_sources(store: Store, *, public: bool = False) -> list[Source]:
    """Every configured source with its health and its most recent run.

    URLs are always redacted (``redact_url``); ``public=True`` (an anonymous reader) also cuts
    errors to their category and local paths to a file name (``present_source``)."""
    sources = reads.source_rows(store)
    for s in sources:
        s["enabled"] = bool(s["enabled"])
        s["fetch_pages"] = bool(s["fetch_pages"])
        runs = reads.run_rows(store, limit=1, source_id=s["id"])
        s["last_run"] = {k: runs[0][k] for k in _RUN_FIELDS} if runs else None
        present_source(s, public=public)
        if s["last_run"] is not None:
            s["last_run"]["error"] = _present_error(s["last_run"]["error"], public)
    return cast(list[Source], sources)


def get_source(store: Store, source_id: str, *, public: bool = False) -> Source | None:
    """One source as ``list_sources`` gives it; None when there is none."""
    return next((s for s in list_sources(store, public=public) if s["id"] == source_id), None)


def source_health(store: Store, source_id: str | None = None, *, public: bool = False
                  ) -> list[SourceHealth]:
    """Each source's settings, schedule and last outcome (``tracker.store.sources.health``),
    presented like ``list_sources``; only ``source_id``'s when given."""
    return cast(list[SourceHealth], [present_source(row, public=public)
                                     for row in source_table.health(store, source_id)])


_RUN_FIELDS = ("id", "job", "started_at", "finished_at", "status", "n_new", "n_unchanged",
               "n_failed", "n_events", "error")


def recent_runs(store: Store, limit: int = 20, *, public: bool = False) -> list[dict[str, Any]]:
    """The latest runs, newest first; errors and detail lines presented like a source's."""
    runs = reads.run_rows(store, limit=limit)
    for run in runs:
        detail = json.loads(run["detail"]) if run["detail"] else []
        run["detail"] = [_present_error(str(line), public) for line in detail]
        run["error"] = _present_error(run["error"], public)
    return runs


# ---------------------------------------------------------------- what readers may see

LOCAL_KINDS = ("dir", "jsonl", "file")
# What a failure was, told without where (no URL, host, path or port) and without the network's
# answer that would make the error a port scanner: "connection refused" and a connect timeout
# (closed or filtered port) are both "fetch failed"; a timeout is only told as one once the
# server was reached. Checked in order, on the error's words.
_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("refused by URL policy", ("url policy", "private network", "private address",
                               "not allowed to fetch", "refused to fetch", "blocked address")),
    ("interrupted", ("interrupted",)),
    ("fetch failed", ("connecting to", "cannot connect", "connection refused",
                      "cannot resolve", "response from")),
    ("timeout", ("timed out", "took longer than", "timeout")),
    ("parse error", ("not an rss or atom feed", "could not be parsed", "not an html page",
                     "no text found", "cannot decode", "invalid json", "expected a json object",
                     "parse", "malformed")),
    ("read failed", ("no such file", "permission denied", "cannot read", "is a directory",
                     "binary file", "file is empty", "is larger than")),
)
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def error_category(error: str | None) -> str | None:
    """An error as an anonymous reader may see it: "HTTP 404", "timeout", "parse error",
    "refused by URL policy", "read failed", "interrupted" or "fetch failed"; None stays None.
    The full text is for token holders, the server's log and the CLI."""
    if not error:
        return error
    lowered = error.lower()
    if not any(word in lowered for word in _CATEGORIES[0][1]):  # a policy refusal says so first
        status = _HTTP_STATUS.search(error)
        if status:
            return f"HTTP {status.group(1)}"
    for category, words in _CATEGORIES:
        if any(word in lowered for word in words):
            return category
    return "fetch failed"


def _present_error(error: str | None, public: bool) -> str | None:
    if not error:
        return error
    return error_category(error) if public else redact_text(error)


def present_source(row: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """A source row made fit to show, in place: its URL redacted; for anonymous readers its
    errors as categories and a local folder or file as its name only (the server's file layout
    is nobody's business)."""
    url = str(row.get("url") or "")
    if public and row.get("kind") in LOCAL_KINDS:
        row["url"] = PurePath(url).name or url
    else:
        row["url"] = redact_url(url)
    if "last_error" in row:
        row["last_error"] = _present_error(row["last_error"], public)
    return row


def list_entities(store: Store, *, q: str | None = None, kind: str | None = None,
                  limit: int = DEFAULT_PAGE, after: str | None = None) -> EntityList:
    """People, places and organizations, most eventful first; ``q`` matches names and
    aliases. Keyset pages: ``next`` is the ``after`` of the following page (None on the last);
    ValueError for an ``after`` we did not make."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = reads.entity_rows(store, q=q, kind=kind, limit=limit + 1,
                             after=decode_entity_cursor(after) if after else None)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = (encode_entity_cursor(int(last["n_events"]), str(last["name"]),
                                        str(last["id"])) if more and last else None)
    return {"ok": True, "entities": cast(list[Entity], [_entity(r) for r in rows]),
            "next": next_cursor}


def encode_entity_cursor(n_events: int, name: str, entity_id: str) -> str:
    raw = json.dumps([n_events, name, entity_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_entity_cursor(cursor: str) -> tuple[int, str, str]:
    """The (events, name, id) an entity page starts after; ValueError for a bad cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        n_events, name, entity_id = json.loads(base64.urlsafe_b64decode(padded))
        if not (isinstance(n_events, int) and isinstance(name, str)
                and isinstance(entity_id, str)):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValueError(f"invalid cursor {cursor!r}") from None
    return n_events, name, entity_id


def get_entity(store: Store, ref: str) -> EntityWithEvents | None:
    """One entity (by id, name or alias) with its events over time, in date order."""
    row = reads.entity_row(store, ref)
    if row is None:
        return None
    entity = _entity(row)
    events = reads.event_rows_of_entity(store, entity["id"])
    entity["events"] = _with_entities(store, [_event(r) for r in events])
    entity["n_events"] = len(events)
    return cast(EntityWithEvents, entity)


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
        "summary": json.loads(row["summary"] or "[]"),
        "score": row["score"],
        "confidence": row["confidence"],
        "n_mentions": row["n_mentions"],
        "n_articles": row["n_articles"],
        "n_sources": row["n_sources"],
        "first_seen_at": row["first_seen_at"],
        "updated_at": row["updated_at"],
    }


def _with_entities(store: Store, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in reads.entity_rows_of_events(store, [e["id"] for e in events]):
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
    for r in reads.mention_rows_of_events(store, event_ids):
        timex = None
        if r["timex_text"] is not None:
            timex = {"text": r["timex_text"], "type": r["timex_type"],
                     "value": r["timex_value"], "start": r["timex_start"], "end": r["timex_end"]}
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
            "modality": r["modality"],
            "confidence": r["confidence"],
            "timex": timex,
        })
    return out
