"""NDJSON export: one event per line, the JSON export's event shape, streamed.

Each line is one event exactly as the ``json`` export's ``events`` list holds it (with its
entities and mentions), as UTF-8 JSON ending in ``\\n``; there is no header line, so a reader
parses each line alone (``json.loads`` per line). Written a batch at a time by
``tracker.exports.events`` straight from the rows (``Batch.ndjson``), in constant memory, by
two processes for a large export (``tracker.exports.parallel``). It does not count the events
first (the JSON document's ``count``) and writes no other shape.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker.exports import events
from tracker.exports.stream import Layout, stream
from tracker.store import Store
from tracker.store.reads import EventFilter

MEDIA_TYPE = "application/x-ndjson"
EXTENSION = "ndjson"


def _head(store: Store, f: EventFilter) -> str:
    return ""


LAYOUT = Layout("ndjson", _head, events.Batch.ndjson, "", "")


def pieces(store: Store, f: EventFilter) -> Iterator[str]:
    """The lines, one piece per batch of events, read inside one snapshot."""
    return stream(store, f, LAYOUT)
