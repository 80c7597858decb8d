"""Extraction in worker processes: the same results as in process, in order, and nothing lost
when an article or the pool itself fails; the processes end with the process that owns them,
even when it is killed with SIGKILL; an oversized article stays out of them.

Real processes (``forkserver``), real articles from ``tests/newsfeed.py``; the worker test polls
feeds from the local HTTP server with and without extraction processes and compares databases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.worker import Worker
from tests.httpserver import LocalServer
from tests.newsfeed import ChangingFeed, article
from tracker.errors import InputError
from tracker.extract.mentions import extract_all
from tracker.extract.pool import MAX_POOLED_CHARS, ExtractionPool, Prepared
from tracker.ids import article_id
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.sources import add_source
from tracker.store import Store


def news(seed: int) -> Article:
    entry = article(seed, size=1500)
    return Article(id=article_id(entry.url, entry.text), title=entry.title, text=entry.text,
                   url=entry.url, canonical_url=entry.url, published_at=entry.published,
                   published_basis="feed", fetched_at=entry.published, language="en",
                   source_name="Example News")


@pytest.fixture
def pool() -> Iterator[ExtractionPool]:
    extraction = ExtractionPool(2, start_after=0)
    yield extraction
    extraction.close()


def test_articles_come_back_in_order_with_the_extraction_of_one_process(
        pool: ExtractionPool) -> None:
    error = InputError("line 3: not JSON")
    items = [news(1), error, news(2), news(3), news(4), news(5)]
    prepared = pool.prepare(items)
    assert prepared[1] is error
    assert [p.article if isinstance(p, Prepared) else p for p in prepared] == items
    for item, result in zip(items, prepared, strict=True):
        if isinstance(item, Article):
            assert isinstance(result, Prepared)
            assert result.extraction == extract_all(item)


def test_an_article_that_fails_to_extract_comes_back_for_the_ingestor_to_report(
        pool: ExtractionPool) -> None:
    undated = Article(id="undated", title="", text="Talks opened in Geneva on Friday.", url=None,
                      canonical_url=None, published_at=None, published_basis=None,
                      fetched_at=None, language="en", source_name=None)
    prepared = pool.prepare([news(1), undated, news(2), news(3)])
    assert prepared[1] is undated  # extract_all raises for it: the ingestor says why
    assert all(isinstance(p, Prepared) for p in (prepared[0], prepared[2], prepared[3]))


def test_a_killed_process_breaks_nothing_and_later_batches_extract_in_process(
        pool: ExtractionPool) -> None:
    assert isinstance(pool.prepare([news(n) for n in range(4)])[0], Prepared)
    executor = pool._executor
    assert executor is not None
    for pid in list(executor._processes):  # what an out-of-memory killer would do
        os.kill(pid, signal.SIGKILL)
    items = [news(n) for n in range(10, 14)]
    assert pool.prepare(items) == items  # unprepared, not lost
    assert pool.prepare(items) == items


def test_a_stream_comes_back_in_order_and_closing_it_early_loses_nothing_stored(
        pool: ExtractionPool) -> None:
    items: list[Article | InputError] = [news(n) for n in range(39)]
    items.insert(7, InputError("line 8: not JSON"))  # 40 items: eight batches of five
    out = list(pool.stream(iter(items), batch=5))
    assert [p.article if isinstance(p, Prepared) else p for p in out] == items
    assert sum(isinstance(p, Prepared) for p in out) == 39

    stream = pool.stream(iter(items), batch=5)
    first = [next(stream) for _ in range(3)]
    stream.close()  # a stopping ingestor: what was queued is dropped, not stored
    assert [p.article if isinstance(p, Prepared) else p for p in first] == items[:3]


def store_dump(db: Path) -> tuple[list[object], list[object]]:
    with Store(db) as store:
        return (store.query("SELECT id, title, date_start, date_end, precision, kind, "
                            "n_mentions, score FROM events ORDER BY id"),
                store.query("SELECT * FROM mentions ORDER BY id"))


def test_bulk_ingestion_with_processes_stores_what_one_process_stores_and_skips_known_articles(
        tmp_path: Path, pool: ExtractionPool) -> None:
    articles = [news(n) for n in range(30)]
    with Store(tmp_path / "one.db") as store:
        Ingestor(store).ingest(iter(articles))
    with Store(tmp_path / "pool.db") as store:
        Ingestor(store, extraction=pool).ingest(iter(articles))
        assert pool.extracted == 30
        again = Ingestor(store, extraction=pool).ingest(iter(articles))
        assert again.unchanged == 30 and pool.extracted == 30  # stored before: not extracted
    assert store_dump(tmp_path / "pool.db") == store_dump(tmp_path / "one.db")


def test_a_handful_of_articles_does_not_start_processes() -> None:
    extraction = ExtractionPool(2)  # starts after START_AFTER articles
    items = [news(n) for n in range(5)]
    assert extraction.prepare(items) == items
    assert extraction._executor is None
    extraction.close()


def test_the_worker_stores_the_same_events_with_and_without_extraction_processes(
        tmp_path: Path) -> None:
    def run(server: LocalServer, processes: int) -> tuple[list[object], list[object]]:
        db = tmp_path / f"p{processes}.db"
        with Store(db) as store:
            for n in range(3):
                add_source(store, server.url(f"/feed{n}.xml"), kind="feed")
        worker = Worker(str(db), threads=3, processes=processes)
        worker.extraction = ExtractionPool(processes, start_after=0)
        worker.run_once()
        assert worker.extraction.extracted == (18 if processes else 0)
        return store_dump(db)

    with LocalServer() as server:
        for n in range(3):
            entries = [article(n * 10 + i, base=server.base_url, size=1200,
                               published=datetime(2025, 5, 10 + i, 9, tzinfo=UTC))
                       for i in range(6)]
            server.handle(f"/feed{n}.xml", ChangingFeed(server.base_url, entries))
        in_process = run(server, 0)
        assert in_process[0] and in_process[1]
        assert run(server, 2) == in_process


@pytest.mark.slow
def test_an_article_longer_than_the_processes_take_comes_back_for_the_ingestor_to_cut(
        pool: ExtractionPool) -> None:
    items = [news(n) for n in range(4)]
    pool.max_chars = max(len(a.text) for a in items)
    page = news(4)
    page = Article(id="page", title=page.title, text=page.text * 3, url=page.url,
                   published_at=page.published_at)
    items.insert(2, page)
    prepared = pool.prepare(items)
    assert prepared[2] is page  # the ingestor cuts it and extracts it itself
    assert all(isinstance(p, Prepared) for i, p in enumerate(prepared) if i != 2)
    assert ExtractionPool(2).max_chars == MAX_POOLED_CHARS


# The owner: starts a pool, keeps both processes busy extracting long articles (as when a worker
# is killed in the middle of a bulk load), prints their pids, then waits to be killed.
OWNER = """
import sys, threading, time
from datetime import UTC, datetime
from tracker.extract.pool import ExtractionPool
from tracker.models import Article

pool = ExtractionPool(2, start_after=0)
text = "Talks were held in Geneva on Friday, May 16, officials said. " * 12_000
articles = [Article(id=f"a{n}", title="", text=text + str(n),
                    published_at=datetime(2025, 5, 16, tzinfo=UTC)) for n in range(16)]
threading.Thread(target=lambda: list(pool.stream(iter(articles), batch=4)), daemon=True).start()
while pool._executor is None or len(pool._executor._processes) < 2:
    time.sleep(0.05)
time.sleep(0.5)  # well into their first articles
print(*pool._executor._processes, flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    """Whether the process exists and has not ended (a zombie waits to be reaped: it has)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_extraction_processes_end_within_seconds_of_their_owner_being_killed_with_sigkill(
) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    children: list[int] = []
    try:
        assert owner.stdout is not None
        children = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(children) == 2 and all(running(pid) for pid in children)
        owner.kill()  # SIGKILL: no clean-up runs in the owner
        owner.wait()
        deadline = time.monotonic() + 5
        while any(running(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in children if running(pid)]
    finally:
        owner.kill()
        for pid in children:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
