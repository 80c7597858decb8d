"""The JSON API under ``/api``: events (filtered, keyset-paginated), one event, export, entities.

Shapes follow Datasette: ``{"ok": true, "events": [...], "next": cursor}`` and, for every
error, ``{"ok": false, "error": "...", "status": N}``. Parameters are validated here: a bad
date, cursor or limit, or text with control characters, is a 400 that says which parameter is
wrong. The data itself comes unchanged from ``tracker.query``. ``/api/export`` streams the events
of the same filters in a ``format`` of ``tracker.exports`` (JSON, NDJSON, CSV, iCalendar,
TimelineJS, GeoJSON; an unknown one is a 400 listing them). It reads in batches on its own
database connection, so memory stays flat however large the timeline. At most
``EXPORT_CONCURRENCY`` exports (default 2) run at once; one more is answered 429 with
``Retry-After``. It does not render HTML and never writes to the
database.
"""

from __future__ import annotations

import contextlib
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from tracker import exports, query
from tracker.dates import parse_iso_date
from tracker.models import EVENT_KINDS
from tracker.store import Store
from web import get_store, json_error, open_store
from web.cache import cached

bp = Blueprint("api", __name__, url_prefix="/api")

KEY_EVENTS = 25  # "key events": the most important events by score (sources, references)
MAX_SUMMARY_SENTENCES = 10
MAX_TEXT_PARAM = 300  # characters of q, kind or entity: room for any name or phrase
EXPORT_RETRY_AFTER = 10  # seconds: an export of a few thousand articles takes several
EXPORT_CHUNK = 64 * 1024  # characters per write of the streamed export
_EXPORT_SLOTS = "tracker.export_slots"


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


def text_param(args: Mapping[str, str], name: str) -> str | None:
    """A free-text parameter, stripped; None when empty. Control characters (NUL, escape
    sequences) are refused: no one types them, and SQLite's full-text parser stops at NUL."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if len(raw) > MAX_TEXT_PARAM:
        raise BadParameter(f"{name} must be at most {MAX_TEXT_PARAM} characters, got {len(raw)}")
    if any(unicodedata.category(c) == "Cc" for c in raw):
        raise BadParameter(f"{name} must not contain control characters")
    return raw


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
    q = text_param(args, "q") or ""
    if not any(word.strip('"') for word in q.split()):
        q = ""  # nothing but quotes would be an empty full-text query: treat as no query
    problem = query.search_syntax_error(q)
    if problem:
        raise BadParameter(f"q: {problem} (q is plain words, or SQLite FTS5 syntax: "
                           f'"a phrase", word*, AND, OR, NOT, title: word)')
    kind = text_param(args, "kind")
    if kind is not None and kind not in EVENT_KINDS:
        raise BadParameter(f"kind must be one of {', '.join(EVENT_KINDS)}, got {kind!r}")
    precision = text_param(args, "precision")
    if precision is not None and precision not in query.PRECISIONS:
        raise BadParameter(f"precision must be one of {', '.join(query.PRECISIONS)}, "
                           f"got {precision!r}")
    return query.EventFilter(
        date_from=dates.get("from"),
        date_to=dates.get("to"),
        q=q or None,
        kind=kind,
        entity=text_param(args, "entity"),
        place=text_param(args, "place"),
        source=text_param(args, "source"),
        precision=precision,
        min_sources=min_sources,
        top=top,
        min_confidence=_confidence_param(args),
    )


def install(app: Flask) -> None:
    """The app's export slots (a semaphore of ``EXPORT_CONCURRENCY``)."""
    app.extensions[_EXPORT_SLOTS] = threading.BoundedSemaphore(app.config["EXPORT_CONCURRENCY"])


@bp.get("/events")
@cached
def events() -> Any:
    f = parse_filter(request.args)
    limit = _int_param(request.args, "limit", query.DEFAULT_PAGE, 1, query.MAX_PAGE)
    if request.args.get("updated_since") is not None:
        return _sync_page(f, limit)
    after = request.args.get("after") or None
    if after is not None:
        try:
            query.decode_cursor(after)
        except ValueError as exc:
            raise BadParameter(f"after: {exc}; use the next value of a previous page") from None
    # The total on the first page; a later one counts again only when asked (count=1).
    count = after is None or request.args.get("count") in ("1", "true", "yes")
    return _page(query.list_events(get_store(), f, limit=limit, after=after, count=count),
                 "after")


def _sync_page(f: query.EventFilter, limit: int) -> Any:
    """``updated_since``: an ISO date or time (UTC when it names no zone), or the
    ``sync_token`` of an earlier answer; what changed since, tombstones included."""
    raw = (request.args.get("updated_since") or "").strip()
    if f.top:
        raise BadParameter("updated_since cannot be combined with key or top: the key events "
                           "are chosen anew each time; sync the events and rank them yourself")
    if request.args.get("after"):
        raise BadParameter("updated_since pages with its own tokens: follow next_url")
    since = _as_utc_time(raw)
    try:
        page = query.sync_events(get_store(), f, since=since,
                                 position=None if since is not None else raw, limit=limit)
    except ValueError:
        raise BadParameter("updated_since must be an ISO date or time (2025-06-01, "
                           "2025-06-01T12:00:00Z) or the sync_token of an earlier answer, "
                           f"got {raw!r}") from None
    page["sync_url"] = _url_with(updated_since=page["sync_token"])
    return _page(page, "updated_since")


