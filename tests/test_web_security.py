"""The web app under hostile input, one test per finding of the review.

1. The export streams in bounded memory, the same document as before; at most two exports run
   at once (more get a 429 with Retry-After), and the rest of the server stays responsive.
2. The server's settings fit the load: silent connections neither exhaust it nor linger.
3. Reads can be put behind the API token (Bearer for the API, Basic for browsers).
4. Nothing leaks: URLs are redacted, errors are categories for anonymous readers, and the
   database path is shown only to token holders.
5. Odd search text is a 400 or harmless (control characters, LIKE wildcards, FTS5 syntax), and
   every response carries the security headers while no page holds inline script or style.

Real SQLite files throughout, the Flask test client for single requests, and a real
`tracker serve` process for the load findings. The browser side (the dashboard under the CSP)
is in ``test_dashboard.py``.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tracker import clock, query
from tracker.store import Store
from tracker.store import sources as table
from web import ConfigurationError, create_app
from web.security import CONTENT_SECURITY_POLICY
from web.server import ServerSettings

TOKEN = "s3cret-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FIXED_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def make_client(db: Path, **settings: Any) -> FlaskClient:
    return create_app({"DATABASE": str(db), "TESTING": True, **settings}).test_client()


@pytest.fixture
def app(examples_db: Path) -> Flask:
    return create_app({"DATABASE": str(examples_db), "TESTING": True, "API_TOKEN": TOKEN})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def fixed_clock() -> Iterator[None]:
    clock.set_now(lambda: FIXED_NOW)
    yield
    clock.set_now(None)


def insert_events(path: Path, n: int, size: int) -> None:
    """``n`` synthetic active events, eight a day from 2020, each with a summary of about
    ``size`` characters (the bulk of an export, as mentions are in a real one)."""
    words = ("talks ceasefire harbour delegation minister agreement " * (size // 50 + 1))[:size]
    rows = []
    for i in range(n):
        day = (date(2020, 1, 1) + timedelta(days=i // 8)).isoformat()
        rows.append((f"e-{i:06d}", f"k{i}", f"Event {i}", "other", day, day, "day", "that day",
                     "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00",
                     json.dumps([f"{i} {words}"])))
    with Store(path) as store, store.transaction():
        store.db.conn.executemany(
            "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
            "date_text, first_seen_at, updated_at, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 events, an export of about 38 MB."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    insert_events(path, 6000, 6000)
    return path


# ---------------------------------------------------------------- 1. the export


def test_the_streamed_export_is_the_export_document(client: FlaskClient, examples_db: Path,
                                                    fixed_clock: None) -> None:
    for params, f in (("", query.EventFilter()),
                      ("?min_confidence=0", query.EventFilter(min_confidence=0)),
                      ("?key=1&from=2025-05-10", query.EventFilter(
                          top=25, date_from=date(2025, 5, 10)))):
        response = client.get(f"/api/export{params}")
        assert response.status_code == 200 and response.is_streamed
        assert response.mimetype == "application/json"
        with Store(examples_db) as store:
            expected = query.export_timeline(store, f)
        assert json.loads(response.get_data(as_text=True)) == expected, params
        assert expected["count"] == len(expected["events"]) > 0


@pytest.mark.parametrize("indent", [None, 1, 2])
@pytest.mark.parametrize("batch", [1, 3, 500])
def test_export_json_is_byte_for_byte_json_dumps_of_the_document(
        examples_db: Path, fixed_clock: None, indent: int | None, batch: int) -> None:
    with Store(examples_db) as store:
        for f in (query.EventFilter(min_confidence=0), query.EventFilter(kind="no-such-kind")):
            document = query.export_timeline(store, f)
            separators = (",", ":") if indent is None else (",", ": ")
            expected = json.dumps(document, indent=indent, ensure_ascii=False,
                                  separators=separators)
            pieces = list(query.export_json(store, f, indent=indent, ensure_ascii=False,
                                            batch=batch))
            assert "".join(pieces) == expected
            if document["events"] and batch == 1:
                assert len(pieces) > len(document["events"])  # streamed, not one string


def export_peak(store: Store, f: query.EventFilter) -> tuple[int, int]:
    """(characters exported, peak bytes traced while streaming them)."""
    tracemalloc.start()
    try:
        total = sum(len(piece) for piece in query.export_json(store, f))
        return total, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_export_holds_one_batch_in_memory_not_the_timeline(big_db: Path) -> None:
    with Store(big_db) as store:
        small, small_peak = export_peak(store, query.EventFilter(date_to=date(2020, 5, 4)))
        total, peak = export_peak(store, query.EventFilter())
    assert total > 30_000_000 and total > 5 * small  # 1,000 events, then 6,000
    # memory follows the batch (500 events), not the timeline: flat as the export grows
    assert peak < 1.3 * small_peak, (small_peak, peak)
    assert peak < total / 3, f"peak {peak / 1e6:.1f} MB for a {total / 1e6:.1f} MB export"


def test_an_export_beyond_the_limit_is_a_429_with_retry_after(examples_db: Path) -> None:
    client = make_client(examples_db, EXPORT_CONCURRENCY=1)
    first = client.get("/api/export")  # the test client reads the first chunk and waits
    busy = client.get("/api/export")
    assert busy.status_code == 429
    assert int(busy.headers["Retry-After"]) > 0
    assert busy.get_json() == {"ok": False, "status": 429, "error": busy.get_json()["error"]}
    assert "at most 1" in busy.get_json()["error"]
    assert client.get("/api/events").status_code == 200  # other reads go on
    first.close()  # the server closing the response gives the slot back
    assert client.get("/api/export").get_json()["ok"] is True
    assert client.get("/api/export").status_code == 200  # read to the end: given back too


def test_bad_export_settings_and_parameters_are_refused(
        examples_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in (0, -1, "2", 1.5, True):
        with pytest.raises(ConfigurationError, match="EXPORT_CONCURRENCY"):
            create_app({"DATABASE": str(examples_db), "EXPORT_CONCURRENCY": bad})
    monkeypatch.setenv("TRACKER_EXPORT_CONCURRENCY", "many")
    with pytest.raises(ConfigurationError, match="EXPORT_CONCURRENCY"):
        create_app({"DATABASE": str(examples_db)})
    monkeypatch.setenv("TRACKER_EXPORT_CONCURRENCY", "3")
    assert create_app({"DATABASE": str(examples_db)}).config["EXPORT_CONCURRENCY"] == 3
    monkeypatch.delenv("TRACKER_EXPORT_CONCURRENCY")
    client = make_client(examples_db, EXPORT_CONCURRENCY=1)
    for _ in range(3):  # a 400 takes no slot
        assert client.get("/api/export?from=yesterday").status_code == 400
    assert client.get("/api/export").status_code == 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`tracker serve` in its own process on 127.0.0.1."""

    def __init__(self, db: Path, *options: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "--db", str(db), "serve", "--host",
             "127.0.0.1", "--port", str(self.port), *options],
            cwd=ROOT, env={**os.environ, "TRACKER_ALLOW_PRIVATE_NETWORKS": "1", **(env or {})},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.get("/api/health", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("tracker serve did not start")

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self.process.stderr is not None
        self.process.stderr.close()


def stalled_export(port: int) -> tuple[socket.socket, int]:
    """Ask for an export and read nothing but its status line: a reader that never keeps up.
    A small receive buffer, so the server soon has nowhere to put the rest."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /api/export HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = b""
    while b"\r\n" not in head:
        head += sock.recv(1)
    return sock, int(head.split()[1])


def test_four_exports_at_once_cost_two_and_health_answers_at_once(big_db: Path) -> None:
    server = Server(big_db)
    try:
        before = server.rss_mb()
        stalled = [stalled_export(server.port) for _ in range(4)]
        statuses = sorted(status for _, status in stalled)
        assert statuses == [200, 200, 429, 429]
        started = time.monotonic()
        status, body = server.get("/api/health")
        assert status == 200 and json.loads(body)["ok"] is True
        assert time.monotonic() - started < 1.0  # it waited 18 s behind four exports
        time.sleep(1)  # let the two streaming exports fill what buffers they can
        assert server.rss_mb() - before < 150, (before, server.rss_mb())  # it was +730 MB
        for sock, _ in stalled:
            sock.close()  # readers gone: their slots come back
        deadline = time.monotonic() + 10
        while (status := server.get("/api/export?from=2099-01-01")[0]) == 429 \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        status, body = server.get("/api/export", timeout=60)
        assert status == 200
        document = json.loads(body)
        assert document["count"] == len(document["events"]) == 6000
    finally:
        server.stop()


# ---------------------------------------------------------------- 2. server settings


def test_server_defaults_fit_many_readers_and_are_documented() -> None:
    options = ServerSettings().waitress_options()
    assert 8 <= options["threads"] <= 16
    assert options["channel_timeout"] == 30 and options["connection_limit"] >= 200
    assert options["cleanup_interval"] <= 10 and options["backlog"] >= 1024
    assert options["max_request_body_size"] <= 1024 * 1024
    for command in ("serve", "run"):
        result = subprocess.run([sys.executable, "-m", "tracker.cli", command, "--help"],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 0, result.stderr
        text = " ".join(result.stdout.split())
        for option in ("--threads", "--connection-limit", "--channel-timeout",
                       "TRACKER_READS_NEED_TOKEN", "TRACKER_API_TOKEN"):
            assert option in text, (command, option)
    bad = subprocess.run([sys.executable, "-m", "tracker.cli", "serve", "--threads", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode != 0 and "--threads must be between" in bad.stderr


def test_silent_connections_neither_stall_the_server_nor_linger(examples_db: Path) -> None:
    server = Server(examples_db, "--channel-timeout", "3")
    idle: list[socket.socket] = []
    try:
        for i in range(105):  # with waitress's defaults (100 connections), this stalled it
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if i % 2:
                sock.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(sock)
        started = time.monotonic()
        assert server.get("/api/health")[0] == 200
        assert time.monotonic() - started < 1.0
        # each is closed by the server once idle for the channel timeout (checked every 3 s)
        for sock in idle[:5]:
            sock.settimeout(15)
            with contextlib.suppress(ConnectionResetError):  # closed either way
                assert sock.recv(1024) == b""
    finally:
        for sock in idle:
            sock.close()
        server.stop()


# ---------------------------------------------------------------- 3. reads behind the token

API_READS = ["/api/events", "/api/events?q=Istanbul", "/api/export", "/api/top", "/api/kinds",
             "/api/entities", "/api/sources", "/api/health", "/api/no/such/route"]
PAGES = ["/", "/?view=chart", "/entities", "/sources", "/no/such/page"]
OPEN_ASSETS = ["/static/style.css", "/static/dashboard.js", "/static/vendor/plotly.min.js"]


def test_reads_can_be_put_behind_the_token(examples_db: Path) -> None:
    client = make_client(examples_db, API_TOKEN=TOKEN, READS_NEED_TOKEN=True)
    for url in API_READS:
        refused = client.get(url)
        assert refused.status_code == 401, url
        assert refused.get_json()["status"] == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'
        assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get(url, headers=BEARER).status_code in (200, 404), url
        # the dashboard's script calls the API with the browser's Basic credentials
        assert client.get(url, headers=basic("anyone", TOKEN)).status_code in (200, 404), url
    for url in PAGES:
        refused = client.get(url)
        assert refused.status_code == 401 and "text/html" in refused.content_type, url
        assert refused.headers["WWW-Authenticate"].startswith('Basic realm="tracker"')
        assert "Istanbul" not in refused.get_data(as_text=True)
        assert client.get(url, headers=basic("me", "wrong")).status_code == 401
        assert client.get(url, headers=basic("", TOKEN)).status_code in (200, 404), url
        assert client.get(url, headers=BEARER).status_code in (200, 404), url
    for url in OPEN_ASSETS:
        assert client.get(url).status_code == 200, url


def test_reads_need_the_token_from_the_environment_and_a_token_must_exist(
        examples_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_READS_NEED_TOKEN", "1")
    monkeypatch.delenv("TRACKER_API_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="TRACKER_API_TOKEN"):
        create_app({"DATABASE": str(examples_db)})
    monkeypatch.setenv("TRACKER_API_TOKEN", TOKEN)
    client = make_client(examples_db)
    assert client.get("/api/events").status_code == 401
    assert client.get("/api/events", headers=BEARER).status_code == 200
    monkeypatch.setenv("TRACKER_READS_NEED_TOKEN", "0")
    assert make_client(examples_db).get("/api/events").status_code == 200


def test_writes_take_the_token_only_as_bearer_even_when_reads_take_basic(
        examples_db: Path) -> None:
    client = make_client(examples_db, API_TOKEN=TOKEN, READS_NEED_TOKEN=True)
    feed = {"url": "https://news.example.org/rss.xml"}
    # a cross-site form would carry cached Basic credentials: they must not be enough
    assert client.post("/api/sources", json=feed, headers=basic("me", TOKEN)).status_code == 401
    assert client.post("/api/sources", json=feed, headers=BEARER).status_code == 201


def test_the_token_is_compared_in_constant_time(examples_db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def recording(a: Any, b: Any) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    client = make_client(examples_db, API_TOKEN=TOKEN, READS_NEED_TOKEN=True)
    for guess in ("x", "s3cret-tokem", TOKEN + "-and-more", TOKEN):
        client.get("/api/events", headers={"Authorization": f"Bearer {guess}"})
        client.post("/api/sources/none/enable", headers={"Authorization": f"Bearer {guess}"})
    # every comparison went through compare_digest, on digests of one length (the length of
    # a guess shows nothing either)
    assert len(compared) >= 8 and set(compared) == {(32, 32)}


# ---------------------------------------------------------------- 4. information leaks

SECRET_FEED = "https://reader:hunter2@feeds.example.org/rss?lang=en&token=abc123&api_key=k99"
ERRORS = {  # what the fetcher and parsers say -> what an anonymous reader sees
    "connection refused by 10.1.2.3 (https://reader:hunter2@10.1.2.3:8080/x)": "fetch failed",
    "timed out after 5 s connecting to 10.1.2.3 (https://10.1.2.3:81/x)": "fetch failed",
    "cannot resolve host intranet.local (https://intranet.local/rss)": "fetch failed",
    "timed out after 10 s waiting for https://feeds.example.org/rss?token=abc123": "timeout",
    "fetching https://feeds.example.org/rss took longer than 60 s": "timeout",
    "HTTP 404 from https://feeds.example.org/rss?token=abc123": "HTTP 404",
    "unexpected HTTP 418 from https://feeds.example.org/rss": "HTTP 418",
    "https://feeds.example.org/rss is not an RSS or Atom feed (got HTML)": "parse error",
    "refused by URL policy: 10.1.2.3 is a private address": "refused by URL policy",
    "/srv/archive/a.txt: no such file": "read failed",
    "response from https://x.example/rss is larger than 10 MB limit": "fetch failed",
    "something nobody expected at https://x.example/?sig=zz": "fetch failed",
}


def add_failing_source(db: Path, url: str, error: str, *, kind: str = "feed") -> None:
    with Store(db) as store:
        sid = f"s{len(table.all_sources(store)) + 1}"
        table.upsert_source(store, id=sid, kind=kind, url=url, name="Harbour Feed",
                            language="en", interval=3600, fetch_pages=True, enabled=True)
        table.record_failure(store, sid, when=clock.now(), next_due=clock.now(), error=error,
                             failures=1)
        run = store.start_run("poll", sid)
        store.finish_run(run, status="failed", n_failed=1, error=error, detail=[error])


def all_reads(client: FlaskClient, headers: dict[str, str] | None = None) -> str:
    """Everything the sources are shown in, as one text."""
    return "\n".join(client.get(url, headers=headers or {}).get_data(as_text=True)
                     for url in ("/sources", "/api/sources", "/api/health", "/"))


def test_source_urls_never_show_credentials_or_secret_parameters(
        client: FlaskClient, examples_db: Path) -> None:
    add_failing_source(examples_db, SECRET_FEED, f"HTTP 401 from {SECRET_FEED}")
    sid = client.get("/api/sources").get_json()["sources"][0]["id"]
    for headers in (None, BEARER):
        seen = all_reads(client, headers) + client.get(f"/api/sources/{sid}",
                                                       headers=headers or {}).get_data(True)
        for secret in ("hunter2", "reader:", "abc123", "k99"):
            assert secret not in seen, (headers, secret)
        assert "https://***@feeds.example.org/rss?lang=en&amp;token=***&amp;api_key=***" in seen
    refused = client.post("/api/sources", headers=BEARER, json={
        "url": "https://u:pw@other.example.org/feed.xml?secret=x1"})
    assert refused.status_code == 400 and "credentials" in refused.get_json()["error"]
    assert "pw" not in refused.get_json()["error"]
    created = client.post("/api/sources", headers=BEARER, json={
        "url": "https://other.example.org/feed.xml?secret=x1"}).get_json()["source"]
    assert created["url"] == "https://other.example.org/feed.xml?secret=***"


@pytest.mark.parametrize(("error", "category"), list(ERRORS.items()))
def test_anonymous_readers_see_what_failed_not_where(
        client: FlaskClient, examples_db: Path, error: str, category: str) -> None:
    add_failing_source(examples_db, "https://feeds.example.org/rss", error)
    (source,) = client.get("/api/sources").get_json()["sources"]
    assert source["last_error"] == category
    assert source["last_run"]["error"] == category
    (health,) = client.get("/api/health").get_json()["sources"]
    assert health["last_error"] == category
    page = client.get("/sources").get_data(as_text=True)
    assert "10.1.2.3" not in page and "refused by 10" not in page and "intranet" not in page
    # token holders (API: Bearer; browsers: Basic) get the full text, URLs still redacted
    full = client.get("/api/sources", headers=BEARER).get_json()["sources"][0]["last_error"]
    assert full == query.redact_text(error) and "hunter2" not in full and "abc123" not in full
    page = client.get("/sources", headers=basic("me", TOKEN)).get_data(as_text=True)
    assert lxml.html.fromstring(page).xpath('//span[@class="err"]')[0].text == full


def test_error_details_on_the_sources_page_ask_for_the_token(
        client: FlaskClient, examples_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_failing_source(examples_db, "https://feeds.example.org/rss", next(iter(ERRORS)))
    doc = lxml.html.fromstring(client.get("/sources").get_data(as_text=True))
    link = doc.xpath('//*[@id="details-note"]//a')[0].get("href")
    challenged = client.get(link)
    assert challenged.status_code == 401
    assert challenged.headers["WWW-Authenticate"].startswith('Basic realm="tracker"')
    signed_in = client.get(link, headers=basic("me", TOKEN)).get_data(as_text=True)
    assert "connection refused by 10.1.2.3" in signed_in and "details-note" not in signed_in
    monkeypatch.delenv("TRACKER_API_TOKEN", raising=False)
    no_token = make_client(examples_db).get(link)
    assert no_token.status_code == 403 and "TRACKER_API_TOKEN" in no_token.get_data(True)


def test_local_sources_show_their_name_not_the_servers_folders(
        client: FlaskClient, examples_db: Path) -> None:
    add_failing_source(examples_db, "/srv/private/archive", "/srv/private/archive/x.txt: "
                       "permission denied", kind="dir")
    assert "/srv/private" not in all_reads(client)
    (source,) = client.get("/api/sources").get_json()["sources"]
    assert (source["url"], source["last_error"]) == ("archive", "read failed")
    assert "/srv/private/archive" in client.get("/api/health", headers=BEARER).get_data(True)


def test_the_database_path_is_shown_only_to_token_holders(
        client: FlaskClient, examples_db: Path, tmp_path: Path) -> None:
    anonymous = client.get("/api/health").get_json()
    assert "path" not in anonymous["database"] and anonymous["database"]["bytes"] > 0
    assert str(examples_db.parent) not in json.dumps(anonymous)
    assert client.get("/api/health", headers=BEARER).get_json()["database"]["path"] == \
        str(examples_db)
    missing = make_client(tmp_path / "nowhere" / "tracker.db", API_TOKEN=TOKEN)
    for url in ("/api/events", "/"):
        response = missing.get(url)
        assert response.status_code == 503
        assert str(tmp_path) not in response.get_data(as_text=True), url
    assert str(tmp_path) in missing.get("/api/events", headers=BEARER).get_json()["error"]


# ---------------------------------------------------------------- 5. search text and headers

CONTROLS = ["\x00", "a\x00b", "\x01", "Istanbul\x1b[2J", "\x7f", "a\x85b"]


@pytest.mark.parametrize("q", CONTROLS)
def test_control_characters_in_search_text_are_a_400(client: FlaskClient, q: str) -> None:
    for url in ("/api/events", "/api/entities", "/api/export", "/", "/entities"):
        response = client.get(url, query_string={"q": q, "view": "chart"})
        assert response.status_code == 400, url
        assert "control characters" in response.get_data(as_text=True), url
        if url.startswith("/api"):
            assert response.get_json()["error"].startswith("q ")
    assert client.get("/api/events", query_string={"entity": "x\x00"}).status_code == 400


def test_percent_and_underscore_are_letters_not_wildcards(client: FlaskClient,
                                                          examples_db: Path) -> None:
    assert client.get("/api/entities?limit=1000").get_json()["entities"]
    for q in ("%", "_", "%%", "Zel%sky", "_elensk"):
        assert client.get("/api/entities", query_string={"q": q}).get_json()["entities"] == []
        assert client.get("/api/events", query_string={"q": q}).get_json()["total"] == 0
    with Store(examples_db) as store:
        store.execute("INSERT INTO entities (id, name, kind) VALUES "
                      "('n-pct', '100% Renewables_Alliance', 'org')")
    found = client.get("/api/entities", query_string={"q": "100% Renewables_"}).get_json()
    assert [e["name"] for e in found["entities"]] == ["100% Renewables_Alliance"]
    assert [e["name"] for e in client.get("/api/entities?q=Zelensk").get_json()["entities"]] \
        == ["Volodymyr Zelenskyy"]


@pytest.mark.parametrize("q", ['NEAR(a b', '"', '"""', "a OR", "* b", "title:x", "^a",
                               "a AND NOT b", ")(", "'", "\\", "a\\", "-x", "{a b}", "+", "é~",
                               "x" * 300])
