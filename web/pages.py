"""The HTML pages: the timeline dashboard, events with their evidence, entities, source health.

Every page is rendered on the server from ``tracker.query`` so it is useful without JavaScript
(the dashboard lists the first events under its chart); ``static/dashboard.js`` then draws the
interactive Plotly chart from the JSON API. Pages never write to the database.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, render_template, request

from tracker import query
from web import get_store
from web.api import KEY_EVENTS, BadParameter, parse_filter
from web.assets import plotly_version

bp = Blueprint("pages", __name__)

FALLBACK_LIST_SIZE = 200
KEY_LIST_SIZE = 8


@bp.get("/")
def dashboard() -> Any:
    store = get_store()
    error = None
    try:
        f = parse_filter(request.args)
    except BadParameter as exc:
        error, f = str(exc), query.EventFilter()
    page = query.list_events(store, f, limit=FALLBACK_LIST_SIZE)
    # The most important dated events, best first: the "key events" at a glance.
    key_list = sorted(
        query.list_events(store, query.EventFilter(top=KEY_LIST_SIZE, include_reported=False),
                          limit=KEY_LIST_SIZE)["events"],
        key=lambda e: (-e["score"], e["date_start"]))
    # suggestions for the entity box (the filter matches whole names and aliases)
    names = Counter(n["name"] for e in page["events"] for n in e["entities"])
    return render_template(
        "dashboard.html",
        events=page["events"],
        total=page["total"],
        kinds=query.kinds(store),
        entity_names=sorted(name for name, _ in names.most_common(300)),
        args=request.args,
        error=error,
        plotly_version=plotly_version(),
        key_events=KEY_EVENTS,
        key_list=key_list,
    ), 400 if error else 200


@bp.get("/events/<event_id>")
def event(event_id: str) -> Any:
    found = query.get_event(get_store(), event_id)
    if found is None:
        abort(404, description=f"No event with id {event_id!r}. It may have been removed.")
    return render_template("event.html", event=found)


@bp.get("/sources")
def sources() -> Any:
    store = get_store()
    return render_template(
        "sources.html", sources=query.list_sources(store), runs=query.recent_runs(store)
    )


@bp.get("/entities")
def entities() -> Any:
    kind = request.args.get("kind") or None
    found = query.list_entities(get_store(), q=request.args.get("q"),
                                kind=kind if kind in ("person", "place", "org") else None,
                                limit=500)
    return render_template("entities.html", entities=found["entities"], args=request.args)


@bp.get("/entities/<ref>")
def entity(ref: str) -> Any:
    found = query.get_entity(get_store(), ref)
    if found is None:
        abort(404, description=f"No person, place or organization {ref!r}.")
    return render_template("entity.html", entity=found)