def _as_utc_time(raw: str) -> str | None:
    """``raw`` as the database writes times (``2025-06-01T12:00:00+00:00``), None when it is
    not a date or time (then it may be a sync token)."""
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _url_with(**changes: str) -> str:
    """This request's path and query with some parameters replaced: a link another page of
    the same list is at (relative to the host, so it holds behind any proxy)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    params += list(changes.items())
    return f"{request.path}?{urlencode(params)}"


def _page(doc: dict[str, Any], cursor_param: str) -> Response:
    """A page of a list: ``next_url`` beside ``next``, and the same as a ``Link: rel="next"``
    header (RFC 8288), as GitHub's API gives it."""
    doc["next_url"] = _url_with(**{cursor_param: doc["next"]}) if doc.get("next") else None
    response = jsonify(doc)
    if doc["next_url"]:
        response.headers["Link"] = f'<{doc["next_url"]}>; rel="next"'
    return response


@bp.get("/events/<event_id>")
def event(event_id: str) -> Any:
    found = query.get_event(get_store(), event_id)
    if found is None:
        return json_error(404, "event not found")
    return jsonify({"ok": True, "event": found})


@bp.get("/export")
def export() -> Any:
    """The events of the filters, streamed in ``format`` (``tracker.exports.FORMATS``; default
    ``json``, the same document as ``query.export_timeline``)."""
    # A bad parameter, the format included, is a 400 before a slot is taken or anything streams.
    name = (request.args.get("format") or exports.DEFAULT).strip().lower()
    if name not in exports.FORMATS:
        raise BadParameter(f"format must be one of {exports.names()}, got "
                           f"{request.args.get('format')!r}")
    chosen = exports.FORMATS[name]
    f = parse_filter(request.args)
    slots: threading.BoundedSemaphore = current_app.extensions[_EXPORT_SLOTS]
    if not slots.acquire(blocking=False):
        busy, status = json_error(429, f"too many exports at once (at most "
                                       f"{current_app.config['EXPORT_CONCURRENCY']}); retry in "
                                       f"{EXPORT_RETRY_AFTER} seconds")
        busy.headers["Retry-After"] = str(EXPORT_RETRY_AFTER)
        return busy, status
    try:
        # Its own connection: the request's goes back to its thread at teardown, before the
        # body is sent, and the export's long read snapshot must not sit on it. Opened here,
        # so a missing database is still a proper 503.
        store = open_store()
    except BaseException:
        slots.release()
        raise
    finish = _Once(slots.release, store)
    log = current_app.logger  # the body runs after the request's context is gone

    def body() -> Iterator[str]:
        try:
            yield from _chunked(chosen.pieces(store, f), EXPORT_CHUNK)
        except Exception:
            # Headers are sent: the client sees a cut-off document, the log says why.
            log.exception("export failed while streaming")
            raise
        finally:
            finish()

    response = Response(body(), content_type=chosen.media_type)
    # Also when the body is never read (a client gone before the first byte, a HEAD request).
    response.call_on_close(finish)
    if request.args.get("download") in ("1", "true", "yes"):
        response.headers["Content-Disposition"] = (
            f"attachment; filename=timeline.{chosen.extension}")
    return response


class _Once:
    """Give back an export's slot and close its store, once, whoever calls first: the end of
    the body, or the server closing the response."""

    def __init__(self, release: Callable[[], Any], store: Store) -> None:
        self._release, self._store = release, store
        self._lock = threading.Lock()
        self._done = False

    def __call__(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._release()
        # Closed from another thread, sqlite3 refuses; the connection then goes with the object.
        with contextlib.suppress(Exception):
            self._store.close()


def _chunked(pieces: Iterable[str], size: int) -> Iterator[str]:
    """Pieces joined into writes of about ``size`` characters (one per event would be tens of
    thousands of tiny writes)."""
    buffer: list[str] = []
    held = 0
    for piece in pieces:
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield "".join(buffer)


@bp.get("/top")
@cached
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
@cached
def kinds() -> Any:
    return jsonify({"ok": True, "kinds": query.kinds(get_store(),
                                                     _confidence_param(request.args))})


@bp.get("/entities")
def entities() -> Any:
    limit = _int_param(request.args, "limit", query.DEFAULT_PAGE, 1, query.MAX_PAGE)
    kind = (request.args.get("kind") or "").strip() or None
    if kind not in (None, "person", "place", "org"):
        raise BadParameter(f"kind must be person, place or org, got {kind!r}")
    q = text_param(request.args, "q")
    after = request.args.get("after") or None
    if after is not None:
        try:
            query.decode_entity_cursor(after)
        except ValueError as exc:
            raise BadParameter(f"after: {exc}; use the next value of a previous page") from None
    page = query.list_entities(get_store(), q=q, kind=kind, limit=limit, after=after)
    return _page(cast(dict[str, Any], page), "after")


@bp.get("/entities/<ref>")
def entity(ref: str) -> Any:
    found = query.get_entity(get_store(), ref)
    if found is None:
        return json_error(404, "entity not found")
    return jsonify({"ok": True, "entity": found})
