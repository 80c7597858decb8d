"""The JSON API under ``/api``: events (filtered, keyset-paginated), one event, export, entities.

Shapes follow Datasette: ``{"ok": true, "events": [...], "next": cursor}`` and, for every
error, ``{"ok": false, "error": "...", "status": N}``. Parameters are validated here (a bad
date, cursor or limit is a 400 that says which parameter is wrong); the data itself comes
unchanged from ``tracker.query``. It does not render HTML and never writes to the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from tracker import query
from tracker.dates import parse_iso_date
from web import get_store, json_error

bp = Blueprint("api", __name__, url_prefix="/api")

KEY_EVENTS = 25  # "key events": the most important events by score (sources, references)
MAX_SUMMARY_SENTENCES = 10


class BadParameter(ValueError):
    """A query-string parameter a user got wrong; the message names it."""


def _int_param(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise BadParameter(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _confidence_param(args: Mapping[str, str]) -> float:
    """``min_confidence``: events less sure than this are left out (default: the tracker's
    threshold; 0 brings back every stored event)."""
    raw = (args.get("min_confidence") or "").strip()
    if not raw:
        return query.MIN_CONFIDENCE
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"min_confidence must be a number from 0 to 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise BadParameter(f"min_confidence must be between 0 and 1, got {value}")
    return value


def parse_filter(args: Mapping[str, str]) -> query.EventFilter:
    """The ``EventFilter`` a query string asks for (shared by the API and the dashboard page)."""
    dates = {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                dates[name] = parse_iso_date(raw)
            except ValueError as exc:
                raise BadParameter(f"{name}: {exc}") from None
    if "from" in dates and "to" in dates and dates["from"] > dates["to"]:
        raise BadParameter("from must not be after to")
    min_sources = _int_param(args, "min_sources", 0, 0, 1_000_000)
    top = _int_param(args, "top", 0, 0, 1_000_000)
    if args.get("key") in ("1", "true", "on", "yes"):
        top = top or KEY_EVENTS
    q = (args.get("q") or "").strip()
    if not any(word.strip('"') for word in q.split()):
        q = ""  # nothing but quotes would be an empty full-text query: treat as no query
    return query.EventFilter(
        date_from=dates.get("from"),
        date_to=dates.get("to"),
        q=q or None,
        kind=(args.get("kind") or "").strip() or None,
        entity=(args.get("entity") or "").strip() or None,
        min_sources=min_sources,
        top=top,
        min_confidence=_confidence_param(args),
    )


@bp.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter) -> tuple[Response, int]:
    return json_error(400, str(exc))


@bp.get("/events")
def events() -> Any:
    f = parse_filter(request.args)
    limit = _int_param(request.args, "limit", query.DEFAULT_PAGE, 1, query.MAX_PAGE)
    after = request.args.get("after") or None
    if after is not None:
        try:
            query.decode_cursor(after)
        except ValueError as exc:
            raise BadParameter(f"after: {exc}; use the next value of a previous page") from None
    return jsonify(query.list_events(get_store(), f, limit=limit, after=after))


@bp.get("/events/<event_id>")
def event(event_id: str) -> Any:
    found = query.get_event(get_store(), event_id)
    if found is None:
        return json_error(404, "event not found")
    return jsonify({"ok": True, "event": found})


@bp.get("/export")
def export() -> Any:
    doc = query.export_timeline(get_store(), parse_filter(request.args))
    response = jsonify(doc)
    if request.args.get("download") in ("1", "true", "yes"):
        response.headers["Content-Disposition"] = "attachment; filename=timeline.json"
    return response


@bp.get("/top")
def top() -> Any:
    """The key events (the story view's), best first: ``k``, ``sentences`` per summary,
    ``from``/``to`` and ``min_confidence`` as for ``/api/events``."""
    f = parse_filter(request.args)
    k = _int_param(request.args, "k", 10, 1, 1000)
    sentences = _int_param(request.args, "sentences", 3, 0, MAX_SUMMARY_SENTENCES)
    return jsonify({"ok": True, "events": query.top_events(
        get_store(), k, sentences=sentences, date_from=f.date_from, date_to=f.date_to,
        min_confidence=f.min_confidence)})


@bp.get("/kinds")
def kinds() -> Any:
    return jsonify({"ok": True, "kinds": query.kinds(get_store(),
                                                     _confidence_param(request.args))})


@bp.get("/entities")
def entities() -> Any:
    limit = _int_param(request.args, "limit", query.DEFAULT_PAGE, 1, query.MAX_PAGE)
    kind = (request.args.get("kind") or "").strip() or None
    if kind not in (None, "person", "place", "org"):
        raise BadParameter(f"kind must be person, place or org, got {kind!r}")
    return jsonify(query.list_entities(get_store(), q=request.args.get("q"), kind=kind,
                                       limit=limit))


@bp.get("/entities/<ref>")
def entity(ref: str) -> Any:
    found = query.get_entity(get_store(), ref)
    if found is None:
        return json_error(404, "entity not found")
    return jsonify({"ok": True, "entity": found})
