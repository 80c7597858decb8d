"""GeoJSON export (RFC 7946): the events on a map, one Point feature per event and place.

A ``FeatureCollection`` with, for each event and each place entity it names that can be put
on the map, a ``Feature`` whose geometry is a ``Point`` at ``[longitude, latitude]`` (WGS 84)
and whose properties are the event's ``id``, ``title``, ``date_start``, ``date_end``,
``date_label``, ``precision``, ``kind``, ``confidence``, ``n_sources`` and ``url`` (its page's
path, ``/events/<id>``), with the place's ``place`` (name), ``place_id`` and ``place_kind``
(country, state, region or city). One point per place, rather than a MultiPoint per event,
because that is what a map widget draws and clusters, each with its own popup; an event naming
two places is two features sharing its ``id`` (each feature's own ``id`` is
``<event id>/<place id>``).

Places are located as the dashboard's map view locates them (``tracker.geo.locate``, by name
then aliases): cities and regions at their coordinates, countries and US states at the centre
the map draws them at (``tracker.places.point``), never at their capital. A place the map
cannot place (unknown or ambiguous name) is left out, and so is an event with no place that
can be placed: the GeoJSON has only what can be drawn. Streamed a batch of events at a time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from tracker import geo, places
from tracker.exports import events
from tracker.exports.stream import Layout, stream
from tracker.store import Store
from tracker.store.reads import EventFilter

MEDIA_TYPE = "application/geo+json"
EXTENSION = "geojson"


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@functools.lru_cache(maxsize=events.ENTITY_CACHE)
def _located(name: str, aliases: str) -> tuple[tuple[float, float], str] | None:
    """Where a place entity goes on the map, and its kind of location; None if nowhere."""
    location = geo.locate(name, list(json.loads(aliases or "[]")))
    point = places.point(location) if location is not None else None
    return None if location is None or point is None else (point, location.kind)


def features(batch: events.Batch) -> Iterator[dict[str, Any]]:
    """The features of a batch's events, events in order, places in the event's order."""
    for event in batch.dicts():
        for entity in batch.entities.get(event["id"], ()):
            if entity.kind != "place":
                continue
            found = _located(entity.name, entity.aliases)
            if found is None:
                continue
            (lat, lon), place_kind = found
            yield {
                "type": "Feature",
                "id": f"{event['id']}/{entity.id}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": event["id"], "title": event["title"],
                    "date_start": event["date_start"], "date_end": event["date_end"],
                    "date_label": event["date_label"], "precision": event["precision"],
                    "kind": event["kind"], "confidence": event["confidence"],
                    "n_sources": event["n_sources"], "url": f"/events/{event['id']}",
                    "place": entity.name, "place_id": entity.id, "place_kind": place_kind,
                },
            }


def _head(store: Store, f: EventFilter) -> str:
    return '{"type":"FeatureCollection","features":['


def render(batch: events.Batch) -> str:
    """The features of a batch of events, comma-separated."""
    return ",".join(_dumps(feature) for feature in features(batch))


LAYOUT = Layout("geojson", _head, render, ",", "]}\n")


def pieces(store: Store, f: EventFilter) -> Iterator[str]:
    """The collection's text: its opening, one piece per batch of features, its end."""
    return stream(store, f, LAYOUT)
