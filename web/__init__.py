"""The web app: a Flask app factory with the dashboard pages, the JSON API and the vendored Plotly.

``create_app(settings)`` wires the blueprints (``web.pages``, ``web.api``, ``web.sources_api``,
``web.assets``, ``web.map_api``, ``web.things_api``, ``web.openapi``) and the API's HTTP
conventions (``web.http``: ``API-Version``, ``ETag`` and 304, CORS). It gives each request a
``Store``, opened on first use and kept by the server thread for its next requests
(``get_store``), and turns a database that cannot be opened into a clear 503 (JSON under
``/api``, an HTML page elsewhere) instead of a traceback; anonymous readers are not told the
database's path. It adds the security headers of
``web.security`` to every response, and with ``READS_NEED_TOKEN`` it puts
every read behind the API token (``web.auth``).

Settings (``create_app`` arguments, else the environment):

- ``DATABASE``: the database file (``TRACKER_DB``, else ``./tracker.db``);
- ``API_TOKEN``: the token for writes, and for reads when they need one (``TRACKER_API_TOKEN``);
- ``READS_NEED_TOKEN``: every page and API read needs the token (``TRACKER_READS_NEED_TOKEN=1``);
- ``EXPORT_CONCURRENCY``: how many exports may stream at once (``TRACKER_EXPORT_CONCURRENCY``;
  default 2; more get a 429).
- ``CORS_ORIGINS``: browser origins that may call the API, comma-separated, or ``*``
  (``TRACKER_CORS_ORIGINS``; off by default; see ``web.http``);
- ``TOPOJSON_DIR``: the map view's outlines (``TRACKER_TOPOJSON_DIR``, else
  ``<sys.prefix>/share/tracker/topojson``; see ``web.map_api``).

It only presents what ``tracker.query`` returns: it never writes to the database except
through the sources API, never runs ingestion or the scheduler (those live in their own
processes), and never loads anything from a CDN.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tracker.errors import StoreError, TrackerError
from tracker.store import Store

DEFAULT_EXPORT_CONCURRENCY = 2
EXPORT_ENV = "TRACKER_EXPORT_CONCURRENCY"
MAX_REQUEST_BYTES = 1024 * 1024  # the API takes small JSON documents only


class DatabaseUnavailable(Exception):
    """The configured database cannot be opened or read; answered with 503."""


class ConfigurationError(TrackerError):
    """The app's settings contradict each other; ``create_app`` refuses to start."""


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``settings`` override the defaults (``DATABASE``, ``TESTING``,
    ``API_TOKEN``, ``READS_NEED_TOKEN``, ``EXPORT_CONCURRENCY``, ...)."""
    from web import (
        aggregate_api,
        api,
        assets,
        auth,
        cache,
        http,
        map_api,
        openapi,
        pages,
        security,
        sources_api,
        things,
        things_api,
    )

    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.environ.get("TRACKER_DB") or str(Path.cwd() / "tracker.db"),
        TESTING=False,
        READS_NEED_TOKEN=auth.env_flag(auth.READS_ENV),
        EXPORT_CONCURRENCY=_env_int(EXPORT_ENV, DEFAULT_EXPORT_CONCURRENCY),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    if settings:
        app.config.update(settings)
    _check_settings(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the query layer's order

    auth.install(app)
    http.install(app)  # API-Version, ETag/Last-Modified and 304, CORS, JSON 405
    security.install(app)
    cache.install(app)
    api.install(app)
    app.register_blueprint(assets.bp)
    app.register_blueprint(sources_api.bp)  # before api: it owns /api/sources (GET and writes)
    app.register_blueprint(api.bp)
    app.register_blueprint(aggregate_api.bp)
    app.register_blueprint(map_api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(things.bp)
    app.register_blueprint(things_api.bp)
    app.register_blueprint(openapi.bp)
    app.extensions[_KEPT] = _ThreadStore()
    app.teardown_appcontext(_close_store)
    app.add_template_filter(_when, "when")
    _register_errors(app)
    return app


def _env_int(name: str, default: int) -> int | str:
    """A whole number from the environment; the text as given when it is none, for
    ``_check_settings`` to refuse with its message."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        return raw


def _check_settings(app: Flask) -> None:
    from web.auth import TOKEN_ENV

    if app.config["READS_NEED_TOKEN"] and not (app.config.get("API_TOKEN")
                                               or os.environ.get(TOKEN_ENV)):
        raise ConfigurationError(f"reads need a token (READS_NEED_TOKEN or "
                                 f"TRACKER_READS_NEED_TOKEN) but none is set: set {TOKEN_ENV}")
    slots = app.config["EXPORT_CONCURRENCY"]
    if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
        raise ConfigurationError(f"EXPORT_CONCURRENCY must be a whole number of at least 1, "
                                 f"got {slots!r}")


def _database_path() -> Path:
    from flask import current_app

    return Path(current_app.config["DATABASE"])


def _missing(path: Path) -> DatabaseUnavailable:
    # Opening a missing path would silently create an empty database; say what is wrong.
    return DatabaseUnavailable(
        f"database {path} does not exist: ingest articles first "
        f"(tracker ingest examples/spring-2025-talks.jsonl) or set TRACKER_DB")


