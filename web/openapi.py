"""The API described: OpenAPI 3.1 at ``/api/openapi.json`` and a readable page at ``/api/``.

``document()`` builds the OpenAPI document from two things: ``OPERATIONS`` below (every route
under ``/api``: its parameters with the ranges ``web.api`` enforces, its answers, an example
request) and the TypedDicts of ``tracker.query``, which ``tracker.schema`` converts into the
document's ``components.schemas``. The response shapes are therefore written once, where the
query layer builds them; ``tests/test_openapi.py`` checks that every route of the app is here
and runs schemathesis against the document to check the app keeps it.

``/api/`` renders the same document as HTML (``templates/api.html``): each route with its
parameters, answers and an example request, then each schema. No script: the page works under
the app's Content-Security-Policy. Both routes read no database; with ``READS_NEED_TOKEN`` they
need the token like every other read (the document holds nothing secret, but a private
tracker does not announce what it serves). It describes and does not enforce: validation stays
in ``web.api`` and the other blueprints.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from markupsafe import Markup, escape

from tracker import aggregate, exports, geo, query
from tracker.models import EVENT_KINDS, PRECISIONS
from tracker.schema import json_schemas
from web.api import KEY_EVENTS, MAX_SUMMARY_SENTENCES, MAX_TEXT_PARAM

bp = Blueprint("openapi", __name__, url_prefix="/api")

REF = "#/components/schemas/"
TITLE = "Event timeline tracker API"


@dataclass(frozen=True)
class Param:
    """One parameter of a route: ``where`` is ``query`` or ``path``."""

    name: str
    schema: dict[str, Any]
    description: str
    example: Any = None
    where: str = "query"


@dataclass(frozen=True)
class Operation:
    """One route and method: what it takes, what it answers (a ``tracker.query`` TypedDict,
    or ``content`` for anything else) and which errors it may give."""

    method: str
    path: str  # OpenAPI form: /api/events/{event_id}
    tag: str
    summary: str
    description: str
    example: str  # a request, as a path and query string
    response: object = None
    content: dict[str, Any] | None = None  # media type -> schema, when not one TypedDict
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (400,)
    body: object = None  # a TypedDict the request sends as JSON
    created: bool = False  # answers 201 for something new
    writes: bool = False
    conditional: bool = True  # has an ETag and answers a conditional GET with 304
    extra: dict[str, Any] = field(default_factory=dict)


def _text(name: str, description: str, example: str | None = None) -> Param:
    return Param(name, {"type": "string", "maxLength": MAX_TEXT_PARAM}, description, example)


def _int(name: str, lo: int, hi: int, description: str) -> Param:
    return Param(name, {"type": "integer", "minimum": lo, "maximum": hi}, description)


def _path(name: str, description: str) -> Param:
    return Param(name, {"type": "string", "minLength": 1}, description, where="path")


MIN_CONFIDENCE = Param(
    "min_confidence", {"type": "number", "minimum": 0, "maximum": 1},
    f"Leave out events less sure than this (default {query.MIN_CONFIDENCE}; 0 brings back "
    f"every stored event).")
FROM = Param("from", {"type": "string", "format": "date"},
             "Events ending on or after this day (YYYY-MM-DD).", "2025-05-01")
TO = Param("to", {"type": "string", "format": "date"},
           "Events starting on or before this day (YYYY-MM-DD); not before `from`.",
           "2025-05-31")
FILTERS: tuple[Param, ...] = (
    FROM, TO,
    _text("q", "Full-text search of titles, dates as written and summaries: plain words, or "
               'SQLite FTS5 syntax ("a phrase", word*, AND, OR, NOT, title: word).', "talks"),
    Param("kind", {"type": "string", "enum": list(EVENT_KINDS)},
          "Only events of this kind.", "diplomacy"),
    _text("entity", "Only events naming this person, place or organization (id, name or "
                    "alias).", "Istanbul"),
    _text("place", "Only events naming this place (id, name or alias)."),
    _text("source", "Only events reported by this source (its name or id)."),
    Param("precision", {"type": "string", "enum": list(PRECISIONS)},
          "Only events dated to this precision.", "day"),
    _int("min_sources", 0, 1_000_000, "Only events reported by at least this many sources."),
    MIN_CONFIDENCE,
    Param("key", {"type": "boolean"},
          f"Only the {KEY_EVENTS} key events (the story view's selection)."),
    _int("top", 0, 1_000_000, "Only the `top` key events (0: all events)."),
)
LIMIT = _int("limit", 1, query.MAX_PAGE,
             f"Events per page (default {query.DEFAULT_PAGE}).")
MAX_BUCKETS = _int("max_buckets", 1, aggregate.MAX_BUCKETS,
                   f"The most periods `auto` may cut the range into (default "
                   f"{aggregate.MAX_BUCKETS}).")


def _export_content() -> dict[str, Any]:
    """One entry per media type of ``tracker.exports.FORMATS``."""
    content: dict[str, Any] = {}
    for name, chosen in exports.FORMATS.items():
        media = chosen.media_type.split(";")[0].strip()
        entry = content.setdefault(media, {"formats": []})
        entry["formats"].append(name)
    out: dict[str, Any] = {}
    for media, entry in content.items():
        names = entry["formats"]
        schema: dict[str, Any]
        if media == "application/json":
            # ``json`` and ``timelinejs`` share the media type; ``format`` tells them apart.
            schema = {"anyOf": [{"$ref": REF + "ExportDocument"},
                                {"type": "object", "required": ["events"],
                                 "description": "A TimelineJS document (format=timelinejs)"}]}
        elif media.endswith("json"):
            schema = {"type": "object"}
        else:
            schema = {"type": "string"}
        out[media] = {"schema": schema, "x-formats": names}
    return out


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get", "/api/events", "events", "A page of events, or what changed since a time",
        "The events matching the filters in date order, `limit` at a time: follow `next_url` "
        "(or the `Link: rel=\"next\"` header) for the next page. With `updated_since` (an ISO "
        "date or time, or the `sync_token` of an earlier answer) it answers what changed "
        "since instead, in commit order: active events whole with `\"status\": \"active\"`, "
        "and tombstones for events merged into another or gone; keep `sync_token` for the "
        "next sync.",
        "/api/events?from=2025-05-01&to=2025-05-31&kind=diplomacy&limit=20",
        content={"application/json": {"schema": {"anyOf": [
            {"$ref": REF + "EventPage"}, {"$ref": REF + "SyncPage"}]}}},
        params=(*FILTERS, LIMIT,
                Param("after", {"type": "string"},
                      "Where the page starts: the `next` of the previous page."),
                Param("count", {"type": "boolean"},
                      "Count every match (`total`) on a page after the first too; otherwise "
                      "`total` is null there."),
                Param("updated_since", {"type": "string"},
                      "Sync: what changed since this ISO date or time (UTC unless it names a "
                      "zone), or since the `sync_token` of an earlier answer. Not with `key` "
                      "or `top`.", "2025-06-01T00:00:00Z")),
    ),
    Operation(
        "get", "/api/events/{event_id}", "events", "One event with its evidence",
        "The event with its entities, every mention behind it (sentence, offsets, article, "
        "outlet, the date as written), the outlets that reported it and its summary. An id "
        "that was merged into another event answers that event, with `merged_from`.",
        "/api/events/{event_id}", query.EventResponse,
        params=(_path("event_id", "The event's id."),), errors=(404,),
    ),
    Operation(
        "get", "/api/export", "events", "Every event of the filters, streamed",
        "The events of the filters with their mentions, in one of the `format`s, streamed "
        "whatever the size. At most a few exports run at once; one more is answered 429 "
        "with `Retry-After`.",
        "/api/export?format=ndjson&from=2025-05-01", content=_export_content(),
        params=(Param("format", {"type": "string", "enum": list(exports.FORMATS)},
                      "The format (default json).", "json"),
                Param("download", {"type": "boolean"},
                      "Ask the browser to save it as a file."),
                *FILTERS),
        errors=(400, 429), conditional=False,
    ),
    Operation(
        "get", "/api/top", "events", "The key events, best first",
        "The key events (the story view's): the most important day-dated events, one per "
        "day, each with a summary.",
        "/api/top?k=10&sentences=2", query.TopList,
        params=(_int("k", 1, 1000, "How many (default 10)."),
                _int("sentences", 0, MAX_SUMMARY_SENTENCES,
                     "Sentences per summary at most (default 3)."),
                FROM, TO, MIN_CONFIDENCE),
    ),
    Operation(
        "get", "/api/kinds", "events", "Event kinds with their counts",
        "Each kind of event with how many events it has, the most first.",
        "/api/kinds", query.KindList, params=(MIN_CONFIDENCE,),
    ),
    Operation(
        "get", "/api/aggregate", "events", "Events counted per period",
        "How many events of the filters fall in each day, week (from Monday) or month, per "
        "kind (`group=kind`) or per person and place (`group=entity`, the 12 busiest). "
        "`auto` takes the finest period that keeps the range within `max_buckets`.",
        "/api/aggregate?bucket=week&from=2025-01-01", query.Aggregate,
        params=(*FILTERS,
                Param("bucket", {"type": "string",
                                 "enum": ["auto", *aggregate.BUCKETS]},
                      "The period counted (default auto)."),
                MAX_BUCKETS,
                Param("group", {"type": "string", "enum": list(aggregate.GROUPS)},
                      "Count per kind or per entity (default kind).")),
    ),
    Operation(
        "get", "/api/overview", "events", "Events counted per period, whole timeline",
        "`/api/aggregate` over the whole timeline, no filter but `min_confidence`.",
        "/api/overview", query.Aggregate, params=(MIN_CONFIDENCE, MAX_BUCKETS),
    ),
    Operation(
        "get", "/api/places", "events", "Events counted per place",
        "The events of the filters counted per place they name, most eventful first; places "
        "on the map have a `location`, the others are `unplaced`.",
        "/api/places?from=2025-05-01", query.PlaceCounts,
        params=(*FILTERS, _int("limit", 1, geo.MAX_PLACES,
                               f"Places at most (default {geo.MAX_PLACES})."))),
    Operation(
        "get", "/api/articles/{article_id}", "things", "One article with its dates and events",
        "The article's metadata and text, the temporal expressions in it (offsets into "
        "`text`, TIMEX3 type and value) and the events it mentions, each with the offsets of "
        "its mentions.",
        "/api/articles/{article_id}", query.ArticleResponse,
        params=(_path("article_id", "The article's id."),), errors=(404,),
    ),
    Operation(
        "get", "/api/entities", "things", "People, places and organizations",
        "Entities with their other spellings, roles and coordinates, most eventful first.",
        "/api/entities?kind=person&q=zel", query.EntityList,
        params=(_text("q", "Names and aliases containing this.", "Istanbul"),
                Param("kind", {"type": "string", "enum": ["person", "place", "org"]},
                      "Only this kind."),
                _int("limit", 1, query.MAX_PAGE,
                     f"Entities at most (default {query.DEFAULT_PAGE})."),
                Param("after", {"type": "string"},
                      "Where the page starts: the `next` of the previous page.")),
    ),
    Operation(
        "get", "/api/entities/{ref}", "things", "One entity with its events",
        "An entity, by id, name or alias, with its events in date order: the same shape as "
        "an item of `/api/entities`, plus `events`.",
        "/api/entities/Istanbul", query.EntityResponse,
        params=(_path("ref", "The entity's id, name or one of its aliases."),), errors=(404,),
    ),
    Operation(
        "get", "/api/sources", "sources", "Sources with their health",
        "Every configured source with its settings, schedule, last outcome and last run. "
        "URLs are redacted; without the token, errors are only their kind and local paths "
        "only a file name.",
        "/api/sources", query.SourceList, errors=(),
    ),
    Operation(
        "post", "/api/sources", "sources", "Add or update a feed or page source",
        "Needs the API token as `Authorization: Bearer`. Answers 201 for a new source, 200 "
        "when the URL was already a source (its settings updated). Local folders and files "
        "are added with the command line.",
        "/api/sources", query.SourceCreated, body=query.NewSource, errors=(400, 401, 403, 413),
        created=True, writes=True, conditional=False,
    ),
    Operation(
        "get", "/api/sources/{source_id}", "sources", "One source",
        "The same shape as an item of `/api/sources`.",
        "/api/sources/{source_id}", query.SourceResponse,
        params=(_path("source_id", "The source's id."),), errors=(404,),
    ),
    Operation(
        "delete", "/api/sources/{source_id}", "sources", "Remove a source",
        "Needs the API token. Its articles and events stay.",
        "/api/sources/{source_id}", query.SourceRemoved,
        params=(_path("source_id", "The source's id."),), errors=(401, 403, 404),
        writes=True, conditional=False,
    ),
    Operation(
        "post", "/api/sources/{source_id}/{action}", "sources", "Enable or disable a source",
        "Needs the API token.",
        "/api/sources/{source_id}/disable", query.SourceResponse,
        params=(_path("source_id", "The source's id."),
                Param("action", {"type": "string", "enum": ["enable", "disable"]},
                      "What to do.", where="path")),
        errors=(401, 403, 404), writes=True, conditional=False,
    ),
    Operation(
        "get", "/api/health", "sources", "For monitoring",
        "Each source's last success, last error, consecutive failures and next due time; the "
        "worker's heartbeat; the database's size (and, with the token, its path).",
        "/api/health", query.Health, errors=(),
    ),
    Operation(
        "get", "/api/openapi.json", "about", "This document",
        "The API as OpenAPI 3.1.",
        "/api/openapi.json",
        content={"application/json": {"schema": {"type": "object",
                                                  "required": ["openapi", "paths"]}}},
        errors=(),
    ),
    Operation(
        "get", "/api/", "about", "This document as a page",
        "The API described for people: every route, its parameters, answers and an example.",
        "/api/", content={"text/html": {"schema": {"type": "string"}}}, errors=(),
    ),
)

_STATUS_TEXT = {
    200: "OK", 201: "Created", 304: "Not modified: the `ETag` (or date) the client has is "
    "current; no body", 400: "A bad parameter, named in `error`",
    401: "The token is needed (writes; reads when the tracker is private)",
    403: "Writes are off: no API token is configured", 404: "Not found",
    413: "The request body is too large", 429: "Too many exports at once; see `Retry-After`",
    503: "The database cannot be read",
}
_VERSION_HEADER = {"API-Version": {
    "description": "The API's version (this document's `info.version`).",
    "schema": {"type": "string", "const": query.API_VERSION}, "required": True}}
_VALIDATORS = {
    "ETag": {"description": "A strong validator of the body: send it back as "
                            "`If-None-Match` to get 304 while it is unchanged.",
             "schema": {"type": "string"}},
    "Last-Modified": {"description": "When the data behind the answer last changed "
                                     "(answers made of events, entities and articles).",
                      "schema": {"type": "string"}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation) -> dict[str, Any]:
    ok_content = op.content if op.content is not None else _json({"$ref": REF + _name(
        op.response)})
    ok_headers = dict(_VERSION_HEADER)
    if op.conditional:
        ok_headers.update(_VALIDATORS)
    if op.path == "/api/events":
        ok_headers["Link"] = {"description": "The next page, as `<url>; rel=\"next\"`.",
                              "schema": {"type": "string"}}
    responses: dict[str, Any] = {"200": {"description": _STATUS_TEXT[200],
                                         "headers": ok_headers, "content": ok_content}}
    if op.created:
        responses["201"] = {"description": _STATUS_TEXT[201], "headers": _VERSION_HEADER,
                            "content": ok_content}
    if op.conditional:
        responses["304"] = {"description": _STATUS_TEXT[304], "headers": _VERSION_HEADER}
    error = _json({"$ref": REF + "Error"})
    statuses = sorted({*op.errors, 401, 503} | ({400} if op.params else set()))
    for status in statuses:
        responses[str(status)] = {"description": _STATUS_TEXT[status],
                                  "headers": _VERSION_HEADER, "content": error}
    out: dict[str, Any] = {
        "tags": [op.tag],
        "summary": op.summary,
        "description": op.description,
        "operationId": f"{op.method}_{_slug(op.path)}",
        "parameters": [_parameter(p) for p in op.params],
        "responses": responses,
        "security": [{"bearer": []}] if op.writes else [{}, {"bearer": []}, {"basic": []}],
        "x-example": op.example,
    }
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": _json({"$ref": REF + _name(op.body)})}
    return out


def _parameter(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "in": p.where, "required": p.where == "path",
                           "description": p.description, "schema": p.schema}
    if p.example is not None:
        out["example"] = p.example
    return out


def _name(typed_dict: object) -> str:
    return str(getattr(typed_dict, "__name__", ""))


def _slug(path: str) -> str:
    words = [w.strip("{}") for w in path.removeprefix("/api").split("/") if w]
    return "_".join(w.replace(".", "_") for w in words) or "index"


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API (built once; the same for every request)."""
    paths: dict[str, dict[str, Any]] = {}
    roots: list[object] = [query.Error]
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
        roots += [t for t in (op.response, op.body) if t is not None]
    roots += [query.EventPage, query.SyncPage, query.ExportDocument]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": TITLE,
            "version": query.API_VERSION,
            "description": (
                "The tracker's events, their evidence, entities, articles and sources as "
                "JSON. Every answer has an `API-Version` header. Successful reads have a "
                "strong `ETag` (and answers made of events, entities and articles a "
                "`Last-Modified`): a conditional GET with `If-None-Match` or "
                "`If-Modified-Since` gets 304 while nothing changed. Every error is "
                "`{\"ok\": false, \"error\": ..., \"status\": ...}`; a bad parameter is a "
                "400 naming it. Reads are open unless the tracker is private "
                "(`TRACKER_READS_NEED_TOKEN=1`); writes always need the token. CORS is off "
                "unless `TRACKER_CORS_ORIGINS` lists origins."),
        },
        "tags": [{"name": "events", "description": "The timeline"},
                 {"name": "things", "description": "Articles, people, places, organizations"},
                 {"name": "sources", "description": "What the worker reads, and its health"},
                 {"name": "about", "description": "This API"}],
        "paths": paths,
        "components": {
            "schemas": json_schemas(roots, REF),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "The API token (`TRACKER_API_TOKEN`)."},
                "basic": {"type": "http", "scheme": "basic",
                          "description": "Reads only: any user name, the token as password "
                                         "(what a browser sends)."},
            },
        },
    }


