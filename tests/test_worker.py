"""The worker: polls due sources politely, survives bad servers, stops cleanly, runs alone.

Every test runs against the real HTTP server of ``tests/httpserver.py`` on 127.0.0.1, with
feeds that change between polls; process-level behaviour (kill -9, SIGTERM, a second worker,
a restart resuming the schedule) runs the real `tracker worker` command. The feature list:

- every enabled, due source is polled; a broken one fails alone, recorded, with backoff, even
  when what breaks is no error of ours (a parser's RecursionError, a reader's ValueError);
- a feed whose XML is broken keeps its complete entries, and says so ("partial");
- conditional GET: a 304 keeps the stored validators, even when it does not repeat them;
- kill -9 loses and doubles nothing, leaves no process behind, and a restart with nothing new
  heals the events to exactly those of a clean run; runs of killed processes are closed;
- SIGTERM stops within seconds; a second worker refuses to start.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobs.worker import Worker
from tests.conftest import EXAMPLES
from tests.httpserver import LocalServer, RecordedRequest, Reply, repeated, wait_for
from tests.newsfeed import ChangingFeed, article, page, rss
from tracker import clock
from tracker.fetch import Fetcher
from tracker.ids import article_id
from tracker.sources import add_source, backoff_delay, poll
from tracker.store import Store
from tracker.store import sources as table

pytestmark = pytest.mark.slow  # every test here starts a server or a process

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<link>{base}</link><description>d</description>
<item><title>Flood in the valley</title><link>{base}/flood</link>
<pubDate>Mon, 07 Apr 2025 10:00:00 GMT</pubDate>
<description>Floods hit the town of Trento on Sunday, April 6, after heavy rain.</description>
</item></channel></rss>"""
FLOOD_PAGE = b"""<!doctype html><html lang="en"><head><title>Flood in the valley</title></head>
<body><article><h1>Flood in the valley</h1><p>Floods hit the town of Trento on Sunday, April 6,
after heavy rain. The river rose two metres overnight and several roads were closed.</p>
<p>The mayor said on Monday that schools would stay closed until Wednesday.</p></article>
</body></html>"""
RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)


@functools.cache
def gzip_bomb() -> bytes:
    """A few kilobytes that inflate, gzip inside gzip, to 64 MB of zeros."""
    return gzip.compress(gzip.compress(bytes(64_000_000), 9), 9)


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