def test_full_text_syntax_in_search_text_is_never_a_500(client: FlaskClient, q: str) -> None:
    # q is FTS5 syntax when it uses it: a query that does not parse is a 400 naming q (the
    # page shows the message); plain words never are. Name searches are not full-text.
    for url in ("/api/events", "/"):
        response = client.get(url, query_string={"q": q, "view": "chart"})
        assert response.status_code in (200, 400), (url, response.status_code)
        if response.status_code == 400:
            assert "q: " in response.get_data(as_text=True)
    for url in ("/api/entities", "/entities"):
        assert client.get(url, query_string={"q": q}).status_code == 200, url


@pytest.mark.parametrize(("q", "expected"), [
    ("Istanbul talks", 200), ("don't stop", 200), ("U.S. envoy", 200),
    ('"prisoner exchange"', 200), ("talks NOT Istanbul", 200), ("title: talks", 200),
    ("negot*", 200), ("talks OR ceasefire", 200),
    ("talks AND", 400), ("place: Istanbul", 400), ('"unclosed', 400), ("(talks", 400),
])
def test_search_takes_plain_words_or_full_text_syntax(client: FlaskClient, q: str,
                                                      expected: int) -> None:
    response = client.get("/api/events", query_string={"q": q})
    assert response.status_code == expected, response.get_json()
    if expected == 400:
        assert response.get_json()["error"].startswith("q: ")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=40))
