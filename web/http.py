"""HTTP conventions of the JSON API: its version, validators and conditional GET, CORS, 405.

For every response under ``/api`` (``install`` adds the hooks):

- **Version.** An ``API-Version`` header (``tracker.query.API_VERSION``, also the OpenAPI
  document's ``info.version``). Documents may gain keys within a version; a renamed or removed
  key is a new version.
- **Validators.** A successful, non-streamed GET gets a strong ``ETag``: a hash of the body, so
  it changes exactly when the answer does (a change to the database, another reader's view).
  Answers made of events, entities and articles (``DATED_ENDPOINTS``) also get a
  ``Last-Modified``: the newest write the store records (``tracker.store.change_reads``), read
  before the view reads its data, so it is never newer than the data sent; while that write is
  less than ``SETTLE_SECONDS`` old it is left out (the store stamps a write inside its
  transaction and the header counts whole seconds: a second write in the same second must not
  look older than a copy already sent). ``If-None-Match`` or ``If-Modified-Since`` then get 304
  with no body (werkzeug's ``make_conditional``). ``Cache-Control: no-cache`` makes caches and
  browsers ask again each time instead of guessing a lifetime from ``Last-Modified``; answers
  that differ by reader (sources, health, or every answer when reads need the token) are also
  ``private`` and ``Vary: Authorization``. Streamed exports have no validators.
- **CORS**, off by default. ``CORS_ORIGINS`` (setting; ``TRACKER_CORS_ORIGINS``, comma
  separated) lists the origins whose pages may call the API from a browser, or is ``*`` for any.
  Reads (GET, HEAD) get ``Access-Control-Allow-Origin`` for an allowed ``Origin``; writes only
  for an origin listed by name, never through ``*``. A preflight (OPTIONS with
  ``Access-Control-Request-Method``) from an allowed origin is answered 204 with the methods,
  the headers (``Authorization`` and ``Content-Type`` only for listed origins, so a page of any
  origin cannot send a token) and ``Access-Control-Max-Age``; it needs no token, as browsers
  send none with it. A private tracker (``READS_NEED_TOKEN``) answers preflights only for
  listed origins.
- **405** answers in the API's error shape, with its ``Allow`` header.

It does not authenticate (``web.auth``), validate parameters (``web.api``) or cache answers
(``web.cache``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, render_template, request
from werkzeug.exceptions import MethodNotAllowed

from tracker import clock
from tracker.query import API_VERSION
from tracker.store.change_reads import last_write_at

VERSION_HEADER = "API-Version"
CORS_ENV = "TRACKER_CORS_ORIGINS"
PREFLIGHT_MAX_AGE = 600  # seconds a browser may keep a preflight's answer
SETTLE_SECONDS = 5
READ_METHODS = ("GET", "HEAD")
# Answers that depend on nothing but events, entities and articles, whose changes the store
# dates (an event change or a run).
DATED_ENDPOINTS = frozenset({
    "api.events", "api.event", "api.top", "api.kinds", "api.entities", "api.entity",
    "aggregate_api.aggregate", "aggregate_api.overview", "map_api.places", "things_api.article",
})
# Answers that show token holders more (full errors, the database's path).
PER_READER_ENDPOINTS = frozenset({
    "sources_api.list_sources", "sources_api.show_source", "sources_api.health",
})
EXPOSED_HEADERS = "API-Version, ETag, Last-Modified, Link, Retry-After"
READ_HEADERS = "If-None-Match, If-Modified-Since"
TOKEN_HEADERS = "Authorization, Content-Type"
_CORS = "tracker.cors"
_LAST_WRITE = "tracker.last_write"


@dataclass(frozen=True)
class Cors:
    """Which browser origins may call the API: any (``*``) or those listed."""

    any_origin: bool = False
    origins: frozenset[str] = frozenset()

    @property
    def on(self) -> bool:
        return self.any_origin or bool(self.origins)


def parse_origins(value: object) -> Cors:
    """``CORS_ORIGINS`` as given (text, comma-separated, or a list): ``*``, or origins such as
    ``https://news.example.org``. ValueError for anything else (a path, a missing scheme)."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(item) for item in value]
    elif not value:
        items = []
    else:
        raise ValueError(f"CORS_ORIGINS must be text or a list of origins, got {value!r}")
    names = [item.strip() for item in items if item.strip()]
    if "*" in names:
        if len(names) > 1:
            raise ValueError("CORS_ORIGINS is either * or a list of origins, not both")
        return Cors(any_origin=True)
    origins = set()
    for name in names:
        parts = urlsplit(name)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in (
                "", "/") or parts.query or parts.fragment or "@" in parts.netloc:
            raise ValueError(f"CORS_ORIGINS: {name!r} is not an origin such as "
                             f"https://news.example.org (scheme, host and port only)")
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return Cors(origins=frozenset(origins))


