"""Queries: pages of events, one event with its evidence, the export, entities, sources.

Returns JSON-ready dicts in the shapes the API and the CLI promise (Datasette-style
``{"ok": true, "events": [...], "next": cursor}``): date labels, keyset cursors, nesting of
entities and mentions. The export is also offered as streamed JSON text (``export_json``), read
in keyset batches inside one read snapshot so its memory stays bounded however large the
timeline. Sources and runs come out with their URLs redacted (no ``user:password@``, secret
query parameters masked) and, for anonymous readers (``public=True``), with errors cut to a
coarse category and local paths to a file name. The SQL behind it is ``tracker.store.reads``;
this module never writes and does not render HTML (``web`` does).
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
from typing import Any

from tracker import __version__, clock, summary
from tracker.confidence import MIN_CONFIDENCE
from tracker.dates import date_label
from tracker.keyevents import LOOKBACK, choose
from tracker.store import Store, iso, reads
from tracker.store import sources as source_table
from tracker.store.reads import EventFilter
from tracker.urlpolicy import redact_text, redact_url

__all__ = ["MIN_CONFIDENCE", "EventFilter", "error_category", "export_json", "export_timeline",
           "get_entity", "get_event", "kinds", "list_entities", "list_events", "list_sources",
           "recent_runs", "source_health", "top_events"]

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
    store: Store, f: EventFilter, *, limit: int = DEFAULT_PAGE, after: str | None = None
) -> dict[str, Any]:
    """One page of events in date order, with a cursor for the next page (keyset pagination)."""
    limit = max(1, min(limit, MAX_PAGE))
    f = _with_key_events(store, f)
    total = reads.count_events(store, f)
    rows = reads.event_rows(store, f, limit=limit + 1,
                            after=decode_cursor(after) if after else None)
    more = len(rows) > limit
    rows = rows[:limit]
    events = _with_entities(store, [_event(r) for r in rows])
    next_cursor = encode_cursor(rows[-1]["date_start"], rows[-1]["id"]) if more and rows else None
    return {"ok": True, "total": total, "events": events, "next": next_cursor}


def get_event(store: Store, event_id: str) -> dict[str, Any] | None:
    """One event with its entities and every mention behind it; follows merges."""
    row = reads.event_row(store, event_id)
    if row is None:
        return None
    if row["status"] == "merged" and row["merged_into"]:
        target = get_event(store, row["merged_into"])
        if target is not None:
            target["merged_from"] = event_id
        return target
    event = _with_entities(store, [_event(row)])[0]
    event["mentions"] = _mentions(store, [event_id])[event_id]
    return event


EXPORT_BATCH = 500  # events read (with their entities and mentions) per query of the export


def export_timeline(store: Store, f: EventFilter | None = None) -> dict[str, Any]:
    """The whole timeline as one JSON document: every active event with its mentions.

    Holds the whole document in memory; for large timelines stream ``export_json`` instead
    (the same document as text)."""
    with reads.snapshot(store):
        header, events = _export_parts(store, f or EventFilter())
        return {**header, "events": list(events)}


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


def kinds(store: Store, min_confidence: float = MIN_CONFIDENCE) -> list[dict[str, Any]]:
    return reads.kind_counts(store, min_confidence)


def list_sources(store: Store, *, public: bool = False) -> list[dict[str, Any]]:
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
    return sources


def source_health(store: Store, source_id: str | None = None, *, public: bool = False
                  ) -> list[dict[str, Any]]:
    """Each source's settings, schedule and last outcome (``tracker.store.sources.health``),
    presented like ``list_sources``; only ``source_id``'s when given."""
    return [present_source(row, public=public)
            for row in source_table.health(store, source_id)]


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
                  limit: int = DEFAULT_PAGE) -> dict[str, Any]:
    """People, places and organizations, most eventful first; ``q`` matches names and aliases."""
    rows = reads.entity_rows(store, q=q, kind=kind, limit=max(1, min(limit, MAX_PAGE)))
    return {"ok": True, "entities": [_entity(r) for r in rows]}


def get_entity(store: Store, ref: str) -> dict[str, Any] | None:
    """One entity (by id, name or alias) with its events over time, in date order."""
    row = reads.entity_row(store, ref)
    if row is None:
        return None
    entity = _entity(row)
    events = reads.event_rows_of_entity(store, entity["id"])
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