def test_any_search_text_is_answered_never_a_500(client: FlaskClient, q: str) -> None:
    response = client.get("/api/events", query_string={"q": q})
    assert response.status_code in (200, 400)
    assert response.get_json()["ok"] is (response.status_code == 200)


def test_an_fts5_error_from_sqlite_is_a_400_naming_q(examples_db: Path) -> None:
    # Input we fail to clean one day: SQLite's own complaint about a MATCH is still a 400.
    app = create_app({"DATABASE": str(examples_db)})

    @app.get("/api/raw-match")
    def raw_match() -> Any:
        from web import get_store

        return {"rows": get_store().query(
            "SELECT rowid FROM events_fts WHERE events_fts MATCH ?", ['"unterminated'])}

    response = app.test_client().get("/api/raw-match")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("q: the search could not be understood")


SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_every_response_carries_the_security_headers(examples_db: Path,
                                                     tmp_path: Path) -> None:
    client = make_client(examples_db, API_TOKEN=TOKEN, EXPORT_CONCURRENCY=1)
    held = client.get("/api/export")
    responses = {url: client.get(url) for url in (
        "/", "/?view=chart", "/entities", "/sources", "/events/e-none", "/nowhere",
        "/api/events", "/api/events?limit=0", "/api/nowhere", "/api/export",
        "/sources?details=1", *OPEN_ASSETS)}
    responses["streamed export"] = held
    responses["401 write"] = client.post("/api/sources", json={})
    responses["503"] = make_client(tmp_path / "missing.db").get("/")
    responses["401 read"] = make_client(examples_db, API_TOKEN=TOKEN,
                                        READS_NEED_TOKEN=True).get("/")
    assert {r.status_code for r in responses.values()} >= {200, 400, 401, 404, 429, 503}
    for name, response in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
    held.close()


def test_the_policy_is_strict() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_no_template_holds_inline_script_handlers_or_styles(client: FlaskClient,
                                                            examples_db: Path) -> None:
    add_failing_source(examples_db, SECRET_FEED, "HTTP 500 from x")
    event_id = client.get("/api/events").get_json()["events"][0]["id"]
    entity_id = client.get("/api/entities").get_json()["entities"][0]["id"]
    urls = ["/", "/?view=chart", "/?from=2030-01-01", "/entities", f"/entities/{entity_id}",
            f"/events/{event_id}", "/sources", "/events/none"]
    for url in urls:
        doc = lxml.html.fromstring(client.get(url).get_data(as_text=True))
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (url, element.tag, name)
                assert name.lower() != "style", (url, element.tag)
                assert not value.strip().lower().startswith("javascript:"), (url, name)
        for script in doc.xpath("//script"):
            assert script.get("src") and not (script.text or "").strip(), url
        assert not doc.xpath("//style"), url
    for template in (ROOT / "web" / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8").lower()
        for banned in ("<script>", " style=", "javascript:", " onclick", " onload", "<style"):
            assert banned not in text, (template.name, banned)
