"""The sources API: anyone may read sources and health; only a token holder may change them
(or see full error texts and paths, see ``test_web_security.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import EXAMPLES
from tracker import clock
from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.sources import add_source
from tracker.store import Store
from tracker.store import sources as table
from web import create_app

FEED = "https://news.example.org/world/rss.xml"
AUTH = {"Authorization": "Bearer t"}


def make_app(db_path: Path, **settings: Any) -> Flask:
    with Store(db_path):
        pass
    app = create_app({"DATABASE": str(db_path), "TESTING": True, **settings})
    if "sources_api" not in app.blueprints:  # until create_app registers it
        from web import sources_api

        app.register_blueprint(sources_api.bp)
    return app


@pytest.fixture
def client(db_path: Path) -> FlaskClient:
    return make_app(db_path, API_TOKEN="t").test_client()


def test_a_token_holder_adds_a_feed_and_gets_it_back(client: FlaskClient) -> None:
    response = client.post("/api/sources", headers=AUTH, json={
        "url": FEED, "name": "World News", "interval": 900, "language": "fr",
        "fetch_pages": False})
    assert response.status_code == 201
    source = response.get_json()["source"]
    assert (source["kind"], source["name"], source["interval"], source["language"],
            source["fetch_pages"], source["enabled"]) == ("feed", "World News", 900, "fr",
                                                          False, True)
    shown = client.get(f"/api/sources/{source['id']}").get_json()
    assert shown["ok"] and shown["source"]["url"] == FEED
    listed = client.get("/api/sources").get_json()["sources"]
    assert [s["id"] for s in listed] == [source["id"]]


def test_adding_the_same_feed_again_updates_it_instead_of_duplicating(
        client: FlaskClient) -> None:
    first = client.post("/api/sources", headers=AUTH, json={"url": FEED}).get_json()["source"]
    again = client.post("/api/sources", headers=AUTH, json={"url": FEED + "?utm_source=x",
                                                             "interval": 7200})
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["source"]["id"] == first["id"]
    assert again.get_json()["source"]["interval"] == 7200
    assert len(client.get("/api/sources").get_json()["sources"]) == 1
    named = client.post("/api/sources", headers=AUTH, json={"url": FEED, "name": "Wire"})
    renamed = client.post("/api/sources", headers=AUTH, json={"url": FEED, "interval": 900})
    assert named.get_json()["source"]["interval"] == 7200  # left out: kept
    assert (renamed.get_json()["source"]["name"], renamed.get_json()["source"]["interval"]) == (
        "Wire", 900)


@pytest.mark.parametrize(("body", "fragment"), [
    ({"url": "ftp://example.org/feed"}, "http"),
    ({"url": "/etc/passwd"}, "local folders"),
    ({"url": FEED, "interval": 5}, "interval"),
    ({"url": FEED, "interval": "often"}, "interval"),
    ({"url": FEED, "language": "english"}, "language"),
    ({"url": FEED, "kind": "dir"}, "kind"),
    ({"url": FEED, "colour": "red"}, "colour"),
    ([FEED], "JSON object"),
])
def test_bad_source_requests_are_400_naming_the_problem(
        client: FlaskClient, body: Any, fragment: str) -> None:
    response = client.post("/api/sources", headers=AUTH, json=body)
    assert response.status_code == 400
    data = response.get_json()
    assert data["ok"] is False and data["status"] == 400 and fragment in data["error"]


def test_writes_without_the_right_token_are_401_and_change_nothing(
        client: FlaskClient, db_path: Path) -> None:
    with Store(db_path) as store:
        source = add_source(store, FEED)
    attempts = [
        client.post("/api/sources", json={"url": FEED + "2"}),
        client.post("/api/sources", json={"url": FEED + "2"},
                    headers={"Authorization": "Bearer wrong"}),
        client.post("/api/sources", json={"url": FEED + "2"},
                    headers={"Authorization": "Basic dDp0"}),
        client.delete(f"/api/sources/{source.id}"),
        client.post(f"/api/sources/{source.id}/disable"),
    ]
    for response in attempts:
        assert response.status_code == 401
        assert response.get_json() == {"ok": False, "status": 401,
                                       "error": response.get_json()["error"]}
        assert "Bearer" in response.headers["WWW-Authenticate"]
    with Store(db_path) as store:
        assert [s.id for s in table.all_sources(store)] == [source.id]
        assert table.all_sources(store)[0].enabled


def test_without_a_configured_token_writes_are_refused_saying_how_to_set_one(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_API_TOKEN", raising=False)
    client = make_app(db_path).test_client()
    response = client.post("/api/sources", headers=AUTH, json={"url": FEED})
    assert response.status_code == 403
    assert "TRACKER_API_TOKEN" in response.get_json()["error"]
    assert client.get("/api/sources").status_code == 200  # reading stays open


def test_the_token_can_come_from_the_environment(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_API_TOKEN", "from-env")
    client = make_app(db_path).test_client()
    response = client.post("/api/sources", json={"url": FEED},
                           headers={"Authorization": "Bearer from-env"})
    assert response.status_code == 201


def test_a_source_is_disabled_enabled_and_removed(client: FlaskClient, db_path: Path) -> None:
    sid = client.post("/api/sources", headers=AUTH, json={"url": FEED}).get_json()["source"]["id"]
    off = client.post(f"/api/sources/{sid}/disable", headers=AUTH).get_json()
    assert off["source"]["enabled"] is False
    on = client.post(f"/api/sources/{sid}/enable", headers=AUTH).get_json()
    assert on["source"]["enabled"] is True
    removed = client.delete(f"/api/sources/{sid}", headers=AUTH)
    assert removed.status_code == 200 and removed.get_json()["removed"]["id"] == sid
    assert client.get(f"/api/sources/{sid}").status_code == 404
    assert client.delete(f"/api/sources/{sid}", headers=AUTH).status_code == 404


def test_health_shows_each_sources_state_the_worker_heartbeat_and_database_size(
        client: FlaskClient, db_path: Path) -> None:
    with Store(db_path) as store:
        source = add_source(store, str(EXAMPLES), kind="jsonl", name="Examples")
        Ingestor(store).ingest(read_jsonl(EXAMPLES), source_id=source.id)
        table.record_failure(store, source.id, when=clock.now(), next_due=clock.now(),
                             error="HTTP 500 from somewhere", failures=2)
        table.write_heartbeat(store, clock.now())
    data = client.get("/api/health", headers=AUTH).get_json()
    assert data["ok"] is True
    (row,) = data["sources"]
    for key in ("id", "url", "last_ok_at", "last_error", "consecutive_failures",
                "next_due_at", "articles"):
        assert key in row
    assert (row["articles"], row["consecutive_failures"]) == (14, 2)
    assert row["last_error"] == "HTTP 500 from somewhere"
    assert data["worker"]["alive"] is True and data["worker_heartbeat"]
    assert data["database"]["bytes"] > 10_000
    assert data["database"]["path"] == str(db_path)
    assert data["failing"] == [source.id]
    # anonymous monitoring gets the same health, with errors as categories and no paths
    anonymous = client.get("/api/health").get_json()
    assert anonymous["sources"][0]["last_error"] == "HTTP 500"
    assert anonymous["sources"][0]["url"] == EXAMPLES.name
    assert "path" not in anonymous["database"] and str(db_path) not in str(anonymous)
    assert anonymous["failing"] == data["failing"]


def test_health_says_when_no_worker_ever_ran(client: FlaskClient) -> None:
    data = client.get("/api/health").get_json()
    assert data["worker"] == {"heartbeat": None, "heartbeat_age_seconds": None, "alive": False,
                              "stopped_at": None}
    assert data["sources"] == []
