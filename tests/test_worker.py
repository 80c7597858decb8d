"""The worker: polls due sources politely, survives bad servers, stops cleanly, runs alone.

Every test runs against the real HTTP server of ``tests/httpserver.py`` on 127.0.0.1, with
feeds that change between polls; process-level behaviour (kill -9, SIGTERM, a second worker,
a restart resuming the schedule) runs the real `tracker worker` command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobs.worker import Worker
from tests.conftest import EXAMPLES
from tests.httpserver import LocalServer, Reply, repeated, wait_for
from tests.newsfeed import ChangingFeed, article, page, rss
from tracker import clock
from tracker.fetch import Fetcher
from tracker.sources import add_source, backoff_delay
from tracker.store import Store
from tracker.store import sources as table

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<link>{base}</link><description>d</description>
<item><title>Flood in the valley</title><link>{base}/flood</link>
<pubDate>Mon, 07 Apr 2025 10:00:00 GMT</pubDate>
<description>Floods hit the town of Trento on Sunday, April 6, after heavy rain.</description>
</item></channel></rss>"""
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)


def quick_worker(db: Path, **options: float) -> Worker:
    """A worker whose HTTP client gives up fast, so failure tests take a second, not a minute."""
    def fetcher() -> Fetcher:
        return Fetcher(connect_timeout=1, read_timeout=options.get("read_timeout", 1.0),
                       total_timeout=options.get("total_timeout", 2.0), max_redirects=3)
    return Worker(str(db), threads=4, fetcher_factory=fetcher, stop_grace=2)


def make_due(db: Path) -> None:
    with Store(db) as store:
        for source in table.all_sources(store):
            table.set_next_due(store, source.id, None)


def runs(db: Path) -> list[dict[str, object]]:
    with Store(db) as store:
        return store.query("SELECT source_id, status, n_new, n_unchanged, error FROM runs "
                           "WHERE job = 'poll' ORDER BY id")


def article_urls(db: Path) -> list[str]:
    with Store(db) as store:
        return [r["url"] for r in store.query("SELECT url FROM articles ORDER BY url")]


def test_worker_once_polls_every_enabled_source_and_logs_runs(
        server: LocalServer, db_path: Path) -> None:
    server.add("/feed.xml", body=FEED.format(base=server.base_url).encode(),
               headers={**RSS, "ETag": '"v1"'})
    server.add("/dead.xml", status=500)
    assert tracker(db_path, "source", "add", server.url("/feed.xml")).returncode == 0
    assert tracker(db_path, "source", "add", server.url("/dead.xml"),
                   "--kind", "feed").returncode == 0
    assert tracker(db_path, "source", "add", str(EXAMPLES), "--kind", "jsonl").returncode == 0
    disabled = tracker(db_path, "source", "add", server.url("/never.xml"), "--kind", "feed")
    assert tracker(db_path, "source", "disable", disabled.stdout.split()[0]).returncode == 0

    result = tracker(db_path, "worker", "--once")
    assert result.returncode == 0, result.stderr  # failures are recorded, not fatal
    assert server.count("/never.xml") == 0
    assert sorted(str(r["status"]) for r in runs(db_path)) == ["failed", "ok", "ok"]
    assert any("500" in str(r["error"] or "") for r in runs(db_path))
    assert len(article_urls(db_path)) >= 13
    assert "status=failed" in result.stderr and "seconds=" in result.stderr  # key=value logs
    listing = json.loads(tracker(db_path, "source", "list", "--format", "json").stdout)
    dead = next(s for s in listing if s["url"].endswith("/dead.xml"))
    assert dead["consecutive_failures"] == 1 and dead["next_due_at"]


