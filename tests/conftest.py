"""Shared fixtures: real SQLite files in temporary folders, the bundled examples, ../shared data."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.httpserver import LocalServer
from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.store import Store
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "spring-2025-talks.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"
# One article whose words are HTML (dated 3 May, a day of its own): everything user-written
# must reach pages, hover labels, panels and the story as text.
HOSTILE_ARTICLE = (
    '{"url": "https://hostile.example.net/2025/05/04/a", "title": "<img src=x onerror=alert(1)>", '
    '"published": "2025-05-04", "source": "<b>Hostile</b> Gazette", "text": "Delegates '
    '<img src=x onerror=alert(1)> and <script>alert(2)</script> held talks in Istanbul on '
    'Saturday, May 3, the <b>ministry</b> said. Negotiators met again in Istanbul on May 3 '
    'to <i>discuss</i> a ceasefire."}\n'
)


@pytest.fixture(autouse=True)
def _private_networks_allowed(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests fetch from local servers on 127.0.0.1, which the URL policy refuses by default:
    allow private networks, as a closed-network deployment would. Tests marked
    ``network_policy`` test the policy itself and run with the variable unset."""
    if request.node.get_closest_marker("network_policy"):
        monkeypatch.delenv("TRACKER_ALLOW_PRIVATE_NETWORKS", raising=False)
    else:
        monkeypatch.setenv("TRACKER_ALLOW_PRIVATE_NETWORKS", "1")


_LOCAL_NAMES = ("localhost", "127.", "::1", "0:0:0:0:0:0:0:1")


@pytest.fixture(autouse=True)
def _no_name_lookups_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sends a packet beyond 127.0.0.0/8, not even a DNS query: a lookup of any other
    name fails here as an unknown host would (in this process; subprocesses are given local
    URLs only)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name and not name.lower().startswith(_LOCAL_NAMES):
            raise socket.gaierror(socket.EAI_NONAME, f"no lookups of {name} in tests")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 for this test (``tests/httpserver.py``)."""
    with LocalServer() as s:
        yield s


@pytest.fixture
def app(examples_db: Path) -> Flask:
    """The web app over a copy of the examples database (modules may define their own)."""
    return create_app({"DATABASE": str(examples_db), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (external evaluation data, beside the repository)")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a fresh database file goes (not created yet)."""
    return tmp_path / "tracker.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as s:
        yield s


@pytest.fixture(scope="session")
def _examples_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("examples") / "examples.db"
    with Store(path) as s:
        report = Ingestor(s).ingest(read_jsonl(EXAMPLES))
        assert report.failed == 0, report.failures
    return path


@pytest.fixture
def examples_db(_examples_db_master: Path, tmp_path: Path) -> Path:
    """A database holding the bundled example articles; a private copy per test."""
    copy = tmp_path / "examples.db"
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(_examples_db_master, copy)
    return copy


# A page that makes the HTML parser fail with an error that is not one of ours, as a library's
# bug would (the tracker's own parsers handle every hostile page we know of, so the failure is
# planted): for tests of what a poll does with the unexpected.
PLANTED_FAILURE_PAGE = (b"<html><body><article><p>"
                        + b"The harbour board met again to discuss the eastern channel. " * 20
                        + b"</p><!-- planted parser failure --></article></body></html>")


@pytest.fixture
def planted_parser_failure(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Make ``PLANTED_FAILURE_PAGE`` raise RecursionError in the page parser; returns it."""
    import tracker.sources

    real = tracker.sources.parse_html

    def parse_html(body: bytes, *args: Any, **kwargs: Any) -> Any:
        if b"planted parser failure" in body:
            raise RecursionError("maximum recursion depth exceeded (planted)")
        return real(body, *args, **kwargs)

    monkeypatch.setattr(tracker.sources, "parse_html", parse_html)
    return PLANTED_FAILURE_PAGE
