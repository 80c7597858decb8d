"""The API's HTTP conventions (``web.http``): a version on every answer, ETag and Last-Modified
with 304 for a conditional GET, CORS off unless configured, one JSON error shape (400 for every
bad parameter, never a 500; 404 and 405 too), and reads open unless the tracker is private."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tracker import clock
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.store import Store
from tracker.store.change_reads import last_write_at
from web import ConfigurationError, create_app, openapi

ORIGIN = "https://dashboard.example.org"
AUTH = {"Authorization": "Bearer t"}


def make_client(db: Path, **settings: Any) -> FlaskClient:
    return create_app({"DATABASE": str(db), "TESTING": True, "API_TOKEN": "t",
                       **settings}).test_client()


@pytest.fixture
def newest_write(examples_db: Path) -> datetime:
    """When the examples database was last written, as the store records it."""
    with Store(examples_db) as s:
        at = last_write_at(s)
    assert at is not None
    return datetime.fromisoformat(at)


@pytest.fixture
def later(newest_write: datetime) -> Iterator[datetime]:
    """The clock an hour after the examples were written: their writes have settled."""
    moment = newest_write + timedelta(hours=1)
    clock.set_now(lambda: moment)
    yield moment
    clock.set_now(None)


# ---------------------------------------------------------------- version

@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/api/events?limit=2", 200), ("GET", "/api/events?limit=x", 400),
    ("GET", "/api/nothing", 404), ("DELETE", "/api/events", 405),
    ("GET", "/api/openapi.json", 200), ("GET", "/api/", 200), ("OPTIONS", "/api/events", 200),
])
def test_every_api_answer_says_its_version(client: FlaskClient, method: str, url: str,
                                           status: int) -> None:
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.headers["API-Version"] == "1"
    assert openapi.document()["info"]["version"] == "1"


def test_pages_outside_the_api_have_no_api_version(client: FlaskClient) -> None:
    assert "API-Version" not in client.get("/entities").headers


# ---------------------------------------------------------------- ETag, Last-Modified, 304

def test_a_conditional_get_with_the_etag_is_304_without_a_body(client: FlaskClient) -> None:
    first = client.get("/api/events?limit=5")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert first.headers["Cache-Control"] == "no-cache"  # ask again each time, don't guess
    again = client.get("/api/events?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["API-Version"] == "1"
    other = client.get("/api/events?limit=5", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_json()["events"]
    assert client.get("/api/events?limit=6").headers["ETag"] != etag  # another answer
    head = client.head("/api/events?limit=5", headers={"If-None-Match": etag})
    assert head.status_code == 304


@pytest.mark.parametrize("url", ["/api/events/{event}", "/api/entities/Istanbul", "/api/kinds",
                                 "/api/top", "/api/aggregate", "/api/places", "/api/sources",
                                 "/api/health", "/api/openapi.json", "/api/"])
def test_every_read_has_an_etag_and_honours_it(client: FlaskClient, url: str) -> None:
    if "{event}" in url:
        url = url.format(event=client.get("/api/events?limit=1").get_json()["events"][0]["id"])
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_last_modified_is_the_last_write_and_if_modified_since_gives_304(
        client: FlaskClient, newest_write: datetime, later: datetime) -> None:
    response = client.get("/api/events")
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert modified == newest_write.replace(microsecond=0)
    same = client.get("/api/events", headers={"If-Modified-Since": format_datetime(
        modified, usegmt=True)})
    assert same.status_code == 304 and same.data == b""
    before = format_datetime(modified - timedelta(seconds=1), usegmt=True)
    assert client.get("/api/events", headers={"If-Modified-Since": before}).status_code == 200


def test_answers_that_change_without_a_dated_write_have_no_last_modified(
        client: FlaskClient, later: datetime) -> None:
    for url in ("/api/sources", "/api/health", "/api/openapi.json"):
        assert "Last-Modified" not in client.get(url).headers, url
    assert "Last-Modified" in client.get("/api/kinds").headers


def test_a_write_of_this_very_second_gives_no_last_modified_yet(
        client: FlaskClient, newest_write: datetime) -> None:
    clock.set_now(lambda: newest_write + timedelta(seconds=1))
    try:
        response = client.get("/api/events")
    finally:
        clock.set_now(None)
    assert "Last-Modified" not in response.headers and "ETag" in response.headers


def test_a_change_to_the_database_changes_the_etag_and_last_modified(
        client: FlaskClient, examples_db: Path, later: datetime) -> None:
    first = client.get("/api/events?limit=1000&min_confidence=0")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    clock.set_now(lambda: later + timedelta(minutes=1))  # the ingest writes then
    with Store(examples_db) as s:
        report = Ingestor(s).ingest([Article(
            id="new-article", title="Talks resume in Geneva",
            text="Delegations from both sides met in Geneva on Tuesday, June 10, 2025, to "
                 "resume the talks, the foreign ministry said.",
            url="https://news.example.org/geneva", published_at=datetime(2025, 6, 11,
                                                                         tzinfo=UTC),
            published_basis="given", language="en", source_name="Example News")])
    assert report.failed == 0
    clock.set_now(lambda: later + timedelta(minutes=2))  # read when that write has settled
    changed = client.get("/api/events?limit=1000&min_confidence=0",
                         headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert parsedate_to_datetime(changed.headers["Last-Modified"]) > parsedate_to_datetime(
        modified)
    assert client.get("/api/events?limit=1000&min_confidence=0", headers={
        "If-Modified-Since": modified}).status_code == 200


def test_a_streamed_export_has_no_etag(client: FlaskClient) -> None:
    response = client.get("/api/export?format=ndjson")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert response.headers["API-Version"] == "1"


def test_answers_that_differ_by_reader_say_so(client: FlaskClient, examples_db: Path) -> None:
    sources = client.get("/api/sources")
    assert sources.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in sources.headers["Vary"]
    private = make_client(examples_db, READS_NEED_TOKEN=True).get("/api/events", headers=AUTH)
    assert private.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in private.headers["Vary"]


# ---------------------------------------------------------------- CORS

def preflight(client: FlaskClient, url: str, method: str = "GET",
              headers: str = "") -> Any:
    asked = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return client.options(url, headers=asked)


def test_cors_is_off_by_default(client: FlaskClient) -> None:
    response = client.get("/api/events", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h, _ in response.headers)
    answer = preflight(client, "/api/events")
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_cors_for_any_origin_covers_reads_only(examples_db: Path) -> None:
    client = make_client(examples_db, CORS_ORIGINS="*")
    read = client.get("/api/events", headers={"Origin": ORIGIN})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in read.headers["Access-Control-Expose-Headers"]
    answer = preflight(client, "/api/events", headers="If-None-Match")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "Authorization" not in answer.headers["Access-Control-Allow-Headers"]
    assert int(answer.headers["Access-Control-Max-Age"]) > 0
    # writes: never through *
    write = preflight(client, "/api/sources", method="POST", headers="Authorization")
    assert "Access-Control-Allow-Origin" not in write.headers
    posted = client.post("/api/sources", headers={"Origin": ORIGIN, **AUTH},
                         json={"url": "https://news.example.org/feed.xml"})
    assert "Access-Control-Allow-Origin" not in posted.headers
    # not the pages
    assert "Access-Control-Allow-Origin" not in client.get(
        "/entities", headers={"Origin": ORIGIN}).headers


def test_cors_for_listed_origins_covers_their_writes_too(examples_db: Path) -> None:
    client = make_client(examples_db,
                         CORS_ORIGINS=f"{ORIGIN}, http://localhost:5173")
    read = client.get("/api/events", headers={"Origin": ORIGIN})
    assert read.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in read.headers["Vary"]
    stranger = client.get("/api/events", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    assert "Origin" in stranger.headers["Vary"]
    answer = preflight(client, "/api/sources", method="POST",
                       headers="Authorization, Content-Type")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]
    posted = client.post("/api/sources", headers={"Origin": ORIGIN, **AUTH},
                         json={"url": "https://news.example.org/feed.xml"})
    assert posted.status_code == 201
    assert posted.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_private_trackers_preflight_needs_no_token_but_a_listed_origin(
        examples_db: Path) -> None:
    listed = make_client(examples_db, READS_NEED_TOKEN=True, CORS_ORIGINS=ORIGIN)
    answer = preflight(listed, "/api/events", headers="Authorization")
    assert answer.status_code == 204 and answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    anyone = make_client(examples_db, READS_NEED_TOKEN=True, CORS_ORIGINS="*")
    assert preflight(anyone, "/api/events").status_code == 401


def test_cors_origins_come_from_the_environment(examples_db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_CORS_ORIGINS", ORIGIN)
    client = make_client(examples_db)
    assert client.get("/api/kinds", headers={"Origin": ORIGIN}).headers[
        "Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("value", ["dashboard.example.org", "https://x.example/path",
                                   "*, https://x.example", "ftp://x.example"])
def test_a_wrong_cors_setting_refuses_to_start(examples_db: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
        make_client(examples_db, CORS_ORIGINS=value)


# ---------------------------------------------------------------- one error shape

def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status and body["error"]
    return dict(body)


def test_unknown_routes_and_methods_answer_in_the_error_shape(client: FlaskClient) -> None:
    assert_error(client.get("/api/nothing/here"), 404)
    assert_error(client.get("/api/events/no-such-event"), 404)
    assert_error(client.get("/api/articles/no-such-article"), 404)
    assert_error(client.get("/api/sources/no-such-source"), 404)
    refused = client.delete("/api/events")
    assert "GET" in assert_error(refused, 405)["error"]
    assert "GET" in refused.headers["Allow"]
    assert client.delete("/entities").status_code == 405  # pages keep their HTML error


BAD_VALUES = ["-1", "abc", "1e309", "9" * 40, "\x00", "2025-13-45", '"', "a" * 400, "NaN"]


def query_params() -> list[tuple[str, str]]:
    return [(op.path, p.name) for op in openapi.OPERATIONS if op.method == "get"
            for p in op.params if p.where == "query"]


@pytest.mark.parametrize(("path", "name"), query_params())
def test_every_bad_parameter_is_a_400_naming_it_never_a_500(
        client: FlaskClient, path: str, name: str) -> None:
    for value in BAD_VALUES:
        response = client.get(path, query_string={name: value})
        assert response.status_code in (200, 400), (name, value, response.status_code)
        if response.status_code == 400:
            assert name in assert_error(response, 400)["error"], (name, value)


# ---------------------------------------------------------------- who may read

def test_reads_are_open_by_default_and_private_with_reads_need_token(
        client: FlaskClient, examples_db: Path) -> None:
    for url in ("/api/events", "/api/openapi.json", "/api/"):
        assert client.get(url).status_code == 200
    private = make_client(examples_db, READS_NEED_TOKEN=True)
    event = client.get("/api/events?limit=1").get_json()["events"][0]["id"]
    article = client.get(f"/api/events/{event}").get_json()["event"]["mentions"][0]["article_id"]
    for url in ("/api/events", "/api/openapi.json", "/api/", f"/api/events/{event}",
                f"/api/articles/{article}"):
        refused = private.get(url)
        assert_error(refused, 401)
        assert refused.headers["API-Version"] == "1"
        assert private.get(url, headers=AUTH).status_code == 200