def process_tree(pid: int) -> set[int]:
    """The pids of every process descending from ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        parent = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] != "Z"


def kill_9(worker: subprocess.Popen[bytes]) -> set[int]:
    """SIGKILL the worker, no cleanup at all; returns the pids of the processes it started."""
    started = process_tree(worker.pid) if Path("/proc/self/stat").exists() else set()
    worker.kill()
    worker.wait(timeout=10)
    return started


def survivors(pids: set[int], timeout: float = 10) -> list[int]:
    """Those of ``pids`` still running after ``timeout`` seconds; they are then killed, so that
    no test leaves processes behind on the machine running it."""
    wait_for(lambda: not any(running(pid) for pid in pids), timeout=timeout)
    left = sorted(pid for pid in pids if running(pid))
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def test_worker_once_polls_every_enabled_source_and_logs_runs(
        server: LocalServer, db_path: Path) -> None:
    server.add("/feed.xml", body=FEED.format(base=server.base_url).encode(),
               headers={**RSS, "ETag": '"v1"'})
    server.add("/flood", body=FLOOD_PAGE, headers=HTML)
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
     "feed is not well-formed XML: unclosed token at line 1; kept 0 entries"),
    ("an unclosed first entry", Reply(body=b"<rss><channel><item><title>unclosed", headers=RSS),
     "feed is not well-formed XML: no element found at line 1; kept 0 entries"),
    ("50 MB body", Reply(body=repeated(b"<item>" + b"x" * 65530, 50_000_000), headers=RSS),
     "larger than 10 MB"),
    ("50 MB announced", Reply(body=repeated(b"x" * 65536, 50_000_000), length=50_000_000,
                              headers=RSS), "larger than 10 MB"),
    ("HTML instead of a feed", Reply(body=b"<!doctype html><html><body>Hi</body></html>",
                                     headers={"Content-Type": "text/html"}), "expected an RSS"),
    ("a gzip bomb", Reply(body=lambda: [gzip_bomb()],
                          headers={**RSS, "Content-Encoding": "gzip, gzip"}), "larger than 10 MB"),
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
        survivors(kill_9(worker))  # its processes are the next test's concern
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
        ids = [r["id"] for r in store.query("SELECT id FROM articles ORDER BY id")]
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert ids == sorted(article_id(e.url, "") for e in entries)  # the ids a clean run gives


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


# ---------------------------------------------------------------- conditional GET


def test_a_304_that_repeats_no_validators_keeps_the_stored_ones_and_they_are_sent_again(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=800) for i in range(3)]
    modified = "Mon, 07 Apr 2025 10:00:00 GMT"
    statuses: list[int] = []

    def conditional(request: RecordedRequest) -> Reply:
        if (request.headers.get("if-none-match") == '"v1"'
                and request.headers.get("if-modified-since") == modified):
            statuses.append(304)
            return Reply(status=304)  # RFC 9110 lets a 304 leave ETag and Last-Modified out
        statuses.append(200)
        return Reply(body=rss(entries, server.base_url),
                     headers={**RSS, "ETag": '"v1"', "Last-Modified": modified})

    server.handle("/feed.xml", conditional)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    for _ in range(3):
        make_due(db_path)
        quick_worker(db_path).run_once()
        with Store(db_path) as store:
            source = table.all_sources(store)[0]
        assert (source.etag, source.last_modified) == ('"v1"', modified)
    assert statuses == [200, 304, 304]
    sent = [r.headers for r in server.requests if r.path == "/feed.xml"]
    assert [h.get("if-none-match") for h in sent] == [None, '"v1"', '"v1"']
    assert [h.get("if-modified-since") for h in sent] == [None, modified, modified]
    assert len(article_urls(db_path)) == 3 and runs(db_path)[-1]["status"] == "ok"


# ---------------------------------------------------------------- broken XML


def test_a_truncated_feed_keeps_its_complete_entries_and_the_poll_is_partial_with_the_reason(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=800) for i in range(3)]
    whole = rss(entries, server.base_url)
    cut = whole[: whole.index(entries[2].url.encode()) + 10]  # in the middle of the third item
    server.add("/feed.xml", body=cut, headers={**RSS, "ETag": '"cut"'})
    with Store(db_path) as store:
        source = add_source(store, server.url("/feed.xml"), interval=600)
    quick_worker(db_path).run_once()
    assert article_urls(db_path) == sorted(e.url for e in entries[:2])
    (run,) = runs(db_path)
    assert run["status"] == "partial" and run["n_new"] == 2
    assert str(run["error"]).startswith("feed is not well-formed XML: ")
    last_line = cut.count(b"\n") + 1  # where the document ends, cut
    assert str(run["error"]).endswith(f"no element found at line {last_line}; kept 2 entries")
    with Store(db_path) as store:
        stored = table.source_by_id(store, source.id)
        last_error = store.query("SELECT last_error FROM sources")[0]["last_error"]
    # Something was kept: no backoff, but the reason is on the source for the health page.
    assert stored is not None and stored.consecutive_failures == 0
    assert stored.next_due_at is not None
    assert stored.next_due_at < clock.now() + timedelta(seconds=601)
    assert last_error == run["error"]


# ---------------------------------------------------------------- failures that are not ours


def test_a_page_that_blows_up_its_parser_is_a_recorded_failure_with_backoff_and_others_go_on(
        server: LocalServer, db_path: Path, planted_parser_failure: bytes,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/deep.html", body=planted_parser_failure, headers=HTML)
    server.add("/feed.xml", body=rss([article(1, base=server.base_url)], server.base_url),
               headers=RSS)
    with Store(db_path) as store:
        deep = add_source(store, server.url("/deep.html"), kind="page", interval=600)
        add_source(store, server.url("/feed.xml"))
    assert Worker(str(db_path), processes=0).run_once() == 0  # here: the failure is planted
    assert "polled 2 due sources, 1 failed" in capsys.readouterr().err
    (failed,) = [r for r in runs(db_path) if r["source_id"] == deep.id]
    assert failed["status"] == "failed"
    assert str(failed["error"]).startswith(f"{deep.url}: unexpected RecursionError")
    with Store(db_path) as store:
        source = table.source_by_id(store, deep.id)
    assert source is not None and source.consecutive_failures == 1
    assert source.next_due_at is not None
    assert source.next_due_at > clock.now() + timedelta(seconds=1100)  # twice the interval
    assert len(article_urls(db_path)) == 1  # the other source was polled

    # The scheduled worker's job for one source records it the same way.
    make_due(db_path)
    scheduled = quick_worker(db_path)
    try:
        scheduled.poll_source(deep.id)
    finally:
        scheduled.close()
    with Store(db_path) as store:
        source = table.source_by_id(store, deep.id)
    assert source is not None and source.consecutive_failures == 2
    assert [r["status"] for r in runs(db_path) if r["source_id"] == deep.id] == ["failed"] * 2


def test_one_poll_outside_the_worker_records_a_failure_that_is_not_ours_too(
        server: LocalServer, db_path: Path, planted_parser_failure: bytes) -> None:
    server.add("/deep.html", body=planted_parser_failure, headers=HTML)
    with Store(db_path) as store, Fetcher(total_timeout=5) as fetcher:
        deep = add_source(store, server.url("/deep.html"), kind="page")
        result = poll(store, deep, fetcher)  # read_source, then store_poll: no worker around
        stored = table.source_by_id(store, deep.id)
    assert result.status == "failed"
    assert str(result.error).startswith(f"{deep.url}: unexpected RecursionError")
    assert stored is not None and stored.consecutive_failures == 1


def test_a_fetch_thread_that_cannot_even_start_its_client_fails_its_source_alone(
        server: LocalServer, db_path: Path) -> None:
    server.add("/feed.xml", body=rss([article(1, base=server.base_url)], server.base_url),
               headers=RSS)
    with Store(db_path) as store:
        feed = add_source(store, server.url("/feed.xml"))

    def no_file_descriptors_left() -> Fetcher:
        raise OSError(24, "Too many open files")

    assert Worker(str(db_path), fetcher_factory=no_file_descriptors_left,
                  processes=0).run_once() == 0
    (run,) = runs(db_path)
    assert run["status"] == "failed" and "Too many open files" in str(run["error"])
    with Store(db_path) as store:
        stored = table.source_by_id(store, feed.id)
    assert stored is not None and stored.consecutive_failures == 1


def test_a_local_file_that_blows_up_its_reader_is_a_recorded_failure_with_backoff(
        server: LocalServer, db_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    wire = tmp_path / "wire.jsonl"
    wire.write_text(EXAMPLES.read_text(encoding="utf-8").splitlines()[0] + "\n",
                    encoding="utf-8")
    import tracker.sources

    def broken_reader(*args: object, **kwargs: object) -> Iterator[object]:
        # A reader failing with an error that is not ours, as a library's bug would.
        raise ValueError("Exceeds the limit (planted)")
        yield

    monkeypatch.setattr(tracker.sources, "read_jsonl", broken_reader)
    server.add("/feed.xml", body=rss([article(1, base=server.base_url)], server.base_url),
               headers=RSS)
    with Store(db_path) as store:
        local = add_source(store, str(wire), kind="jsonl", interval=600)
        add_source(store, server.url("/feed.xml"))
    assert Worker(str(db_path), processes=0).run_once() == 0
    (failed,) = [r for r in runs(db_path) if r["source_id"] == local.id]
    assert failed["status"] == "failed"
    assert f"{wire}: unexpected ValueError: Exceeds the limit" in str(failed["error"])
    with Store(db_path) as store:
        source = table.source_by_id(store, local.id)
    assert source is not None and source.consecutive_failures == 1
    assert source.next_due_at is not None
    assert source.next_due_at > clock.now() + timedelta(seconds=1100)
    assert article(1, base=server.base_url).url in article_urls(db_path)  # the others go on


# ---------------------------------------------------------------- killed processes


def events_and_mentions(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with Store(db) as store:
        events = store.query(
            "SELECT id, title, date_start, date_end, precision, n_mentions, n_articles, "
            "n_sources FROM events WHERE status = 'active' ORDER BY id")
        mentions = store.query("SELECT id, article_id, event_id FROM mentions ORDER BY id")
    return [tuple(e.values()) for e in events], [tuple(m.values()) for m in mentions]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_kill_9_while_storing_then_a_restart_with_nothing_new_gives_a_clean_runs_events(
        server: LocalServer, db_path: Path, tmp_path: Path) -> None:
    # Over 200 articles, so the worker extracts in a pool of processes: they must go too.
    entries = [article(i, base=server.base_url, size=1500) for i in range(400)]
    server.add("/big.xml", body=rss(entries, server.base_url), headers=RSS)
    with Store(db_path) as store:
        add_source(store, server.url("/big.xml"))
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker", "--once", "--processes", "2"],
                              stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(article_urls(db_path)) >= 10, timeout=120)
        pool = kill_9(worker)  # while storing: articles stored, their events not yet made
    finally:
        if worker.poll() is None:
            worker.kill()
    stored = set(article_urls(db_path))
    assert len(stored) < len(entries), "the worker finished before it could be killed"
    with Store(db_path) as store:
        assert store.unclustered_groups(), "the kill left nothing to heal: no test"
    assert pool, "the worker had no extraction processes to leave behind"
    orphans = survivors(pool)  # asserted last: the healing below is checked whatever they do

    # The restart finds nothing new: the feed now holds exactly what was stored.
    same = [e for e in entries if e.url in stored]
    server.add("/big.xml", body=rss(same, server.base_url), headers=RSS)
    result = tracker(db_path, "worker", "--once")
    assert result.returncode == 0, result.stderr
    last = runs(db_path)[-1]
    assert (last["status"], last["n_new"], last["n_unchanged"]) == ("ok", 0, len(same))

    clean = tmp_path / "clean.db"
    with Store(clean) as store:
        add_source(store, server.url("/big.xml"))
    assert tracker(clean, "worker", "--once").returncode == 0
    healed, expected = events_and_mentions(db_path), events_and_mentions(clean)
    assert expected[0] and expected[1]
    assert healed == expected  # the same events and mentions, ids and counts
    with Store(db_path) as store:
        assert store.unclustered_groups() == []
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert orphans == [], f"processes of the killed worker still ran 10 s later: {orphans}"


def test_the_run_of_a_killed_tracker_ingest_is_closed_by_the_next_worker(
        tmp_path: Path, db_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as out:
        for i in range(400):
            news = article(i, size=1500)
            out.write(json.dumps({"url": news.url, "title": news.title, "text": news.text,
                                  "published": news.published.isoformat()}) + "\n")
    Store(db_path).close()  # created first: two processes creating one database race
    ingest = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "ingest", str(big), "--processes", "0", "--no-progress"],
                              stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(article_urls(db_path)) >= 3, timeout=60)
        ingest.kill()
        ingest.wait(timeout=10)
    finally:
        if ingest.poll() is None:
            ingest.kill()
    with Store(db_path) as store:
        assert store.query("SELECT status FROM runs WHERE job = 'ingest'")[0]["status"] \
            == "running"
    assert tracker(db_path, "worker", "--once").returncode == 0
    with Store(db_path) as store:
        row = store.query("SELECT status, error, finished_at FROM runs WHERE job = 'ingest'")[0]
    assert (row["status"], row["error"]) == ("failed", table.DEAD_RUN_ERROR)
    assert row["finished_at"]


def test_health_stops_calling_the_worker_alive_once_it_stops_cleanly(db_path: Path) -> None:
    from web import create_app

    tracker(db_path, "init")
    client = create_app({"DATABASE": str(db_path)}).test_client()
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker"], stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: client.get("/api/health").json["worker"]["alive"], timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    status = client.get("/api/health").json["worker"]
    assert status["alive"] is False  # at once, not two minutes later
    assert status["heartbeat"] is not None and status["stopped_at"] >= status["heartbeat"]


def test_a_worker_started_after_a_clean_stop_is_alive_at_once(db_path: Path) -> None:
    from web import create_app

    tracker(db_path, "init")
    with Store(db_path) as store:  # a stop stamped as late as the new start, or later
        table.write_worker_stopped(store, clock.now() + timedelta(hours=1))
    client = create_app({"DATABASE": str(db_path)}).test_client()
    assert client.get("/api/health").json["worker"]["alive"] is False
    worker = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                               "worker"], stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: client.get("/api/health").json["worker"]["alive"], timeout=30)
        assert client.get("/api/health").json["worker"]["stopped_at"] is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
