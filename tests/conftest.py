"""Shared fixtures: real SQLite files in temporary folders, the bundled examples, ../shared data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.store import Store

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
