"""The web app through Flask's test client, on a real database of the bundled examples.

Covers the JSON API (filters, keyset pagination, the error shape), the vendored Plotly asset,
and the server-rendered pages. The browser-driven dashboard is in ``test_dashboard.py``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tracker.store import Store
from web import create_app


@pytest.fixture
def app(examples_db: Path) -> Flask:
    return create_app({"DATABASE": str(examples_db), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.is_json
    return response.get_json()


def all_events(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    body = get_json(client, f"/api/events?limit=1000&{query}")
    assert body["next"] is None
    return list(body["events"])


def assert_error(body: dict[str, Any], status: int) -> None:
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]


# ---------------------------------------------------------------- dashboard and asset


def test_dashboard_loads_plotly_from_our_own_server(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<script src="/static/vendor/plotly.min.js?v=' in html
    assert "cdn" not in html.lower()
    assert 'src="http' not in html and 'href="http' not in html


def test_plotly_asset_is_served_with_long_cache(client: FlaskClient) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert len(response.data) > 1_000_000
    assert b"plotly.js" in response.data[:200]
    assert response.cache_control.max_age is not None
    assert response.cache_control.max_age >= 30 * 24 * 3600

    packed = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(response.data) / 2
    assert gzip.decompress(packed.data) == response.data

    again = client.get("/static/vendor/plotly.min.js",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_dashboard_lists_events_without_javascript(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    events = all_events(client)
    for event in events[:5]:
        assert event["date_label"] in html
        assert f'/events/{event["id"]}' in html
    # a year-precision event reads as its year, never as 1 January
    years = [e for e in events if e["precision"] == "year"]
    assert years, "the examples mention the 2022 talks"
    assert "1 January" not in html


def test_dashboard_list_follows_the_filter_form(client: FlaskClient) -> None:
    html = client.get("/?q=Istanbul").get_data(as_text=True)
    assert 'value="Istanbul"' in html
    for event in all_events(client, "q=Istanbul")[:5]:
        assert f'/events/{event["id"]}' in html
    bad = client.get("/?from=tomorrow")
    assert bad.status_code == 400
    assert "not a date" in bad.get_data(as_text=True)


# ---------------------------------------------------------------- /api/events


def test_events_are_listed_in_date_order(client: FlaskClient) -> None:
    body = get_json(client, "/api/events")
    assert body["ok"] is True
    assert body["total"] >= 10
    assert 0 < len(body["events"]) <= 100
    starts = [e["date_start"] for e in body["events"]]
    assert starts == sorted(starts)
    first = body["events"][0]
    for key in ("id", "title", "kind", "date_start", "date_end", "precision", "date_text",
                "date_label", "n_sources", "entities"):
        assert key in first


def test_from_and_to_narrow_the_list(client: FlaskClient) -> None:
    everything = all_events(client)
    day = all_events(client, "from=2025-05-16&to=2025-05-16")
    assert 0 < len(day) < len(everything)
    for e in day:
        assert e["date_start"] <= "2025-05-16" <= e["date_end"]
    later = all_events(client, "from=2025-06-01")
    assert later and all(e["date_end"] >= "2025-06-01" for e in later)


def test_text_query_finds_istanbul(client: FlaskClient) -> None:
    found = all_events(client, "q=Istanbul")
    assert found
    assert any("Istanbul" in e["title"] for e in found)
    assert len(found) < len(all_events(client))


def test_query_of_only_quotes_is_no_query(client: FlaskClient) -> None:
    body = get_json(client, "/api/events?q=%22&limit=1")
    assert body["total"] == len(all_events(client))


def test_kind_filter(client: FlaskClient) -> None:
    kinds = get_json(client, "/api/kinds")["kinds"]
    kind = kinds[0]["kind"]
    found = all_events(client, f"kind={kind}")
    assert len(found) == kinds[0]["events"]
    assert {e["kind"] for e in found} == {kind}


def test_entity_filter_by_name(client: FlaskClient) -> None:
    everything = all_events(client)
    entity = next(n for e in everything for n in e["entities"] if n["name"] == "Istanbul")
    found = all_events(client, "entity=istanbul")
    assert found
    assert len(found) == sum(1 for e in everything if entity in e["entities"])
    assert all(any(n["id"] == entity["id"] for n in e["entities"]) for e in found)


def test_pagination_walks_every_event_exactly_once(client: FlaskClient) -> None:
    expected = [e["id"] for e in all_events(client)]
    seen: list[str] = []
    url = "/api/events?limit=2"
    pages = 0
    while True:
        body = get_json(client, url)
        assert len(body["events"]) <= 2
        assert body["total"] == len(expected)
        seen += [e["id"] for e in body["events"]]
        pages += 1
        if body["next"] is None:
            break
        url = f"/api/events?limit=2&after={body['next']}"
    assert seen == expected
    assert pages == (len(expected) + 1) // 2


@pytest.mark.parametrize("query", [
    "from=2025-13-01", "to=yesterday", "from=2025-06-01&to=2025-05-01", "limit=0",
    "limit=1001", "limit=ten", "after=not-a-cursor", "min_sources=-1",
])
def test_bad_parameters_give_the_json_error_shape(client: FlaskClient, query: str) -> None:
    body = get_json(client, f"/api/events?{query}", status=400)
    assert_error(body, 400)
    assert query.split("=")[0] in body["error"]


# ---------------------------------------------------------------- one event, export, others


def test_event_has_mentions_with_sentences(client: FlaskClient) -> None:
    event_id = all_events(client)[0]["id"]
    event = get_json(client, f"/api/events/{event_id}")["event"]
    assert event["id"] == event_id
    assert event["mentions"]
    for m in event["mentions"]:
        assert m["sentence"].strip()
        assert m["source"]
        assert m["article_url"].startswith("https://")


def test_unknown_event_and_unknown_path_are_json_404s(client: FlaskClient) -> None:
    body = get_json(client, "/api/events/e-does-not-exist", status=404)
    assert_error(body, 404)
    assert body["error"] == "event not found"
    assert_error(get_json(client, "/api/no/such/thing", status=404), 404)
    assert_error(client.post("/api/events").get_json(), 405)


def test_export_has_every_event_with_mentions(client: FlaskClient) -> None:
    response = client.get("/api/export")
    assert "Content-Disposition" not in response.headers
    doc = response.get_json()
    ids = [e["id"] for e in all_events(client)]
    assert doc["ok"] is True
    assert doc["count"] == len(ids)
    assert [e["id"] for e in doc["events"]] == ids
    assert all(e["mentions"] for e in doc["events"])

    download = client.get("/api/export?download=1")
    assert download.headers["Content-Disposition"] == "attachment; filename=timeline.json"
    assert json.loads(download.data)["count"] == len(ids)


def test_top_kinds_and_sources(client: FlaskClient) -> None:
    top = get_json(client, "/api/top?k=3")
    assert top["ok"] is True and 0 < len(top["events"]) <= 3
    assert {"date", "title", "score", "event_id"} <= set(top["events"][0])
    kinds = get_json(client, "/api/kinds")["kinds"]
    assert sum(k["events"] for k in kinds) == len(all_events(client))
    assert get_json(client, "/api/sources") == {"ok": True, "sources": []}
    assert_error(get_json(client, "/api/top?k=0", status=400), 400)


@pytest.mark.parametrize("make_bad", [
    lambda tmp: tmp / "missing" / "tracker.db",
    lambda tmp: tmp,
    lambda tmp: (tmp / "junk.db").write_bytes(b"not a database" * 500) and tmp / "junk.db",
])
def test_unopenable_database_is_a_clear_503(tmp_path: Path, make_bad: Any) -> None:
    client = create_app({"DATABASE": str(make_bad(tmp_path)), "TESTING": True}).test_client()
    body = get_json(client, "/api/events", status=503)
    assert_error(body, 503)
    assert "database" in body["error"]
    page = client.get("/")
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)


def test_database_path_defaults_to_the_environment(
    monkeypatch: pytest.MonkeyPatch, examples_db: Path
) -> None:
    monkeypatch.setenv("TRACKER_DB", str(examples_db))
    assert create_app().config["DATABASE"] == str(examples_db)
    monkeypatch.delenv("TRACKER_DB")
    monkeypatch.chdir(examples_db.parent)
    assert create_app().config["DATABASE"] == str(examples_db.parent / "tracker.db")


# ---------------------------------------------------------------- HTML pages


def test_event_page_shows_evidence(client: FlaskClient) -> None:
    event = next(e for e in all_events(client) if e["n_sources"] >= 2)
    detail = get_json(client, f"/api/events/{event['id']}")["event"]
    html = client.get(f"/events/{event['id']}").get_data(as_text=True)
    assert event["date_label"] in html
    assert event["precision"] in html
    for m in detail["mentions"]:
        assert m["source"] in html
        assert f'href="{m["article_url"]}"' in html
    for n in detail["entities"]:
        assert n["name"] in html


def test_unknown_event_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/events/e-nope")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "No event with id" in response.get_data(as_text=True)


def test_merged_event_ids_keep_working(client: FlaskClient, examples_db: Path) -> None:
    target = all_events(client)[0]
    with Store(examples_db) as store:
        store.execute(
            "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
            "date_text, first_seen_at, updated_at, status, merged_into) VALUES "
            "('e-old', 'x|', 'Old', 'other', '2025-05-01', '2025-05-01', 'day', 'then', "
            "'2025-05-01', '2025-05-01', 'merged', ?)", [target["id"]],
        )
    assert get_json(client, "/api/events/e-old")["event"]["id"] == target["id"]
    html = client.get("/events/e-old").get_data(as_text=True)
    assert target["title"] in html
    assert "merged into this one" in html


def test_sources_page_shows_health_and_runs(client: FlaskClient, examples_db: Path) -> None:
    assert "No sources configured" in client.get("/sources").get_data(as_text=True)
    with Store(examples_db) as store:
        store.execute(
            "INSERT INTO sources (id, kind, url, name, created_at, last_error, last_error_at, "
            "consecutive_failures) VALUES ('s1', 'feed', 'https://feeds.example.org/rss', "
            "'Harbour Feed', '2025-05-01T00:00:00+00:00', 'HTTP 503 from feeds.example.org', "
            "'2025-05-02T10:00:00+00:00', 3)"
        )
        run = store.start_run("poll", "s1")
        store.finish_run(run, status="failed", n_failed=1, error="HTTP 503 from feeds.example.org")
    html = client.get("/sources").get_data(as_text=True)
    assert "Harbour Feed" in html
    assert "HTTP 503 from feeds.example.org" in html
    assert "3 failures in a row" in html
    assert "Recent runs" in html and "poll" in html and "failed" in html
    sources = get_json(client, "/api/sources")["sources"]
    assert sources[0]["last_run"]["status"] == "failed"


def test_an_entity_has_a_page_and_an_api_record_listing_its_events(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    listing = client.get("/api/entities?q=Zelensk").get_json()
    assert [e["name"] for e in listing["entities"]] == ["Volodymyr Zelenskyy"]
    zelenskyy = listing["entities"][0]
    assert {"Zelensky", "Volodymyr Zelensky"} <= set(zelenskyy["aliases"])
    record = client.get(f"/api/entities/{zelenskyy['id']}").get_json()["entity"]
    dates = [e["date_start"] for e in record["events"]]
    assert dates == sorted(dates) and len(dates) == zelenskyy["n_events"] > 1
    assert client.get("/api/entities/Zelensky").get_json()["entity"]["id"] == zelenskyy["id"]
    page = client.get(f"/entities/{zelenskyy['id']}")
    assert page.status_code == 200 and b"Volodymyr Zelenskyy" in page.data
    assert b"Events over time" in page.data
    assert client.get("/api/entities/nobody-at-all").status_code == 404
    assert client.get("/entities?kind=place").status_code == 200


def test_the_dashboard_opens_with_the_key_events_best_first(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    html = client.get("/").get_data(as_text=True)
    key_section = html.split('id="key-title"')[1].split("</section>")[0]
    assert "Istanbul talks" in key_section
    events = client.get("/api/events?limit=1000").get_json()["events"]
    best = max((e for e in events if e["precision"] != "reported"), key=lambda e: e["score"])
    assert key_section.index(best["title"]) < key_section.index("</li>")