def install(app: Flask) -> None:
    from web import ConfigurationError

    app.config.setdefault("CORS_ORIGINS", os.environ.get(CORS_ENV, ""))
    try:
        app.extensions[_CORS] = parse_origins(app.config["CORS_ORIGINS"])
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    app.extensions[_LAST_WRITE] = _LastWrite()
    # The preflight goes first, before the token check: browsers send no token with it.
    app.before_request_funcs.setdefault(None, []).insert(0, _preflight)
    app.before_request(_read_last_write)
    app.after_request(_conventions)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)


def _is_api() -> bool:
    from web import wants_json

    return wants_json()


def _cors() -> Cors:
    cors: Cors = current_app.extensions[_CORS]
    return cors


# ---------------------------------------------------------------- CORS

def _preflight() -> Response | None:
    origin = request.headers.get("Origin", "")
    asked = request.headers.get("Access-Control-Request-Method", "").upper()
    if request.method != "OPTIONS" or not _is_api() or not origin or not asked:
        return None
    cors = _cors()
    listed = origin.lower() in cors.origins
    if not listed and not (cors.any_origin and not current_app.config.get("READS_NEED_TOKEN")):
        return None  # not for us: the usual answer (or the token check's), no CORS headers
    response = current_app.make_default_options_response()
    response.status_code = 204
    response.set_data(b"")
    del response.headers["Content-Type"]
    response.headers["Vary"] = "Origin"
    offered = set(response.allow)
    methods = [m for m in READ_METHODS if m in offered]
    if listed:
        methods += sorted(offered - {*READ_METHODS, "OPTIONS"})
    if asked not in methods:
        return response  # the browser refuses: no Access-Control-Allow-* headers
    response.headers["Access-Control-Allow-Origin"] = origin if listed else "*"
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = (
        f"{READ_HEADERS}, {TOKEN_HEADERS}" if listed else READ_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _add_cors(response: Response) -> None:
    cors = _cors()
    if not cors.on:
        return
    if cors.origins:
        response.vary.add("Origin")  # the answer differs by origin: caches must know
    origin = request.headers.get("Origin", "")
    if not origin or "Access-Control-Allow-Origin" in response.headers or (
            request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers):
        return  # a preflight is ``_preflight``'s to answer, refusals included
    if origin.lower() in cors.origins:
        response.headers["Access-Control-Allow-Origin"] = origin
    elif cors.any_origin and request.method in (*READ_METHODS, "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        return
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


# ---------------------------------------------------------------- validators

@dataclass
class _LastWrite:
    """The newest recorded write, read once per database generation (``web.cache``)."""

    generation: int = -1
    value: datetime | None = None


def _read_last_write() -> None:
    """``before_request``: for a dated answer, when the data last changed, read before the
    view reads the data (so the header is never newer than what is sent)."""
    if request.method not in READ_METHODS or request.endpoint not in DATED_ENDPOINTS:
        return
    from web import get_store
    from web.cache import response_cache

    store = get_store()  # moves the generation on if the database changed
    generation = response_cache().generation
    memo: _LastWrite = current_app.extensions[_LAST_WRITE]
    if memo.generation != generation:
        text = last_write_at(store)
        value = _parse_time(text) if text else None
        memo = _LastWrite(generation, value)
        current_app.extensions[_LAST_WRITE] = memo
    g.last_write = memo.value


def _parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _add_validators(response: Response) -> None:
    if request.method not in READ_METHODS or response.status_code != 200 \
            or response.is_streamed or response.direct_passthrough:
        return
    if "ETag" not in response.headers:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:40])
    last_write: datetime | None = g.get("last_write")
    if last_write is not None and last_write <= clock.now() - timedelta(seconds=SETTLE_SECONDS):
        response.last_modified = last_write
    per_reader = bool(current_app.config.get("READS_NEED_TOKEN")) \
        or request.endpoint in PER_READER_ENDPOINTS
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-cache" if per_reader else "no-cache"
    if per_reader:
        response.vary.add("Authorization")
    response.make_conditional(request)


def _conventions(response: Response) -> Response:
    if not _is_api():
        return response
    response.headers[VERSION_HEADER] = API_VERSION
    _add_cors(response)
    _add_validators(response)
    return response


# ---------------------------------------------------------------- 405

def _method_not_allowed(exc: MethodNotAllowed) -> Any:
    from web import json_error

    allow = dict(exc.get_headers()).get("Allow", "")
    if _is_api():
        response, status = json_error(405, f"{request.method} is not allowed here; allowed: "
                                           f"{allow or 'none'}")
    else:
        response = Response(render_template("error.html", status=405, title=exc.name,
                                            message=exc.description), mimetype="text/html")
        status = 405
    if allow:
        response.headers["Allow"] = allow
    return response, status
