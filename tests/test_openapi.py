"""The API keeps its OpenAPI document: every route is in it, real answers validate against its
schemas (generated from the TypedDicts of ``tracker.query``), schemathesis finds no 5xx and no
answer that breaks the document, and ``/api/`` shows it to people.

Schemathesis reads the document from the app itself (``/api/openapi.json``) and calls the app
through WSGI: every GET route, with valid parameters (positive) and, where a route has query
parameters, with invalid ones (negative), a bounded number of cases each. Random ids only
reach the 404s, so the same checks also run on real ids of the examples database.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tracker import exports, query
from tracker.models import EventDraft
from tracker.sources import add_source
from tracker.store import Store
from web import create_app, openapi

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
POSITIVE_EXAMPLES = 100
NEGATIVE_EXAMPLES = 60
FEED = "https://news.example.org/world/rss.xml"
GETS = [op for op in openapi.OPERATIONS if op.method == "get"]
# schemathesis does not test the document against itself
FUZZED = [op for op in GETS if op.path != "/api/openapi.json"]


@pytest.fixture
def app(examples_db: Path) -> Flask:
    with Store(examples_db) as s:  # one configured source, for /api/sources/<id>
        add_source(s, FEED, name="World News", interval=900)
    return create_app({"DATABASE": str(examples_db), "TESTING": True, "API_TOKEN": "t"})


def document() -> dict[str, Any]:
    return openapi.document()


def validator(name: str) -> Draft202012Validator:
    """A validator of the document's schema ``name`` (its references resolved in the
    document)."""
    root = {"$ref": openapi.REF + name, "components": document()["components"]}
    return Draft202012Validator(root)


def assert_valid(name: str, instance: Any) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}"[:300] for e in errors[:5]]


# ---------------------------------------------------------------- the document

def test_the_document_is_openapi_3_1_with_the_api_version(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["version"] == query.API_VERSION == response.headers["API-Version"]
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert {"bearer", "basic"} == set(doc["components"]["securitySchemes"])


def rules_under_api(app: Flask) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == "/api" or rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            out |= {(m.lower(), path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return out


def test_every_route_under_api_is_in_the_document_and_nothing_else(app: Flask) -> None:
    documented = {(method, path) for path, methods in document()["paths"].items()
                  for method in methods}
    assert rules_under_api(app) == documented


def params(path: str, method: str = "get") -> dict[str, dict[str, Any]]:
    op = document()["paths"][path][method]
    return {p["name"]: p for p in op["parameters"]}


FILTERS = {"from", "to", "q", "kind", "entity", "place", "source", "precision", "min_sources",
           "min_confidence", "key", "top"}


@pytest.mark.parametrize("path", ["/api/events", "/api/export", "/api/aggregate",
                                  "/api/places"])
def test_the_filter_routes_document_every_filter(path: str) -> None:
    assert set(params(path)) >= FILTERS


def test_events_export_and_paths_document_their_own_parameters() -> None:
    assert {"limit", "after", "updated_since"} <= set(params("/api/events"))
    assert params("/api/export")["format"]["schema"]["enum"] == list(exports.FORMATS)
    assert set(params("/api/export")["format"]["schema"]["enum"]) >= {
        "json", "ndjson", "csv", "ics", "timelinejs", "geojson"}
    assert params("/api/events/{event_id}")["event_id"]["in"] == "path"
    assert params("/api/events")["precision"]["schema"]["enum"] == list(query.PRECISIONS)


def test_writes_need_the_bearer_token_and_reads_may_go_without() -> None:
    paths = document()["paths"]
    for path, methods in paths.items():
        for method, op in methods.items():
            if method == "get":
                assert {} in op["security"], path
            else:
                assert op["security"] == [{"bearer": []}], (method, path)
            for status in ("400", "401", "404", "429", "503"):
                if status in op["responses"]:
                    schema = op["responses"][status]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": openapi.REF + "Error"}


def test_the_contracts_precisions_are_the_trackers() -> None:
    event = document()["components"]["schemas"]["Event"]["properties"]
    assert event["precision"]["enum"] == list(query.PRECISIONS)


# ---------------------------------------------------------------- real answers validate

def first_event_id(client: FlaskClient) -> str:
    return str(client.get("/api/events?limit=1").get_json()["events"][0]["id"])


def an_article_id(client: FlaskClient) -> str:
    """An article that mentions events (read from an event's evidence)."""
    event = client.get(f"/api/events/{first_event_id(client)}").get_json()["event"]
    return str(event["mentions"][0]["article_id"])


def test_lists_and_pages_of_events_validate(client: FlaskClient) -> None:
    page = client.get("/api/events?limit=5").get_json()
    assert_valid("EventPage", page)
    assert page["next_url"] and page["total"] > 5
    assert_valid("EventPage", client.get(page["next_url"]).get_json())
    assert_valid("EventPage", client.get("/api/events?key=1").get_json())
    assert_valid("TopList", client.get("/api/top?k=5").get_json())
    assert_valid("KindList", client.get("/api/kinds").get_json())
    for group in ("kind", "entity"):
        assert_valid("Aggregate", client.get(f"/api/aggregate?group={group}").get_json())
    assert_valid("Aggregate", client.get("/api/aggregate?from=1900-01-01&to=1900-01-02")
                 .get_json())
    assert_valid("Aggregate", client.get("/api/overview").get_json())
    assert_valid("PlaceCounts", client.get("/api/places").get_json())
    assert_valid("ExportDocument", client.get("/api/export?format=json").get_json())


def test_one_event_has_its_mentions_sources_and_summary(client: FlaskClient) -> None:
    doc = client.get(f"/api/events/{first_event_id(client)}").get_json()
    assert_valid("EventResponse", doc)
    event = doc["event"]
    assert event["summary"] and event["mentions"]
    assert event["sources"] and sum(s["articles"] for s in event["sources"]) >= 1
    assert {s["name"] for s in event["sources"]} == {m["source"] for m in event["mentions"]}


def draft(event_id: str, mention_ids: list[str]) -> EventDraft:
    return EventDraft(
        id=event_id, cluster_key=f"g|{event_id}", title="talks", kind="diplomacy",
        date_start=date(2025, 5, 16), date_end=date(2025, 5, 16), precision="day",
        date_text="16 May 2025", n_mentions=len(mention_ids), n_articles=1, n_sources=1,
        score=1.0, mention_ids=tuple(mention_ids), entity_counts=(), summary=("talks",),
        confidence=0.9, quality=0.9)


def test_sync_pages_with_tombstones_validate(client: FlaskClient, examples_db: Path) -> None:
    first = client.get("/api/events?updated_since=1970-01-01&limit=1000").get_json()
    assert_valid("SyncPage", first)
    with Store(examples_db) as s:  # a merge (b into a) and a removal (c), as test_sync does
        mentions = [r["id"] for r in s.query("SELECT id FROM mentions ORDER BY id LIMIT 4")]
        s.execute(f"UPDATE mentions SET cluster_key = 'g|x' WHERE id IN "
                  f"({','.join('?' * len(mentions))})", mentions)
        s.replace_events("g", [draft("ev-a", mentions[:2]), draft("ev-b", mentions[2:3]),
                               draft("ev-c", mentions[3:])])
        s.replace_events("g", [draft("ev-a", mentions[:3])])
    page = client.get(f"/api/events?min_confidence=0&updated_since={first['sync_token']}"
                      ).get_json()
    assert {"active", "merged", "removed"} <= {e["status"] for e in page["events"]}
    assert_valid("SyncPage", page)
    merged = client.get("/api/events/ev-b").get_json()
    assert_valid("EventResponse", merged)
    assert merged["event"]["merged_from"] == "ev-b"


def test_an_article_gives_its_dates_and_events_with_offsets(client: FlaskClient) -> None:
    doc = client.get(f"/api/articles/{an_article_id(client)}").get_json()
    assert_valid("ArticleResponse", doc)
    article = doc["article"]
    text = article["text"]
    assert article["timexes"] and article["events"]
    for timex in article["timexes"]:
        assert text[timex["start"]:timex["end"]] == timex["text"]
    for event in article["events"]:
        assert event["mentions"]
        for m in event["mentions"]:
            assert text[m["start"]:m["end"]] == m["trigger"]
            assert m["sentence_start"] <= m["start"] < m["end"] <= m["sentence_end"]
    assert client.get("/api/articles/nope").status_code == 404


def test_an_entity_is_an_item_of_its_list_with_its_events(client: FlaskClient) -> None:
    listed = client.get("/api/entities?limit=3").get_json()
    assert_valid("EntityList", listed)
    item = listed["entities"][0]
    doc = client.get(f"/api/entities/{item['id']}").get_json()
    assert_valid("EntityResponse", doc)
    assert {k: doc["entity"][k] for k in item} == item
    assert len(doc["entity"]["events"]) == item["n_events"]


def test_a_source_is_an_item_of_its_list(client: FlaskClient) -> None:
    listed = client.get("/api/sources").get_json()
    assert_valid("SourceList", listed)
    item = listed["sources"][0]
    doc = client.get(f"/api/sources/{item['id']}").get_json()
    assert_valid("SourceResponse", doc)
    assert doc["source"] == item
    assert_valid("Health", client.get("/api/health").get_json())
    assert_valid("Health", client.get("/api/health", headers={"Authorization": "Bearer t"})
                 .get_json())


def test_writes_answer_their_documented_shapes(client: FlaskClient) -> None:
    auth = {"Authorization": "Bearer t"}
    created = client.post("/api/sources", headers=auth,
                          json={"url": "https://other.example.org/feed.xml", "interval": 900})
    assert created.status_code == 201
    assert_valid("SourceCreated", created.get_json())
    source_id = created.get_json()["source"]["id"]
    assert_valid("SourceResponse", client.post(f"/api/sources/{source_id}/disable",
                                               headers=auth).get_json())
    assert_valid("SourceRemoved", client.delete(f"/api/sources/{source_id}",
                                                headers=auth).get_json())


@pytest.mark.parametrize("url", ["/api/events?limit=0", "/api/events/nope", "/api/nothing",
                                 "/api/export?format=pdf", "/api/entities?kind=planet"])
def test_errors_validate_as_the_error_shape(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert_valid("Error", response.get_json())


# ---------------------------------------------------------------- schemathesis

def loaded(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def run_cases(app: Flask, path: str, mode: str, examples: int) -> int:
    operation = loaded(app)[path]["GET"]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    calls = 0

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        nonlocal calls
        calls += 1
        case.call_and_validate(checks=CHECKS)

    check()
    return calls


@pytest.mark.parametrize("path", [op.path for op in FUZZED])
def test_schemathesis_finds_no_5xx_and_no_mismatch(app: Flask, path: str) -> None:
    assert run_cases(app, path, "positive", POSITIVE_EXAMPLES) >= 1
    op = next(op for op in FUZZED if op.path == path)
    if any(p.where == "query" for p in op.params):  # else nothing can be made invalid
        assert run_cases(app, path, "negative", NEGATIVE_EXAMPLES) >= 1


def test_schemathesis_checks_pass_on_real_ids(app: Flask) -> None:
    client = app.test_client()
    schema = loaded(app)
    event_id = first_event_id(client)
    article_id = an_article_id(client)
    source_id = client.get("/api/sources").get_json()["sources"][0]["id"]
    cases = [
        ("/api/events/{event_id}", {"event_id": event_id}, {}),
        ("/api/articles/{article_id}", {"article_id": article_id}, {}),
        ("/api/entities/{ref}", {"ref": "Istanbul"}, {}),
        ("/api/sources/{source_id}", {"source_id": source_id}, {}),
        ("/api/events", {}, {"updated_since": "1970-01-01", "limit": 3}),
        ("/api/events", {}, {"key": "true"}),
        ("/api/export", {}, {"format": "json"}),
        ("/api/export", {}, {"format": "geojson"}),
        ("/api/aggregate", {}, {"group": "entity"}),
    ]
    for path, path_parameters, query_string in cases:
        case = schema[path]["GET"].Case(path_parameters=path_parameters, query=query_string)
        assert case.call_and_validate(checks=CHECKS).status_code == 200, path


# ---------------------------------------------------------------- the page

def test_the_api_page_shows_every_route_with_an_example(client: FlaskClient) -> None:
    response = client.get("/api/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path, methods in document()["paths"].items():
        for method in methods:
            assert f"{method.upper()} {path}" in html, (method, path)
    assert "<script" not in html  # the Content-Security-Policy allows no inline script
    assert "curl &#39;http://localhost/api/events?from=2025-05-01" in html
    for name in ("EventDocument", "ArticleDocument", "SyncPage", "Error"):
        assert f'id="schema-{name}"' in html
    assert client.get("/api").status_code in (301, 308)
