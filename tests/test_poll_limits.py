"""A poll does bounded, useful work, and says when it could not do all of it.

- an entry already stored as the feed describes it costs no page fetch, and keeps its full text;
- a poll takes at most so many entries and fetches at most so many pages; the rest waits for
  the next poll (named in the run's detail), and nothing is stored as a summary meanwhile;
- a time budget bounds a poll against servers that dribble bytes;
- a page that fails makes the poll "partial", naming the page and why, and is tried again.

Every test polls a real local HTTP server (``tests/httpserver.py``) into a real SQLite file with
an in-process ``Worker`` given small limits.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from jobs.worker import Worker
from tests.httpserver import LocalServer, repeated
from tests.newsfeed import NewsArticle, article, page, rss
from tracker.fetch import Fetcher
from tracker.sources import DEFAULT_LIMITS, PollLimits, add_source
from tracker.store import Store
from tracker.store import sources as table

pytestmark = pytest.mark.slow

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def worker(db: Path, limits: PollLimits = DEFAULT_LIMITS, total_timeout: float = 5.0) -> Worker:
    """A worker with the given limits, whose HTTP client gives up within ``total_timeout``."""
    def fetcher() -> Fetcher:
        return Fetcher(connect_timeout=1, read_timeout=2, total_timeout=total_timeout)
    return Worker(str(db), threads=2, fetcher_factory=fetcher, stop_grace=2, processes=0,
                  limits=limits)


def poll_once(db: Path, limits: PollLimits = DEFAULT_LIMITS, total_timeout: float = 5.0) -> None:
    """Make every source due, then run `worker --once` in this process."""
    with Store(db) as store:
        for source in table.all_sources(store):
            table.set_next_due(store, source.id, None)
    worker(db, limits, total_timeout).run_once()


def last_run(db: Path) -> dict[str, Any]:
    with Store(db) as store:
        row = store.query("SELECT status, n_new, n_unchanged, error, detail FROM runs "
                          "WHERE job = 'poll' ORDER BY id DESC LIMIT 1")[0]
    row["detail"] = json.loads(str(row["detail"] or "[]"))
    return row


def texts(db: Path) -> dict[str, str]:
    with Store(db) as store:
        return {r["url"]: r["text"] for r in store.query("SELECT url, text FROM articles")}


def stored_source(db: Path) -> table.Source:
    with Store(db) as store:
        return table.all_sources(store)[0]


def serve_pages(server: LocalServer, entries: list[NewsArticle]) -> None:
    for entry in entries:
        server.add(path_of(server, entry), body=page(entry), headers=HTML)


def path_of(server: LocalServer, entry: NewsArticle) -> str:
    return entry.url.removeprefix(server.base_url)


def page_requests(server: LocalServer, entries: list[NewsArticle]) -> list[int]:
    return [server.count(path_of(server, e)) for e in entries]


# ---------------------------------------------------------------- entries already stored


def test_an_unchanged_summary_only_entry_fetches_no_page_and_keeps_its_full_text(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(5)]
    # No ETag or Last-Modified: every poll gets the whole feed, as from many real servers.
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    serve_pages(server, entries)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    poll_once(db_path)
    assert page_requests(server, entries) == [1] * 5
    full = texts(db_path)
    assert all(len(text) > 1000 for text in full.values()) and len(full) == 5

    poll_once(db_path)
    assert page_requests(server, entries) == [1] * 5  # not 200 GETs a poll for 200 entries
    run = last_run(db_path)
    assert (run["status"], run["n_new"], run["n_unchanged"]) == ("ok", 0, 5)
    assert texts(db_path) == full  # the summaries did not replace the pages' text

    # An entry the feed now describes otherwise is fetched again, once.
    edited = [*entries[:2], replace(entries[2], summary=entries[2].summary + " Updated."),
              *entries[3:]]
    server.add("/feed.xml", body=rss(edited, server.base_url, full_text=False), headers=RSS)
    poll_once(db_path)
    assert page_requests(server, entries) == [1, 1, 2, 1, 1]
    poll_once(db_path)  # its page said nothing new, but the new fingerprint is remembered
    assert page_requests(server, entries) == [1, 1, 2, 1, 1]
    assert texts(db_path) == full


def test_an_entry_repeated_by_a_second_feed_is_recorded_for_it_without_a_page_fetch(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(2)]
    body = rss(entries, server.base_url, full_text=False)
    server.add("/one.xml", body=body, headers=RSS)
    server.add("/two.xml", body=body, headers=RSS)
    serve_pages(server, entries)
    with Store(db_path) as store:
        one = add_source(store, server.url("/one.xml"), name="One")
    poll_once(db_path)
    with Store(db_path) as store:
        two = add_source(store, server.url("/two.xml"), name="Two")
    poll_once(db_path)
    assert page_requests(server, entries) == [1, 1]
    with Store(db_path) as store:
        counts = {row["id"]: row["articles"] for row in table.health(store)}
    assert counts == {one.id: 2, two.id: 2}


# ---------------------------------------------------------------- caps per poll


def test_a_feed_longer_than_a_poll_takes_is_read_in_turns_and_the_run_says_so(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=800) for i in range(12)]
    server.add("/feed.xml", body=rss(entries, server.base_url),
               headers={**RSS, "ETag": '"all-12"'})
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    limits = PollLimits(entries=5)

    poll_once(db_path, limits)
    assert len(texts(db_path)) == 5
    run = last_run(db_path)
    assert run["status"] == "ok"
    assert "7 entries left for the next poll (at most 5 entries per poll)" in run["detail"]
    # The validators are not kept, or the next poll would get a 304 and never see the rest.
    assert stored_source(db_path).etag is None

    poll_once(db_path, limits)
    assert len(texts(db_path)) == 10
    assert "if-none-match" not in server.last("/feed.xml").headers
    poll_once(db_path, limits)
    assert sorted(texts(db_path)) == sorted(e.url for e in entries)
    assert last_run(db_path)["detail"] == [] and stored_source(db_path).etag == '"all-12"'


def test_page_fetches_per_poll_are_capped_and_the_rest_wait_instead_of_storing_summaries(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(7)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    serve_pages(server, entries)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    limits = PollLimits(pages=3)

    poll_once(db_path, limits)
    assert page_requests(server, entries) == [1, 1, 1, 0, 0, 0, 0]
    assert len(texts(db_path)) == 3  # no summary stored for the four still waiting
    assert ("4 entries left for the next poll (at most 3 page fetches per poll)"
            in last_run(db_path)["detail"])
    poll_once(db_path, limits)
    poll_once(db_path, limits)
    assert page_requests(server, entries) == [1] * 7  # each page once, in three turns
    assert len(texts(db_path)) == 7
    assert all(len(text) > 1000 for text in texts(db_path).values())


def test_a_server_dribbling_pages_cannot_hold_a_poll_past_its_time_budget(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(6)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    # One byte every half second: each page takes its fetch's whole 3-second limit.
    for entry in entries:
        server.add(path_of(server, entry), body=repeated(b"<", 10_000), headers=HTML,
                   chunk_delay=0.5)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))

    started = time.monotonic()
    poll_once(db_path, PollLimits(seconds=4), total_timeout=3)
    elapsed = time.monotonic() - started
    # The second page gets only what is left of the budget: not 6 s for two pages, nor 18 s
    # for six.
    assert elapsed < 5.5, elapsed
    run = last_run(db_path)
    assert run["status"] == "partial"
    assert "time budget of 4 s spent: 4 entries left for the next poll" in run["detail"]
    assert sum(1 for e in entries if server.count(path_of(server, e)) == 0) == 4
    assert len(texts(db_path)) == 2  # the two pages that failed: their summaries stand in

    serve_pages(server, entries)  # the server recovers: the next poll completes the feed
    poll_once(db_path, PollLimits(seconds=4), total_timeout=3)
    assert last_run(db_path)["status"] == "ok"
    assert len(texts(db_path)) == len(entries)
    assert all(len(text) > 1000 for text in texts(db_path).values())


# ---------------------------------------------------------------- pages that fail


def test_a_page_that_fails_makes_the_poll_partial_naming_it_and_is_tried_again(
        server: LocalServer, db_path: Path, caplog: pytest.LogCaptureFixture,
        planted_parser_failure: bytes) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(3)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False),
               headers={**RSS, "ETag": '"v1"'})
    fine, broken, hostile = entries
    serve_pages(server, [fine])
    server.add(path_of(server, broken), status=500)
    server.add(path_of(server, hostile), body=planted_parser_failure, headers=HTML)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))

    with caplog.at_level(logging.INFO, logger="tracker.sources"):
        poll_once(db_path)
    run = last_run(db_path)
    assert run["status"] == "partial" and run["n_new"] == 3
    assert f"page {broken.url}: HTTP 500 from {broken.url}" in run["detail"]
    assert any(line.startswith(f"page {hostile.url}: unexpected RecursionError")
               for line in run["detail"])
    assert str(run["error"]).startswith(f"page {broken.url}: HTTP 500")
    assert str(run["error"]).endswith(" (and 1 more)")
    poll_line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("poll "))
    assert "status=partial" in poll_line and "problems=2" in poll_line
    assert f"problem='page {broken.url}" in poll_line
    source = stored_source(db_path)
    assert source.consecutive_failures == 0 and source.etag is None  # no backoff; read again
    assert texts(db_path)[broken.url] == broken.summary  # the summary stands in meanwhile

    serve_pages(server, [broken])
    poll_once(db_path)
    assert server.count(path_of(server, broken)) == 2 and server.count(path_of(server, fine)) == 1
    assert len(texts(db_path)[broken.url]) > 1000  # its page's text, at last
    assert last_run(db_path)["status"] == "partial"  # the hostile page still fails, and says so


def test_a_failed_page_of_an_entry_stored_before_leaves_the_stored_text_alone(
        server: LocalServer, db_path: Path) -> None:
    entries = [article(i, base=server.base_url, size=1500) for i in range(2)]
    server.add("/feed.xml", body=rss(entries, server.base_url, full_text=False), headers=RSS)
    serve_pages(server, entries)
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    poll_once(db_path)
    full = texts(db_path)

    edited = [replace(entries[0], title=entries[0].title + " (updated)"), entries[1]]
    server.add("/feed.xml", body=rss(edited, server.base_url, full_text=False), headers=RSS)
    server.add(path_of(server, entries[0]), status=503)
    poll_once(db_path)
    run = last_run(db_path)
    assert run["status"] == "partial" and run["n_unchanged"] == 2
    assert texts(db_path) == full  # not replaced by the summary


def test_limits_are_the_defaults_of_one_place_and_a_worker_can_be_given_others(
        db_path: Path) -> None:
    from tracker import sources

    assert PollLimits() == PollLimits(entries=sources.MAX_ENTRIES_PER_POLL,
                                      pages=sources.MAX_PAGES_PER_POLL,
                                      seconds=sources.POLL_SECONDS)
    assert (sources.MAX_ENTRIES_PER_POLL, sources.MAX_PAGES_PER_POLL,
            sources.POLL_SECONDS) == (500, 50, 120.0)
    assert Worker(str(db_path), processes=0).limits == PollLimits()
    assert worker(db_path, PollLimits(pages=3)).limits.pages == 3


def test_a_page_longer_than_the_text_cap_is_stored_cut_and_not_fetched_again(
        server: LocalServer, db_path: Path) -> None:
    base = article(7, base=server.base_url, size=4000)
    huge = replace(base, text="\n\n".join([base.text] * 300))  # about 1.2 MB
    server.add("/feed.xml", body=rss([huge], server.base_url, full_text=False), headers=RSS)
    serve_pages(server, [huge])
    with Store(db_path) as store:
        add_source(store, server.url("/feed.xml"))
    poll_once(db_path)
    with Store(db_path) as store:
        (row,) = store.query("SELECT text, truncated_from FROM articles")
    assert len(row["text"]) <= 1_000_000 < row["truncated_from"]
    # The feed describes the entry otherwise: its page is fetched once, and the new fingerprint
    # is remembered although the page's text is longer than what is stored.
    edited = replace(huge, summary=huge.summary + " Updated.")
    server.add("/feed.xml", body=rss([edited], server.base_url, full_text=False), headers=RSS)
    poll_once(db_path)
    poll_once(db_path)
    assert page_requests(server, [huge]) == [2]
