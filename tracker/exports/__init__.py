"""Export formats: the timeline as JSON, NDJSON, CSV, iCalendar, TimelineJS or GeoJSON.

``FORMATS`` maps each format's name to a ``Format``: ``pieces(store, f)`` (a generator of the
export's text, in pieces, for the events an ``EventFilter`` selects: the same events as
``/api/events``), its media type and its file extension. ``/api/export?format=`` and ``tracker
export --format`` both choose from it. Every format streams: events are read in batches inside
one read snapshot (``tracker.exports.events``), never the whole timeline at once, so memory
stays flat however large the timeline and the export is consistent while ingestion writes.
One module per format says what its output holds: ``jsondoc``, ``ndjson``, ``csvfile``,
``ics``, ``timelinejs`` and ``geojson``; all but the JSON document are a ``Layout`` (head,
batch, separator, tail: ``LAYOUTS``) that ``stream`` writes, with a second process rendering
half the batches of a large export (``parallel``).

It does not write files or responses (the CLI and the web app do), and it never writes to the
database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from tracker.exports import csvfile, geojson, ics, jsondoc, ndjson, timelinejs
from tracker.exports.stream import Layout
from tracker.store import Store
from tracker.store.reads import EventFilter

__all__ = ["DEFAULT", "FORMATS", "LAYOUTS", "Format", "Layout", "names"]


class Format(NamedTuple):
    """How to write one format: its text in pieces, its media type, its file extension."""

    pieces: Callable[[Store, EventFilter], Iterator[str]]
    media_type: str
    extension: str


# The formats written batch by batch (every one but the JSON document), by name.
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    ndjson.LAYOUT, csvfile.LAYOUT, ics.LAYOUT, timelinejs.LAYOUT, geojson.LAYOUT)}

FORMATS: dict[str, Format] = {
    "json": Format(jsondoc.pieces, jsondoc.MEDIA_TYPE, jsondoc.EXTENSION),
    "ndjson": Format(ndjson.pieces, ndjson.MEDIA_TYPE, ndjson.EXTENSION),
    "csv": Format(csvfile.pieces, csvfile.MEDIA_TYPE, csvfile.EXTENSION),
    "ics": Format(ics.pieces, ics.MEDIA_TYPE, ics.EXTENSION),
    "timelinejs": Format(timelinejs.pieces, timelinejs.MEDIA_TYPE, timelinejs.EXTENSION),
    "geojson": Format(geojson.pieces, geojson.MEDIA_TYPE, geojson.EXTENSION),
}
DEFAULT = "json"


def names() -> str:
    """The format names, comma-separated, for messages."""
    return ", ".join(FORMATS)
