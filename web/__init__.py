"""The web app: a Flask app factory with the dashboard pages, the JSON API and the vendored Plotly.

``create_app(settings)`` wires the blueprints (``web.pages``, ``web.api``, ``web.assets``), opens
one ``Store`` per request (lazily, on first use) and closes it on teardown, and turns a database
that cannot be opened into a clear 503 (JSON under ``/api``, an HTML page elsewhere) instead of a
traceback. It only presents what ``tracker.query`` returns: it never writes to the database, never
runs ingestion or the scheduler (those live in their own processes), and never loads anything
from a CDN.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tracker.errors import StoreError
from tracker.store import Store


class DatabaseUnavailable(Exception):
    """The configured database cannot be opened or read; answered with 503."""


def create_app(settings: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``settings`` override the defaults (``DATABASE``, ``TESTING``, ...)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.environ.get("TRACKER_DB") or str(Path.cwd() / "tracker.db"),
        TESTING=False,
    )
    if settings:
        app.config.update(settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the query layer's order

    from web import api, assets, pages, sources_api

    app.register_blueprint(assets.bp)
    app.register_blueprint(sources_api.bp)  # before api: it owns /api/sources (GET and writes)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.teardown_appcontext(_close_store)
    app.add_template_filter(_when, "when")
    _register_errors(app)
    return app


def get_store() -> Store:
    """This request's store, opened on first use; closed by the app on teardown."""
    if "store" not in g:
        from flask import current_app

        path = Path(current_app.config["DATABASE"])
        # Opening a missing path would silently create an empty database; say what is wrong.
        if not path.exists():
            raise DatabaseUnavailable(
                f"database {path} does not exist: ingest articles first "
                f"(tracker ingest examples/spring-2025-talks.jsonl) or set TRACKER_DB"
            )
        try:
            g.store = Store(path)
        except (StoreError, sqlite3.Error) as exc:
            raise DatabaseUnavailable(str(exc)) from exc
    store: Store = g.store
    return store


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


def _close_store(_exc: BaseException | None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def wants_json() -> bool:
    """Whether this request is for the JSON API (errors then answer in JSON too)."""
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, message: str) -> tuple[Response, int]:
    """The one error shape of the API: ``{"ok": false, "error": ..., "status": ...}``."""
    return jsonify({"ok": False, "error": message, "status": status}), status


_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "malformed", "not a database",
                "no such table", "readonly", "disk is full")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DatabaseUnavailable)
    def _db_unavailable(exc: DatabaseUnavailable) -> Any:
        app.logger.error("database unavailable: %s", exc)
        if wants_json():
            return json_error(503, f"database unavailable: {exc}")
        return render_template("error.html", status=503, title="Database unavailable",
                               message=str(exc)), 503

    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(sqlite3.DatabaseError)
    def _db_error(exc: sqlite3.DatabaseError) -> Any:
        # A locked, vanished or damaged file mid-request is the database's state, not a bug;
        # any other SQL error is a bug and goes to the generic handler.
        if any(sign in str(exc).lower() for sign in _UNAVAILABLE):
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
