"""How a batch-rendered export is streamed: its head, each batch's text, its tail.

A format that renders batch by batch is a ``Layout``: ``head`` (written first, inside the
snapshot, so a count there agrees with the events), ``render`` (the text of one
``tracker.exports.events.Batch``), the ``separator`` put between two batches' texts that are
not empty ("," inside a JSON array, nothing between lines) and ``tail``. ``stream`` writes one:
it reads the events in batches inside one read snapshot, and for a large export
(``parallel.PARALLEL_FROM`` events or more) has a helper process render every other batch in the
same snapshot (``tracker.exports.parallel``), falling back to one process whenever that cannot
be had. The text is the same either way. The file is read unmapped (``export_reads.unmapped``),
so the memory an export is seen to hold is its batch, not the pages it has passed.

It knows no format itself (each has its module) and never writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from tracker.exports import events, parallel
from tracker.store import Store, export_reads, reads
from tracker.store.reads import EventFilter


class Layout(NamedTuple):
    """A format written batch by batch (see the module's docstring)."""

    name: str  # the format's name in ``tracker.exports.FORMATS`` (the helper looks it up)
    head: Callable[[Store, EventFilter], str]
    render: Callable[[events.Batch], str]
    separator: str
    tail: str


def stream(store: Store, f: EventFilter, layout: Layout, *, size: int = events.BATCH,
           parallel_from: int | None = None) -> Iterator[str]:
    """The export's text in pieces: the head, one piece per batch of events, the tail.
    ``parallel_from``: the number of events from which a helper process renders every other
    batch (default ``parallel.PARALLEL_FROM``; tests lower it)."""
    threshold = parallel.PARALLEL_FROM if parallel_from is None else parallel_from
    with export_reads.unmapped(store):
        helper = parallel.start(store, f, layout.name, size=size, threshold=threshold)
        try:
            with reads.snapshot(store):
                if helper is not None and not helper.share_snapshot(store):
                    helper.close()
                    helper = None
                yield layout.head(store, f)
                texts: Iterator[str]
                if helper is None:
                    texts = (layout.render(b) for b in events.batches(store, f, size=size))
                else:
                    texts = helper.interleave(
                        layout.render(b)
                        for b in events.batches(store, f, size=size, stride=2, phase=0))
                first = True
                for text in texts:
                    if text:
                        yield text if first else layout.separator + text
                        first = False
            yield layout.tail
        finally:
            if helper is not None:
                helper.close()
