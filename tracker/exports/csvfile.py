"""CSV export: one row per event, for spreadsheets, streamed.

Columns (``COLUMNS``): the event's ``id``, dates (``date_start``, ``date_end``, ``precision``,
``date_label``, ``date_text``), ``kind``, ``title``, ``summary`` (its sentences joined by a
space), ``confidence``, ``score``, ``n_sources``, ``n_articles``, and its evidence flattened:
``entities`` (names), ``sources`` (the outlets of its mentions, each once) and ``urls`` (its
articles' URLs, each once), each list joined by ``"; "``. RFC 4180 text written by the ``csv``
module (quotes doubled, fields with commas, quotes or line breaks quoted, CRLF rows), UTF-8, a
header row first; it reads back with Python's ``csv`` module. Written a batch of events at a
time into one buffer, so memory stays flat (by two processes for a large export).

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return) as a formula, and article titles and outlet names are written by
strangers. Such a cell is written with a leading apostrophe (``'=HYPERLINK(...)``), which
spreadsheets show as text; a program reading the CSV sees the apostrophe and can strip it. No
numeric column can start so (none is negative). It writes no other columns and no BOM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from tracker.exports import events
from tracker.exports.stream import Layout, stream
from tracker.store import Store
from tracker.store.reads import EventFilter

MEDIA_TYPE = "text/csv; charset=utf-8"
EXTENSION = "csv"
COLUMNS: Final = ("id", "date_start", "date_end", "precision", "date_label", "date_text",
                  "kind", "title", "summary", "confidence", "score", "n_sources", "n_articles",
                  "entities", "sources", "urls")
JOIN: Final = "; "
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a cell's text: None empty, a would-be formula behind an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(event: dict[str, Any]) -> list[str]:
    """An event (the export's shape) as the CSV's row (``COLUMNS``)."""
    mentions = event["mentions"]
    values = {
        **event,
        "summary": " ".join(event["summary"]),
        "entities": JOIN.join(e["name"] for e in event["entities"]),
        "sources": JOIN.join(_once(m["source"] for m in mentions)),
        "urls": JOIN.join(_once(m["article_url"] for m in mentions)),
    }
    return [cell(values[c]) for c in COLUMNS]


def _once(values: Iterator[str | None]) -> list[str]:
    """The values that are set, each once, in order."""
    return list(dict.fromkeys(v for v in values if v))


def _text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _head(store: Store, f: EventFilter) -> str:
    return _text([COLUMNS])


def render(batch: events.Batch) -> str:
    """The rows of a batch of events, as CSV text."""
    return _text(row(e) for e in batch.dicts())


LAYOUT = Layout("csv", _head, render, "", "")


def pieces(store: Store, f: EventFilter) -> Iterator[str]:
    """The header row, then the rows of each batch of events as one piece."""
    return stream(store, f, LAYOUT)
