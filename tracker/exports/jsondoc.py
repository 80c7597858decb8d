"""JSON export: the whole timeline as one document, as ``/api/export`` has always served it.

``{"ok": true, "generator", "generated_at", "count", "events": [...]}``, each event with its
entities and mentions: ``tracker.query.export_json``'s text, streamed a piece per event from
keyset batches inside one read snapshot (that function stays where scripts import it from).
Compact ASCII JSON by default (``/api/export``); ``tracker export`` asks for its indented UTF-8
layout. It adds no other shape.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker import query
from tracker.store import Store, export_reads
from tracker.store.reads import EventFilter

MEDIA_TYPE = "application/json"
EXTENSION = "json"


def pieces(store: Store, f: EventFilter, *, indent: int | None = None,
           ensure_ascii: bool = True) -> Iterator[str]:
    """The document's text in pieces (about one per event), ending in a line break; read
    unmapped (``export_reads.unmapped``), as every export is."""
    with export_reads.unmapped(store):
        yield from query.export_json(store, f, indent=indent, ensure_ascii=ensure_ascii)
    yield "\n"