# ---------------------------------------------------------------- the page

def _links(schema: dict[str, Any]) -> list[dict[str, str | None]]:
    """A response's schema as parts to show, each linked to its document when it is one."""
    members = schema.get("anyOf", [schema])
    return [dict(zip(("text", "link"), _label(m), strict=True)) for m in members]


_CODE = re.compile(r"``([^`]+)``|`([^`]+)`")


@bp.app_template_filter("code_spans")
def code_spans(text: str) -> Markup:
    """Text with its `code` (and rst ``code``) shown as code, everything else escaped."""
    out, at = [], 0
    for match in _CODE.finditer(text):
        out += [escape(text[at:match.start()]),
                Markup("<code>%s</code>") % (match.group(1) or match.group(2))]
        at = match.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _label(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A schema as people read it, and the schema it links to (a component's name)."""
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(REF)
        return name, name
    if "anyOf" in schema:
        parts = [_label(s) for s in schema["anyOf"]]
        return " or ".join(p[0] for p in parts), next((p[1] for p in parts if p[1]), None)
    if "const" in schema:
        return repr(schema["const"]).replace("True", "true").replace("False", "false"), None
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"]), None
    kind = schema.get("type", "any")
    if kind == "array":
        inner, link = _label(schema.get("items", {}))
        return f"list of {inner}", link
    if isinstance(kind, list):
        return " or ".join(kind), None
    extra = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength") if k in schema]
    if schema.get("format"):
        extra.insert(0, str(schema["format"]))
    return str(kind) + (f" ({', '.join(extra)})" if extra else ""), None


def page_model(doc: dict[str, Any], base_url: str) -> dict[str, Any]:
    """What ``api.html`` shows: routes grouped by tag, then the schemas, all as plain text."""
    routes = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            params = [{"name": p["name"], "where": p["in"], "required": p["required"],
                       "type": _label(p["schema"])[0], "description": p["description"]}
                      for p in op["parameters"]]
            responses = []
            for status, answer in op["responses"].items():
                schema = next(iter(answer.get("content", {}).values()), {}).get("schema")
                responses.append({"status": status, "description": answer["description"],
                                  "parts": _links(schema) if schema else []})
            routes.append({
                "method": method.upper(), "path": path, "tag": op["tags"][0],
                "summary": op["summary"], "description": op["description"],
                "params": params, "responses": responses, "anchor": op["operationId"],
                "token": op["security"] == [{"bearer": []}],
                "example": _example(method, op, base_url),
            })
    schemas = []
    for name, schema in doc["components"]["schemas"].items():
        required = set(schema.get("required", []))
        fields = [{"name": key, "type": _label(value)[0], "link": _label(value)[1],
                   "required": key in required, "description": value.get("description", "")}
                  for key, value in schema.get("properties", {}).items()]
        schemas.append({"name": name, "description": schema.get("description", ""),
                        "fields": fields})
    return {"info": doc["info"], "tags": doc["tags"], "routes": routes, "schemas": schemas}


def _example(method: str, op: dict[str, Any], base_url: str) -> str:
    url = base_url.rstrip("/") + op["x-example"]
    if method == "get":
        return f"curl '{url}'"
    parts = [f"curl -X {method.upper()}", "-H 'Authorization: Bearer $TRACKER_API_TOKEN'"]
    if "requestBody" in op:
        parts += ["-H 'Content-Type: application/json'",
                  "-d '{\"url\": \"https://news.example.org/feed.xml\", \"interval\": 900}'"]
    return " ".join([*parts, f"'{url}'"])


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document())


@bp.get("/")
def api_page() -> Any:
    return render_template("api.html", api=page_model(document(), request.host_url))
