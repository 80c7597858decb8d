"""Events per place: what the dashboard's map view draws.

``place_counts(store, f)`` takes the events ``/api/events`` would list for an ``EventFilter``
(the same WHERE clause, ``key``/``top`` resolved to the key events the same way) and counts
them per place entity they name. Each place is located by ``tracker.places`` from its name,
else from one of its aliases; those found go to ``places`` with their ``location``, the others
to ``unplaced`` (the map lists them as text). An event naming two places counts for both, so
the counts need not add up to ``total_events``; an event naming none counts for none. The most
eventful ``limit`` places are counted, and ``truncated`` says when there were more.

It never writes, draws nothing and resolves no names itself (``tracker.places`` does); the SQL
is ``tracker.store.place_reads``'.
"""

from __future__ import annotations

import json
from typing import Final, cast

from tracker import places, query
from tracker.query import PlaceCount, PlaceCounts, PlaceLocation
from tracker.store import Store, reads
from tracker.store.place_reads import place_event_counts
from tracker.store.reads import EventFilter

__all__ = ["MAX_PLACES", "PlaceCount", "PlaceCounts", "place_counts"]

MAX_PLACES: Final = 500  # places counted at most: far more than a map can show apart


def place_counts(store: Store, f: EventFilter, *, limit: int = MAX_PLACES) -> PlaceCounts:
    """The events matching ``f`` counted per place entity, most eventful first (see the
    module's docstring for the document's shape)."""
    f = query._with_key_events(store, f)  # the same key events as /api/events
    rows = place_event_counts(store, f, limit=limit + 1)
    placed: list[PlaceCount] = []
    unplaced: list[PlaceCount] = []
    for row in rows[:limit]:
        entry: PlaceCount = {"id": row["id"], "name": row["name"], "count": int(row["events"])}
        location = locate(row["name"], json.loads(row["aliases"] or "[]"))
        if location is None:
            unplaced.append(entry)
        else:
            entry["location"] = cast(PlaceLocation, location.as_json())
            placed.append(entry)
    return {"ok": True, "total_events": reads.count_events(store, f), "places": placed,
            "unplaced": unplaced, "truncated": len(rows) > limit}


def locate(name: str, aliases: list[str]) -> places.Location | None:
    """Where a place entity is: its name's location, else the first alias's that has one."""
    for candidate in (name, *aliases):
        found = places.resolve(candidate)
        if found is not None:
            return found
    return None
