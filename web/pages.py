"""The HTML pages: the dashboard (story, chart and map views), events with their evidence,
entities, source health.

Every page is rendered on the server from ``tracker.query`` so it is useful without JavaScript.
The dashboard opens on the **story view**: the key events (``query.top_events``, the same
selection as the chart's "Key events only" toggle and ``/api/top``) as a vertical timeline in
date order, with no script at all. ``?view=chart`` is the **chart view**: the filter form, the
first events as a list, and ``static/dashboard.js``, which draws the interactive Plotly chart from
the JSON API. ``?view=map`` is the **map view**: the events counted per place they name
(``tracker.geo``, with the chart's filters), listed with links to the chart filtered by each place
and to its page, and ``static/map.js``, which draws them on a world map from ``/api/places``
with outlines the app serves itself (``web.map_api``). ``/sources`` shows anonymous readers
redacted URLs and error categories only; ``/sources?details=1`` asks the browser to sign in
(Basic, the API token as password) and then shows the full error texts. Pages never write to
the database and never choose events themselves; no template holds inline script, event-handler
attributes or inline styles (the Content-Security-Policy of ``web.security`` would refuse them).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for

from tracker import geo, query, views
from tracker.store import Store
from web import get_store
from web.api import KEY_EVENTS, BadParameter, parse_filter, text_param
from web.assets import plotly_version
from web.auth import challenge, configured_token, has_token, refuse
from web.cache import cached
from web.map_api import MAP_FILE, map_data_installed

bp = Blueprint("pages", __name__)

FALLBACK_LIST_SIZE = 200
STORY_SENTENCES = 3
VIEWS = ("story", "chart", "map")

# What a precision means to a reader, where the date label alone does not say it.
PRECISION_NOTES = {
    "time": "time of day given",
    "reported": "no date in the text: placed on the day it was reported",
    "week": "known to the week",
    "month": "known to the month",
    "quarter": "known to the quarter",
    "season": "known to the season",
    "year": "known to the year",
    "decade": "known to the decade",
    "century": "known to the century",
}


@bp.get("/")
@cached
def dashboard() -> Any:
    store = get_store()
    view = request.args.get("view") if request.args.get("view") in VIEWS else "story"
    error = None
    try:
        f = parse_filter(request.args)
    except BadParameter as exc:
        error, f = str(exc), query.EventFilter()
    common = {
        "view": view,
        "args": request.args,
        "error": error,
        "key_events": KEY_EVENTS,
        "low_confidence": f.min_confidence == 0,
        # Both views keep every other parameter, so switching back and forth loses no filter.
        "story_url": _dashboard_url(view=None),
        "chart_url": _dashboard_url(view="chart"),
        "map_url": _dashboard_url(view="map"),
        "plotly_version": plotly_version(),
        "scope": views.scope(store),
    }
    status = 400 if error else 200
    if view == "story":
        return render_template("dashboard.html", **common, **_story(store, f)), status
    if view == "map":
        return render_template("dashboard.html", **common, **_map(store, f)), status
    page = query.list_events(store, f, limit=FALLBACK_LIST_SIZE)
    # suggestions for the entity box (the filter matches whole names and aliases)
    names = Counter(n["name"] for e in page["events"] for n in e["entities"])
    return render_template(
        "dashboard.html",
        **common,
        events=page["events"],
        total=page["total"],
        kinds=query.kinds(store, f.min_confidence),
        entity_names=sorted(name for name, _ in names.most_common(300)),
    ), status


def _story(store: Store, f: query.EventFilter) -> dict[str, Any]:
    """The story view's data: the key events in date order (a timeline reads forwards), and
    the links an empty story offers (a database without events is ``views.scope``'s)."""
    chosen = query.top_events(store, KEY_EVENTS, sentences=STORY_SENTENCES,
                              date_from=f.date_from, date_to=f.date_to,
                              min_confidence=f.min_confidence)
    entries = [_story_entry(e) for e in sorted(chosen, key=lambda e: (e["date"], -e["score"]))]
    return {
        "entries": entries,
        "dated": bool(f.date_from or f.date_to),
        "every_date_url": _dashboard_url(view=None, **{"from": None, "to": None}),
        "low_confidence_url": _dashboard_url(view=None, min_confidence="0"),
    }


def _map(store: Store, f: query.EventFilter) -> dict[str, Any]:
    """The map view's data: the places counted, each with its links (the chart filtered by it,
    its own page); the form's kinds; whether the map's outlines are installed, and where."""
    counted = geo.place_counts(store, f)

    def linked(entry: geo.PlaceCount) -> dict[str, Any]:
        return {**entry, "chart_url": _dashboard_url(view="chart", entity=entry["name"]),
                "page_url": url_for("pages.entity", ref=entry["id"])}

    # plotly.js asks for topojsonURL + "world_50m.json": the folder of that file's URL.
    outlines = url_for("map_api.topojson", name=MAP_FILE)
    return {
        "places": [linked(e) for e in counted["places"]],
        "unplaced": [linked(e) for e in counted["unplaced"]],
        "total_events": counted["total_events"],
        "truncated": counted["truncated"],
        "kinds": query.kinds(store, f.min_confidence),
        "map_data": map_data_installed(),
        "topojson_url": outlines[: outlines.rindex("/") + 1],
    }


def _dashboard_url(**changes: str | None) -> str:
    """This dashboard's URL with some parameters changed (``None`` removes one). Built from
    the query string, never through ``url_for``, whose ``_scheme``/``_external`` keywords a
    visitor must not be able to set."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    here: str = url_for("pages.dashboard")
    return f"{here}?{urlencode(params)}" if params else here


def _story_entry(event: dict[str, Any]) -> dict[str, Any]:
    """One key event as the story shows it: the machine-readable date for ``<time>``, the date
    as written when it says more than the label, and the precision when it is not the day."""
    written = (event.get("date_text") or "").strip()
    if event["precision"] == "reported" or written.casefold() in event["date_label"].casefold():
        written = ""
    return {
        **event,
        "datetime": _datetime_attr(event["date"], event["precision"]),
        "written": written,
        "precision_note": PRECISION_NOTES.get(event["precision"], ""),
    }


def _datetime_attr(start: str, precision: str) -> str:
    """A valid HTML ``datetime`` value no more precise than what is known."""
    if precision == "year":
        return start[:4]
    if precision == "month":
        return start[:7]
    return start


@bp.get("/events/<event_id>")
def event(event_id: str) -> Any:
    found = query.get_event(get_store(), event_id)
    if found is None:
        abort(404, description=f"No event with id {event_id!r}. It may have been removed.")
    return render_template("event.html", event=found,
                           precision_note=PRECISION_NOTES.get(found["precision"], ""),
                           related=views.related_events(get_store(), found))


@bp.get("/sources")
def sources() -> Any:
    details = request.args.get("details") in ("1", "true", "yes")
    full = has_token()
    if details and not full:
        if configured_token() is None:
            return refuse(403, "Error details are for holders of the API token, and none is "
                               "configured: set TRACKER_API_TOKEN on the server.")
        return challenge("Error details need the API token: sign in with any user name and "
                         "the token as password.")
    store = get_store()
    return render_template(
        "sources.html", sources=query.list_sources(store, public=not full),
        runs=query.recent_runs(store, public=not full), full=full,
        details_url=url_for("pages.sources", details=1),
    )


@bp.get("/entities")
def entities() -> Any:
    kind = request.args.get("kind") or None
    found = query.list_entities(get_store(), q=text_param(request.args, "q"),
                                kind=kind if kind in ("person", "place", "org") else None,
                                limit=500)
    return render_template("entities.html", entities=found["entities"], args=request.args)


@bp.get("/entities/<ref>")
def entity(ref: str) -> Any:
    found = query.get_entity(get_store(), ref)
    if found is None:
        abort(404, description=f"No person, place or organization {ref!r}.")
    return render_template("entity.html", entity=found, months=views.entity_timeline(found))
