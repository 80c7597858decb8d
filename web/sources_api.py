"""The sources API and the health check: blueprint ``sources_api`` under ``/api``.

- ``GET /api/sources``, ``GET /api/sources/<id>``: sources with their health and last run
  (open like the ``/sources`` page, unless reads need the token); one source has the shape of
  an item of the list (``tracker.query.Source``), also in the answers to writes;
- ``POST /api/sources`` (JSON ``{"url", "kind", "name", "interval", "language", "fetch_pages",
  "enabled"}``), ``DELETE /api/sources/<id>``, ``POST /api/sources/<id>/enable|disable``:
  writes, which need ``Authorization: Bearer <token>`` matching the app setting ``API_TOKEN`` or
  the environment's ``TRACKER_API_TOKEN`` (compared in constant time, ``web.auth``). A wrong or
  missing token is a 401; with no token configured at all, writes are refused with a 403 that
  says how to set one;
- ``GET /api/health``: every source's last success, last error, failure count, next due time
  and article count, the worker's heartbeat and the database size, for monitoring.

What a reader sees depends on the token. Source URLs are always redacted: no
``user:password@``, and secret query parameters masked. Anonymous readers get errors as a
coarse category ("HTTP 404", "timeout", "fetch failed", ...): the full text would tell them
which internal hosts refuse connections. They also get local paths as file names, and no
database path. A valid token (Bearer, or Basic password) shows the full error text and the
path (``tracker.query.present_source``).

Errors use the API's one shape ``{"ok": false, "error", "status"}``. Only feed and page URLs can
be added over HTTP: a local path would let an API client make the worker read any file on the
server into the dashboard, so folders and JSON-lines files are added by the CLI or the TOML
configuration. It does not fetch or poll anything (the worker does).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, jsonify, request

from tracker import query
from tracker.errors import InputError
from tracker.ids import canonical_url, source_id
from tracker.sources import add_source, guess_kind
from tracker.status import worker_status
from tracker.store import sources as table
from web import get_store, json_error
from web.auth import TOKEN_ENV, configured_token, has_bearer_token, has_token

bp = Blueprint("sources_api", __name__, url_prefix="/api")

__all__ = ["TOKEN_ENV", "bp", "requires_token"]

_FIELDS = {"url", "kind", "name", "interval", "language", "fetch_pages", "enabled"}

F = TypeVar("F", bound=Callable[..., Any])


def requires_token(view: F) -> F:
    """Refuse the request unless it carries the configured API token as a Bearer header (never
    Basic: a browser sends cached Basic credentials along with a cross-site form)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if configured_token() is None:
            return json_error(403, f"changing sources over the API is disabled: set "
                                   f"{TOKEN_ENV} (or API_TOKEN in the app settings) and send it "
                                   f"as 'Authorization: Bearer <token>'")
        if not has_bearer_token():
            response, status = json_error(401, "a valid API token is needed: send "
                                               "'Authorization: Bearer <token>'")
            response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
            return response, status
        return view(*args, **kwargs)

    return cast(F, guarded)


def _source(source_id: str, *, public: bool = False) -> query.Source | None:
    """One source as ``GET /api/sources`` lists it (``query.Source``), for every route."""
    return query.get_source(get_store(), source_id, public=public)


@bp.get("/sources")
def list_sources() -> Any:
    return jsonify({"ok": True, "sources": query.list_sources(get_store(),
                                                              public=not has_token())})


@bp.get("/sources/<source_id>")
def show_source(source_id: str) -> Any:
    found = _source(source_id, public=not has_token())
    if found is None:
        return json_error(404, f"no source {source_id}")
    return jsonify({"ok": True, "source": found})


@bp.post("/sources")
@requires_token
def create_source() -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "send a JSON object, e.g. {\"url\": \"https://…/feed.xml\"}")
    unknown = set(data) - _FIELDS
    if unknown:
        return json_error(400, f"unknown field {sorted(unknown)[0]!r}; "
                               f"known: {', '.join(sorted(_FIELDS))}")
    url = data.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        return json_error(400, "url must be an http:// or https:// URL (local folders and "
                               "files are added with the CLI)")
    checks: dict[str, tuple[type, ...]] = {
        "kind": (str,), "name": (str,), "interval": (int,), "language": (str,),
        "fetch_pages": (bool,), "enabled": (bool,),
    }
    for name, types in checks.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, types) or (
                types == (int,) and isinstance(value, bool))):
            return json_error(400, f"{name} has the wrong type: {value!r}")
    kind = data.get("kind")
    if kind is not None and kind not in ("feed", "page"):
        return json_error(400, f"kind must be feed or page over the API, got {kind!r}")
    store = get_store()
    existed = table.source_by_id(store, _peek_id(url, kind)) is not None
    try:
        # A field left out keeps an existing source's value (a new one gets the default).
        source = add_source(store, url, kind=kind, name=data.get("name"),
                            interval=data.get("interval"), language=data.get("language"),
                            fetch_pages=data.get("fetch_pages"), enabled=data.get("enabled"))
    except InputError as exc:
        return json_error(400, str(exc))
    return jsonify({"ok": True, "created": not existed, "source": _source(source.id)}), (
        200 if existed else 201)


def _peek_id(url: str, kind: str | None) -> str:
    """The id ``add_source`` will give this URL: to answer 201 for new, 200 for updated."""
    return source_id(kind or guess_kind(url), canonical_url(url.strip()))


@bp.delete("/sources/<source_id>")
@requires_token
def delete_source(source_id: str) -> Any:
    found = _source(source_id)
    if found is None:
        return json_error(404, f"no source {source_id}")
    table.delete_source(get_store(), source_id)
    return jsonify({"ok": True, "removed": found})


@bp.post("/sources/<source_id>/<action>")
@requires_token
def switch_source(source_id: str, action: str) -> Any:
    if action not in ("enable", "disable"):
        return json_error(404, "not found")
    store = get_store()
    if table.source_by_id(store, source_id) is None:
        return json_error(404, f"no source {source_id}")
    table.set_enabled(store, source_id, action == "enable")
    return jsonify({"ok": True, "source": _source(source_id)})


@bp.get("/health")
def health() -> Response:
    store = get_store()
    worker = worker_status(store)
    public = not has_token()
    sources = query.source_health(store, public=public)
    failing = [s["id"] for s in sources if s["enabled"] and s["consecutive_failures"]]
    size = table.database_bytes(store)
    database: dict[str, Any] = {"bytes": size}
    if not public:  # where the file is, only for token holders
        database = {"path": str(store.path), **database}
    return jsonify({
        "ok": True,
        "worker": worker,
        "worker_heartbeat": worker["heartbeat"],
        "database": database,
        "database_bytes": size,
        "failing": failing,
        "sources": sources,
    })
