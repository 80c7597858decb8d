"""TimelineJS export: Knight Lab's TimelineJS 3 JSON, ready for ``new TL.Timeline(id, data)``.

``{"title": {"text": {...}}, "events": [...]}``, one slide per event:

- ``start_date`` (and ``end_date`` for a span) as ``{"year", "month", "day"}`` numbers, keeping
  the precision by leaving parts out: a year (or decade, century) event gives only years, a
  month event a year and month, a day, time or undated ("reported") event the day; a week,
  quarter or season gives its first and last days. ``end_date`` only when the span ends in
  another period than it starts at that precision.
- ``display_date``: the tracker's own label ("May 2025", "Q2 2025", "spring 2022").
- ``text``: ``headline`` (the event's title) and ``text`` (its summary sentences, its date as
  written, its sources as links). TimelineJS renders both as HTML, so every value from the
  articles is HTML-escaped, and only ``http``/``https`` URLs become links.
- ``group``: the event's kind (TimelineJS draws a row per group); ``unique_id``: its id.

The title slide says how many events there are and what made the file. Streamed a batch of
events at a time. No media, eras or backgrounds are written.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Final
from urllib.parse import urlsplit

from tracker import __version__, clock
from tracker.exports import events
from tracker.exports.stream import Layout, stream
from tracker.store import Store, iso, reads
from tracker.store.reads import EventFilter

MEDIA_TYPE = "application/json"
EXTENSION = "timelinejs.json"
MAX_LINKS: Final = 10  # source links per slide
# How many date parts (year, month, day) TimelineJS gets at each precision.
PARTS: Final = {"time": 3, "day": 3, "reported": 3, "week": 3, "quarter": 3, "season": 3,
                "month": 2, "year": 1, "decade": 1, "century": 1}


def _date(value: date, parts: int) -> dict[str, int]:
    out = {"year": value.year}
    if parts >= 2:
        out["month"] = value.month
    if parts >= 3:
        out["day"] = value.day
    return out


def dates(event: dict[str, Any]) -> dict[str, Any]:
    """``start_date`` and, for a span, ``end_date``, at the event's precision."""
    parts = PARTS.get(event["precision"], 3)
    start = _date(date.fromisoformat(event["date_start"]), parts)
    end = _date(date.fromisoformat(event["date_end"]), parts)
    return {"start_date": start} if end == start else {"start_date": start, "end_date": end}


def _link(url: str | None, label: str) -> str | None:
    """An HTML link to ``url`` when it is a web address; None otherwise (a ``javascript:``
    URL in an article must not become a link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{html.escape(label)}</a>')


def text(event: dict[str, Any]) -> str:
    """The slide's body (HTML): summary, date as written, sources as links."""
    out = [f"<p>{html.escape(sentence)}</p>" for sentence in event["summary"]]
    if event["precision"] != "reported" and event["date_text"] != event["date_label"]:
        out.append(f"<p><em>{html.escape(event['date_label'])}</em>: "
                   f"&ldquo;{html.escape(event['date_text'])}&rdquo;</p>")
    seen: dict[str, str] = {}
    for m in event["mentions"]:
        if m["article_url"] and m["article_url"] not in seen:
            seen[m["article_url"]] = m["source"] or m["article_title"] or m["article_url"]
    links = [a for a in (_link(u, label) for u, label in seen.items()) if a][:MAX_LINKS]
    if links:
        out.append("<p>Sources: " + ", ".join(links) + "</p>")
    return "".join(out)


def slide(event: dict[str, Any]) -> dict[str, Any]:
    """One event as a TimelineJS slide."""
    return {**dates(event), "display_date": event["date_label"],
            "text": {"headline": html.escape(event["title"]), "text": text(event)},
            "group": event["kind"], "unique_id": event["id"]}


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _head(store: Store, f: EventFilter) -> str:
    """The document's opening with its title slide (inside the snapshot: the count agrees)."""
    count = reads.count_events(store, events.resolved(store, f))
    title = {"text": {
        "headline": "Event timeline",
        "text": html.escape(f"{count} events, generated {iso(clock.now())} by "
                            f"event-timeline-tracker {__version__}")}}
    return f'{{"title":{_dumps(title)},"events":['


def render(batch: events.Batch) -> str:
    """The slides of a batch of events, comma-separated."""
    return ",".join(_dumps(slide(e)) for e in batch.dicts())


LAYOUT = Layout("timelinejs", _head, render, ",", "]}\n")


def pieces(store: Store, f: EventFilter) -> Iterator[str]:
    """The document's text: title slide, then one piece per batch of slides."""
    return stream(store, f, LAYOUT)