def open_store() -> Store:
    """A new store on the configured database, for the caller to close (``get_store`` is the
    request's own; a streamed response outlives the request and needs this)."""
    path = _database_path()
    if not path.exists():
        raise _missing(path)
    try:
        return Store(path)
    except (StoreError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(str(exc)) from exc


class _ThreadStore(threading.local):
    """The connection one server thread keeps between requests (see ``get_store``)."""

    store: Store | None = None
    file: tuple[int, int] | None = None  # (device, inode) of the file it opened
    data_version: int | None = None  # what it last said of others' commits


def get_store() -> Store:
    """This request's store, opened on first use.

    Each server thread keeps its connection from one request to the next: opening one (pragmas,
    migration check, reading the schema, a cold page cache) cost more than a typical query. It
    is reopened when the file at the path is another (restored, replaced) and dropped after a
    database error; between requests it holds no transaction, so it sees every commit."""
    if "store" in g:
        store: Store = g.store
        return store
    from flask import current_app

    path = _database_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise DatabaseUnavailable(f"{path}: {exc.strerror or exc}") from None
    kept: _ThreadStore = current_app.extensions[_KEPT]
    if kept.store is None or kept.file != (stat.st_dev, stat.st_ino):
        _forget(kept)
        kept.store, kept.file = open_store(), (stat.st_dev, stat.st_ino)
    # Changes by any other connection since this one last looked: cached answers are stale.
    version = int(kept.store.db.execute("PRAGMA data_version").fetchone()[0])
    if version != kept.data_version:
        kept.data_version = version
        from web.cache import response_cache

        response_cache().changed()
    g.store = kept.store
    return kept.store


def _forget(kept: _ThreadStore) -> None:
    if kept.store is not None:
        with contextlib.suppress(sqlite3.Error):
            kept.store.close()
    kept.store, kept.file, kept.data_version = None, None, None


_KEPT = "tracker.thread_store"


def _when(value: str | None) -> str:
    """A stored ISO timestamp as people read it: "2025-05-02 10:00 UTC"."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.utcoffset() is not None:
        moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def _close_store(exc: BaseException | None) -> None:
    """Teardown: the thread keeps its connection, with no transaction left open; after a
    database error (raised, or answered by ``_db_error``) it starts afresh next time."""
    from flask import current_app

    store: Store | None = g.pop("store", None)
    if store is None:
        return
    kept: _ThreadStore = current_app.extensions[_KEPT]
    failed = exc is not None or g.pop("store_failed", False)
    try:
        if store.db.conn.in_transaction:
            store.db.conn.rollback()
    except sqlite3.Error:
        failed = True
    if store is not kept.store:
        store.close()
    elif failed:
        _forget(kept)


def wants_json() -> bool:
    """Whether this request is for the JSON API (errors then answer in JSON too)."""
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, message: str) -> tuple[Response, int]:
    """The one error shape of the API: ``{"ok": false, "error": ..., "status": ...}``."""
    return jsonify({"ok": False, "error": message, "status": status}), status


_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "malformed", "not a database",
                "no such table", "readonly", "disk is full")


# What SQLite says about a full-text query it cannot parse; ours are quoted word by word, so
# this is input we failed to clean, answered as a bad parameter, never as a 500.
_FTS_ERRORS = ("fts5:", "unterminated string", "unknown special query", "malformed match")


def _without_path(message: str, path: str) -> str:
    """``message`` with the database's path (and its folder) left out, for anonymous readers."""
    folder = str(Path(path).parent)
    message = message.replace(path, "the database")
    return message.replace(folder, "the database folder") if folder not in ("", ".", "/") \
        else message


def _register_errors(app: Flask) -> None:
    from web.api import BadParameter
    from web.auth import has_token

    @app.errorhandler(DatabaseUnavailable)
    def _db_unavailable(exc: DatabaseUnavailable) -> Any:
        app.logger.error("database unavailable: %s", exc)
        g.store_failed = True
        message = str(exc) if has_token() else _without_path(str(exc), app.config["DATABASE"])
        if wants_json():
            return json_error(503, f"database unavailable: {message}")
        return render_template("error.html", status=503, title="Database unavailable",
                               message=message), 503

    @app.errorhandler(BadParameter)
    def _bad_parameter(exc: BadParameter) -> Any:
        if wants_json():
            return json_error(400, str(exc))
        return render_template("error.html", status=400, title="Bad request",
                               message=str(exc)), 400

    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(sqlite3.DatabaseError)
    def _db_error(exc: sqlite3.DatabaseError) -> Any:
        # A locked, vanished or damaged file mid-request is the database's state, not a bug;
        # any other SQL error is a bug and goes to the generic handler.
        text = str(exc).lower()
        if text.startswith(_FTS_ERRORS):
            app.logger.warning("full-text query refused on %s: %s", request.path, exc)
            return _bad_parameter(BadParameter(f"q: the search could not be understood "
                                               f"({exc}); try plain words"))
        if any(sign in text for sign in _UNAVAILABLE):
            return _db_unavailable(DatabaseUnavailable(f"{app.config['DATABASE']}: {exc}"))
        return _unexpected(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if wants_json():
            message = "not found" if status == 404 else (exc.description or exc.name)
            return json_error(status, message)
        return render_template("error.html", status=status, title=exc.name,
                               message=exc.description), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if app.testing:
            raise exc  # let the test show the traceback
        app.logger.exception("unhandled error on %s", request.path)
        if wants_json():
            return json_error(500, "internal error")
        return render_template("error.html", status=500, title="Internal error",
                               message="Something went wrong; the server log has details."), 500
