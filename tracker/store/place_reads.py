"""Read queries for the map: the place entities of the events a filter selects, counted.

``place_event_counts(store, f, limit)`` answers, for the active events matching an
``EventFilter`` (the WHERE clause of ``tracker.store.reads``, so the same events as
``/api/events``), each place entity named by at least one of them with the number of those
events, most eventful first. Rows come out as stored (``aliases`` is JSON text); where a place
is on the map is ``tracker.places``'s question and the shaping ``tracker.geo``'s. Nothing here
writes.
"""

from __future__ import annotations

from typing import Any

from tracker.store.db import Store
from tracker.store.reads import EventFilter, _where

Row = dict[str, Any]


def place_event_counts(store: Store, f: EventFilter, *, limit: int) -> list[Row]:
    """``{"id", "name", "aliases", "events"}`` of at most ``limit`` place entities, by number
    of matching events (descending), then name."""
    clauses, params = _where(f)
    return store.query(
        f"SELECT n.id, n.name, n.aliases, COUNT(*) AS events "
        f"FROM events e JOIN event_entities ee ON ee.event_id = e.id "
        f"JOIN entities n ON n.id = ee.entity_id "
        f"WHERE n.kind = 'place' AND {' AND '.join(clauses)} "
        f"GROUP BY n.id ORDER BY events DESC, n.name, n.id LIMIT ?",
        [*params, limit],
    )