def test_once_polls_only_the_sources_that_are_due(server: LocalServer, db_path: Path) -> None:
    server.add("/feed.xml", body=FEED.format(base=server.base_url).encode(), headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"), interval=600)
    quick_worker(db_path).run_once()
    quick_worker(db_path).run_once()  # polled a moment ago: due again in ten minutes
    assert server.count("/feed.xml") == 1
    make_due(db_path)
    quick_worker(db_path).run_once()
    assert server.count("/feed.xml") == 2


def test_a_feed_that_changes_between_polls_adds_only_new_entries_and_304_costs_nothing(
        server: LocalServer, db_path: Path) -> None:
    base = server.base_url
    entries = [article(i, base=base, size=800) for i in range(6)]
    feed = ChangingFeed(base, entries[:3])
    server.handle("/feed.xml", feed)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"), kind="feed")
    quick_worker(db_path).run_once()
    assert len(article_urls(db_path)) == 3

    make_due(db_path)
    quick_worker(db_path).run_once()  # unchanged: the server answers 304 to our ETag
    assert feed.statuses == [200, 304]
    assert runs(db_path)[-1]["n_new"] == 0 and runs(db_path)[-1]["status"] == "ok"

    feed.set(entries[1:6])  # two old entries repeated, three new ones
    make_due(db_path)
    quick_worker(db_path).run_once()
    assert feed.statuses[-1] == 200
    assert article_urls(db_path) == sorted(e.url for e in entries)  # six, none twice
    last = runs(db_path)[-1]
    assert (last["n_new"], last["n_unchanged"]) == (3, 2)


@pytest.mark.parametrize(("name", "route", "error"), [
    ("server error", Reply(status=500), "HTTP 500"),
    ("slower than the timeout", Reply(body=b"<rss/>", delay=3, headers=RSS), "timed out"),
    ("malformed XML", Reply(body=b"<?xml version='1.0'?><rss><channel><title>x</ti", headers=RSS),
     "malformed XML"),
    ("50 MB body", Reply(body=repeated(b"<item>" + b"x" * 65530, 50_000_000), headers=RSS),
     "larger than 10 MB"),
    ("50 MB announced", Reply(body=repeated(b"x" * 65536, 50_000_000), length=50_000_000,
                              headers=RSS), "larger than 10 MB"),
    ("HTML instead of a feed", Reply(body=b"<!doctype html><html><body>Hi</body></html>",
                                     headers={"Content-Type": "text/html"}), "expected an RSS"),
])
def test_a_broken_source_fails_alone_with_its_reason_recorded(
        server: LocalServer, db_path: Path, name: str, route: Reply, error: str) -> None:
    server.handle("/bad.xml", lambda _request: route)
    server.add("/good.xml", body=FEED.format(base=server.base_url).encode(), headers=RSS)
    with Store(db_path) as store:
        bad = add_source(store, server.url("/bad.xml"), kind="feed")
        add_source(store, server.url("/good.xml"), kind="feed")
    started = time.monotonic()
    assert quick_worker(db_path).run_once() == 0
    assert time.monotonic() - started < 10, name  # the size cap does not read 50 MB
    with Store(db_path) as store:
        stored = table.source_by_id(store, bad.id)
        assert stored is not None and stored.consecutive_failures == 1
        assert error in (store.query("SELECT last_error FROM sources WHERE id = ?",
                                     [bad.id])[0]["last_error"] or "")
    assert article_urls(db_path) == [server.url("/flood")]


def test_redirects_are_followed_and_a_redirect_loop_is_a_recorded_failure(
        server: LocalServer, db_path: Path) -> None:
    server.add("/feed.xml", body=FEED.format(base=server.base_url).encode(), headers=RSS)
    server.redirect("/moved.xml", "/feed.xml", status=301)
    server.redirect("/loop-a.xml", "/loop-b.xml")
    server.redirect("/loop-b.xml", "/loop-a.xml")
    with Store(db_path) as store:
        add_source(store, server.url("/moved.xml"), kind="feed")
        loop = add_source(store, server.url("/loop-a.xml"), kind="feed")
    quick_worker(db_path).run_once()
    assert article_urls(db_path) == [server.url("/flood")]
    with Store(db_path) as store:
        row = store.query("SELECT last_error FROM sources WHERE id = ?", [loop.id])[0]
    assert "redirect loop" in row["last_error"]


def test_a_feed_with_a_wrong_charset_declaration_keeps_its_accents(
        server: LocalServer, db_path: Path) -> None:
    body = FEED.format(base=server.base_url).replace("Trento", "Bolzano, Pré-Saint-Didier")
    server.add("/feed.xml", body=body.encode("utf-8"),
               headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    quick_worker(db_path).run_once()
    with Store(db_path) as store:
        text = store.query("SELECT text FROM articles")[0]["text"]
    assert "Pré-Saint-Didier" in text


def test_summary_only_entries_are_completed_from_their_pages_in_the_sources_language(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(2)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    for e in entries:
        server.add(e.url.removeprefix(server.base_url), body=page(e),
                   headers={"Content-Type": "text/html; charset=utf-8"})
    server.add("/short.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"), language="it", name="Full pages")
    quick_worker(db_path).run_once()
    with Store(db_path) as store:
        rows = store.query("SELECT url, text, language FROM articles ORDER BY url")
    assert [r["url"] for r in rows] == sorted(e.url for e in entries)
    assert all(len(r["text"]) > 1000 and r["language"] == "it" for r in rows)


def test_summary_only_entries_stay_summaries_when_page_fetching_is_off(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(7, base=server.base_url, size=1500)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"), fetch_pages=False)
    quick_worker(db_path).run_once()
    assert server.count(entries[0].url.removeprefix(server.base_url)) == 0
    with Store(db_path) as store:
        assert store.query("SELECT text FROM articles")[0]["text"] == entries[0].summary


def test_failures_back_off_exponentially_up_to_a_cap_and_success_resets(
        server: LocalServer, db_path: Path) -> None:
    healthy = {"up": False}

    def flaky(_request: object) -> Reply:
        if healthy["up"]:
            return Reply(body=FEED.format(base=server.base_url).encode(), headers=RSS)
        return Reply(status=503)

    server.handle("/feed.xml", flaky)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    with Store(db_path) as store:
        source = add_source(store, server.url("/feed.xml"), interval=600)
    delays = []
    try:
        for failure in range(1, 5):
            moment = start + timedelta(days=failure)
            clock.set_now(lambda moment=moment: moment)  # type: ignore[misc]
            make_due(db_path)
            quick_worker(db_path).run_once()
            with Store(db_path) as store:
                stored = table.source_by_id(store, source.id)
            assert stored is not None and stored.consecutive_failures == failure
            assert stored.next_due_at is not None
            delays.append(stored.next_due_at - moment)
        healthy["up"] = True
        make_due(db_path)
        quick_worker(db_path).run_once()
        with Store(db_path) as store:
            stored = table.source_by_id(store, source.id)
    finally:
        clock.set_now(None)
    assert delays == [timedelta(seconds=600 * 2 ** n) for n in range(1, 5)]
    assert stored is not None and stored.consecutive_failures == 0
    assert backoff_delay(600, 30) == timedelta(hours=24)  # the cap
    assert backoff_delay(3 * 86400, 5) == timedelta(days=3)  # never shorter than the interval


def test_kill_9_mid_poll_loses_and_duplicates_nothing_and_the_restart_finishes_the_job(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(200)]
    server.add("/big.xml", body=rss(entries, server.base_url), headers={**RSS, "ETag": '"b1"'})
    with Store(db_path) as store:
        add_source(store, server.url("/big.xml"), interval=3600)
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker", "--once"], stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(article_urls(db_path)) >= 10, timeout=60)
        worker.kill()  # SIGKILL: no cleanup at all
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    stored_before = len(article_urls(db_path))
    assert stored_before < len(entries), "the worker finished before it could be killed"
    assert runs(db_path)[-1]["status"] == "running"

    result = tracker(db_path, "worker", "--once")  # still due: the killed poll never finished
    assert result.returncode == 0, result.stderr
    assert article_urls(db_path) == sorted(e.url for e in entries)
    statuses = [r["status"] for r in runs(db_path)]
    assert statuses == ["failed", "ok"]  # the killed run is closed as interrupted
    assert "interrupted" in str(runs(db_path)[0]["error"])
    with Store(db_path) as store:
        assert store.unclustered_groups() == []  # every stored mention belongs to an event
        source = table.all_sources(store)[0]
        assert source.etag == '"b1"' and source.next_due_at is not None
        assert source.next_due_at > clock.now() + timedelta(minutes=50)


def test_sigterm_during_a_long_feed_stops_within_seconds_and_the_source_stays_due(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(200)]
    server.add("/big.xml", body=rss(entries, server.base_url), headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/big.xml"))
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker"], stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: len(article_urls(db_path)) >= 5, timeout=60)
        worker.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        worker.wait(timeout=20)
        assert time.monotonic() - stopped < 5
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0
    assert len(article_urls(db_path)) < len(entries)
    with Store(db_path) as store:
        source = table.all_sources(store)[0]
        assert source.next_due_at is None and source.etag is None  # polled again next time
    assert runs(db_path)[-1]["status"] == "failed"
    assert "interrupted" in str(runs(db_path)[-1]["error"])

    assert tracker(db_path, "worker", "--once").returncode == 0  # the next run finishes the job
    assert article_urls(db_path) == sorted(e.url for e in entries)
    with Store(db_path) as store:
        assert store.unclustered_groups() == []


def test_sigterm_during_a_hung_fetch_still_exits_within_seconds(
        server: LocalServer, db_path: Path) -> None:
    server.add("/hung.xml", body=b"<rss/>", delay=60, headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/hung.xml"))
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker"], stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: server.count("/hung.xml") == 1, timeout=30)
        worker.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        worker.wait(timeout=30)
        assert time.monotonic() - stopped < 9  # not the fetch's 60-second deadline
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0
    with Store(db_path) as store:
        assert table.all_sources(store)[0].next_due_at is None  # still due


def test_a_restarted_worker_resumes_the_schedule_from_next_due_at(
        server: LocalServer, db_path: Path) -> None:
    server.add("/now.xml", body=FEED.format(base=server.base_url).encode(), headers=RSS)
    server.add("/later.xml", body=FEED.format(base=server.base_url + "/l").encode(),
               headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/now.xml"), interval=3600)
        later = add_source(store, server.url("/later.xml"), interval=3600)
        table.set_next_due(store, later.id, clock.now() + timedelta(minutes=30))
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker"], stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: server.count("/now.xml") == 1, timeout=30)
        time.sleep(1.5)  # the due source got its poll; the other must wait for its due time
        assert server.count("/later.xml") == 0
        with Store(db_path) as store:
            heartbeat = table.read_heartbeat(store)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    assert heartbeat is not None
    assert server.count("/now.xml") == 1


def test_a_second_worker_on_the_same_database_refuses_to_start(db_path: Path) -> None:
    tracker(db_path, "init")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    first = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                              "worker"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert wait_for(lambda: Path(str(db_path) + ".worker.lock").exists()
                        and Path(str(db_path) + ".worker.lock").read_text().strip() != "",
                        timeout=20)
        second = tracker(db_path, "worker", "--once")
        assert second.returncode == 1
        assert "another worker" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        started = time.monotonic()
        first.wait(timeout=20)
    assert time.monotonic() - started < 15
    assert first.returncode == 0


def test_the_worker_command_loads_the_pipeline_only_when_it_runs() -> None:
    import jobs.cli
    import jobs.worker

    assert jobs.cli.DEFAULT_THREADS == jobs.worker.DEFAULT_THREADS
    probe = subprocess.run([sys.executable, "-c", "import jobs.cli, sys; "
                            "print('tracker.sources' in sys.modules)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "False"
