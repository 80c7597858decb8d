"""Sources as data, syndication, reprocessing, and the runs of processes that died: what an
operator adds once and then relies on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.httpserver import wait_for
from tracker import clock
from tracker.errors import InputError
from tracker.extract.mentions import EXTRACTOR_VERSION
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.parse import read_jsonl
from tracker.query import export_timeline, list_sources
from tracker.sources import add_source, get_source, remove_source, set_enabled
from tracker.store import Store
from tracker.store import sources as table
from tracker.store.db import iso

FEED = "https://news.example.org/world/rss.xml"
TEXT = ("Dock workers in Valparaiso began a strike on Monday, March 3, 2025, halting cargo "
        "traffic. The union said talks with port operators had failed last week. "
        "Protests spread to Santiago on Wednesday, March 5, 2025.")


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)


def wire_copy(url: str, outlet: str, text: str = TEXT) -> Article:
    published = datetime(2025, 3, 5, 9, tzinfo=UTC)
    from tracker.ids import article_id, canonical_url

    return Article(id=article_id(url, text), title="Strike in Valparaiso", text=text, url=url,
                   canonical_url=canonical_url(url), published_at=published,
                   published_basis="feed", fetched_at=published, source_name=outlet)


# ---------------------------------------------------------------- sources as data

def test_a_source_gets_its_kind_guessed_and_a_name_from_its_host(store: Store) -> None:
    feed = add_source(store, FEED)
    page = add_source(store, "https://news.example.org/2025/03/strike")
    folder = add_source(store, str(EXAMPLES.parent))
    jsonl = add_source(store, str(EXAMPLES))
    assert (feed.kind, page.kind, folder.kind, jsonl.kind) == ("feed", "page", "dir", "jsonl")
    assert feed.name == "news.example.org" and jsonl.name == EXAMPLES.name
    assert (feed.interval, feed.language, feed.enabled, feed.fetch_pages) == (3600, "en", True,
                                                                           True)


@pytest.mark.parametrize(("target", "options", "fragment"), [
    (FEED, {"interval": 10}, "interval must be between 60"),
    (FEED, {"language": "English"}, "language must be a two- or three-letter code"),
    (FEED, {"kind": "dir"}, "needs a local path"),
    (FEED, {"name": "  "}, "name cannot be empty"),
    ("/no/such/folder", {}, "no such file or directory"),
    (str(EXAMPLES), {"kind": "feed"}, "needs an http:// or https:// URL"),
    (str(EXAMPLES), {"kind": "dir"}, "not a folder"),
    ("https:///path-only", {}, "no host"),
    ("", {}, "needs a URL or a path"),
])
def test_a_bad_source_is_refused_naming_what_is_wrong(
        store: Store, target: str, options: dict[str, object], fragment: str) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        add_source(store, target, **options)  # type: ignore[arg-type]
    assert table.all_sources(store) == []


def test_adding_a_source_again_updates_its_settings_and_keeps_its_state(store: Store) -> None:
    first = add_source(store, FEED, interval=600)
    now = datetime(2025, 3, 5, tzinfo=UTC)
    table.record_success(store, first.id, when=now, next_due=now, etag='"e1"',
                         last_modified=None)
    again = add_source(store, FEED + "?utm_source=newsletter#top", interval=1200, name="World")
    assert again.id == first.id and len(table.all_sources(store)) == 1
    assert (again.interval, again.name, again.etag, again.next_due_at) == (1200, "World",
                                                                          '"e1"', now)


def test_adding_a_source_again_changes_only_the_settings_given(store: Store) -> None:
    first = add_source(store, FEED, name="World desk", interval=900, language="uk",
                       fetch_pages=False)
    again = add_source(store, FEED, interval=1800)
    assert (again.name, again.interval, again.language, again.fetch_pages) == (
        "World desk", 1800, "uk", False)
    renamed = add_source(store, FEED, name="World")
    assert (renamed.name, renamed.interval) == ("World", 1800)
    fresh = add_source(store, FEED.replace("world", "sport"))  # new: the defaults
    assert (fresh.interval, fresh.language, fresh.fetch_pages) == (3600, "en", True)
    assert first.id == again.id == renamed.id != fresh.id


def test_a_source_is_found_by_id_url_name_or_path(store: Store) -> None:
    feed = add_source(store, FEED, name="World")
    jsonl = add_source(store, str(EXAMPLES))
    for ref in (feed.id, FEED, "World", FEED + "?utm_medium=x"):
        assert get_source(store, ref).id == feed.id
    assert get_source(store, str(EXAMPLES)).id == jsonl.id
    with pytest.raises(InputError, match="no source"):
        get_source(store, "Nowhere")


def test_disabling_enabling_and_removing_a_source(store: Store) -> None:
    feed = add_source(store, FEED)
    assert set_enabled(store, feed.id, False).enabled is False
    assert table.due_sources(store, datetime.now(UTC)) == []
    assert set_enabled(store, FEED, True).enabled is True
    assert remove_source(store, "news.example.org").id == feed.id
    assert table.all_sources(store) == []


@pytest.mark.slow
def test_the_source_commands_round_trip(db_path: Path) -> None:
    added = tracker(db_path, "source", "add", FEED, "--name", "World", "--interval", "900",
                    "--language", "de", "--no-fetch-pages")
    assert added.returncode == 0, added.stderr
    sid = added.stdout.split()[0]
    listing = json.loads(tracker(db_path, "source", "list", "--format", "json").stdout)
    assert [(s["id"], s["name"], s["interval"], s["language"], s["fetch_pages"])
            for s in listing] == [(sid, "World", 900, "de", False)]
    assert "disabled" in tracker(db_path, "source", "disable", "World").stdout
    shown = json.loads(tracker(db_path, "source", "show", sid).stdout)
    assert shown["enabled"] is False and shown["url"] == FEED
    bad = tracker(db_path, "source", "add", FEED, "--interval", "5")
    assert bad.returncode == 1 and "tracker: error: interval" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert tracker(db_path, "source", "remove", sid).returncode == 0
    assert json.loads(tracker(db_path, "source", "list", "--format", "json").stdout) == []


def test_sources_module_speaks_no_sql() -> None:
    code = (ROOT / "tracker" / "sources.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", code)
    assert "store.query" not in code and "store.execute" not in code


# ---------------------------------------------------------------- syndication

def test_a_syndicated_copy_adds_an_outlet_to_the_article_instead_of_a_new_article(
        store: Store) -> None:
    wire = add_source(store, "https://wire.example.com/rss.xml", name="Wire")
    paper = add_source(store, "https://paper.example.net/rss.xml", name="Paper")
    ingestor = Ingestor(store)
    first = ingestor.ingest([wire_copy("https://wire.example.com/strike", "Wire")],
                            source_id=wire.id)
    assert first.new == 1
    before = export_timeline(store)["events"]
    assert before and max(e["n_sources"] for e in before) == 1

    # The same story, reformatted, under another URL of another outlet.
    copy = wire_copy("https://paper.example.net/news/strike-port", "Paper",
                     text=TEXT.upper().replace(". ", ".  "))
    second = ingestor.ingest([copy], source_id=paper.id)
    assert (second.new, second.unchanged) == (0, 1)
    assert store.counts()["articles"] == 1
    (article_id,) = [r["id"] for r in store.query("SELECT id FROM articles")]
    seen = store.article_outlets(article_id)
    assert [(r["source_name"], r["url"]) for r in seen] == [
        ("Wire", "https://wire.example.com/strike"),
        ("Paper", "https://paper.example.net/news/strike-port")]
    after = export_timeline(store)["events"]
    assert {e["id"] for e in after} == {e["id"] for e in before}
    assert all(e["n_sources"] == 2 and e["n_articles"] == 1 for e in after)
    # The /sources page and /api/health count the copy for both outlets alike.
    assert {s["name"]: s["articles"] for s in list_sources(store)} == {"Paper": 1, "Wire": 1}
    assert {s["name"]: s["articles"] for s in table.health(store)} == {"Paper": 1, "Wire": 1}


def test_a_feed_repeating_old_entries_adds_nothing(store: Store) -> None:
    wire = add_source(store, "https://wire.example.com/rss.xml", name="Wire")
    ingestor = Ingestor(store)
    ingestor.ingest([wire_copy("https://wire.example.com/strike", "Wire")], source_id=wire.id)
    events = export_timeline(store)["events"]
    again = ingestor.ingest([wire_copy("https://wire.example.com/strike?utm_source=rss", "Wire")],
                            source_id=wire.id)
    assert (again.new, again.unchanged, again.events) == (0, 1, 0)
    assert len(store.article_outlets(store.query("SELECT id FROM articles")[0]["id"])) == 2
    assert export_timeline(store)["events"] == events


def test_one_url_in_two_sources_is_one_article_with_two_outlets(store: Store) -> None:
    world = add_source(store, "https://a.example.org/world.xml", name="Agency World")
    europe = add_source(store, "https://b.example.org/europe.xml", name="Daily Europe")
    ingestor = Ingestor(store)
    ingestor.ingest([wire_copy("https://a.example.org/strike", "Agency World")],
                    source_id=world.id)
    ingestor.ingest([wire_copy("https://a.example.org/strike", "Daily Europe")],
                    source_id=europe.id)
    assert store.counts()["articles"] == 1
    health = {row["name"]: row["articles"] for row in table.health(store)}
    assert health == {"Agency World": 1, "Daily Europe": 1}
    assert max(e["n_sources"] for e in export_timeline(store)["events"]) == 2


# ---------------------------------------------------------------- reprocessing

@pytest.mark.slow
def test_reprocess_re_extracts_old_articles_without_fetching_and_events_follow(
        db_path: Path) -> None:
    with Store(db_path) as store:
        Ingestor(store).ingest(read_jsonl(EXAMPLES))
        expected = export_timeline(store)["events"]
        # An "old extractor" that found nothing in half of the articles: their events shrink.
        ingestor = Ingestor(store)
        ids = [r["id"] for r in store.query("SELECT id FROM articles ORDER BY id")][::2]
        for aid in ids:
            saved = store.replace_mentions(aid, [], extractor_version=EXTRACTOR_VERSION - 1)
            ingestor.pending_groups |= saved.groups
        ingestor.flush()
        assert export_timeline(store)["events"] != expected
        assert store.count_to_reprocess(EXTRACTOR_VERSION) == len(ids)
    result = tracker(db_path, "reprocess")
    assert result.returncode == 0, result.stderr
    assert f"reprocessed {len(ids)} of {len(ids)} articles" in result.stderr
    with Store(db_path) as store:
        assert store.count_to_reprocess(EXTRACTOR_VERSION) == 0
        got = export_timeline(store)["events"]

    def essentials(events: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return sorted((e["id"], e["date_start"], e["n_mentions"], e["n_sources"])
                      for e in events)

    assert essentials(got) == essentials(expected)
    forced = tracker(db_path, "reprocess", "--all")
    assert "reprocessed 14 of 14 articles" in forced.stderr
    with Store(db_path) as store:
        assert essentials(export_timeline(store)["events"]) == essentials(expected)
        counts = store.counts()
    assert counts["articles"] == 14


def test_reprocess_keeps_each_articles_source_and_outlets(store: Store) -> None:
    wire = add_source(store, "https://wire.example.com/rss.xml", name="Wire")
    Ingestor(store).ingest([wire_copy("https://wire.example.com/strike", "Wire")],
                           source_id=wire.id)
    report = Ingestor(store).reprocess(everything=True)
    assert (report.changed, report.failed) == (1, 0)
    row = store.query("SELECT source_id, source_name FROM articles")[0]
    assert (row["source_id"], row["source_name"]) == (wire.id, "Wire")


def test_a_stop_request_leaves_a_long_stream_after_the_article_in_hand(store: Store) -> None:
    articles = [replace(wire_copy(f"https://wire.example.com/{n}", "Wire"),
                        text=f"{TEXT} Item {n}.") for n in range(5)]
    seen: list[int] = []

    def stop_after_two() -> bool:
        seen.append(1)
        return len(seen) > 2

    report = Ingestor(store, should_stop=stop_after_two).ingest(articles)
    assert report.interrupted and report.new == 2 and store.counts()["articles"] == 2


# ---------------------------------------------------------------- runs of processes that died

START_RUN = """
import sys, time
from tracker.store import Store
store = Store(sys.argv[1])
store.start_run("ingest")
print("started", flush=True)
time.sleep(120)
"""
HAS_PROC = Path("/proc/self/stat").exists()


def start_run_elsewhere(db: Path) -> subprocess.Popen[str]:
    """Another process, which starts an ingest run and then waits to be killed."""
    other = subprocess.Popen([sys.executable, "-c", START_RUN, str(db)],
                             stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None and other.stdout.readline().strip() == "started"
    return other


@pytest.mark.slow
def test_the_run_of_a_killed_process_is_closed_as_interrupted_and_a_live_one_is_not(
        db_path: Path) -> None:
    Store(db_path).close()
    other = start_run_elsewhere(db_path)
    try:
        with Store(db_path) as store:
            store.start_run("ingest")  # this process's: alive
            assert table.close_dead_runs(store) == 0  # both processes are alive
        other.kill()  # SIGKILL: its run stays "running"
        other.wait(timeout=10)
        with Store(db_path) as store:
            assert table.close_dead_runs(store) == 1
            assert table.close_dead_runs(store) == 0  # closed once
            rows = {r["pid"]: r for r in
                    store.query("SELECT pid, status, error, finished_at FROM runs")}
    finally:
        if other.poll() is None:
            other.kill()
            other.wait(timeout=10)
    killed, alive = rows[other.pid], rows[os.getpid()]
    assert (killed["status"], killed["error"]) == ("failed", table.DEAD_RUN_ERROR)
    assert killed["error"] == "interrupted: the process that ran it stopped"
    assert killed["finished_at"]
    assert (alive["status"], alive["error"], alive["finished_at"]) == ("running", None, None)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="tells zombies apart by /proc")
def test_a_killed_process_its_parent_has_not_reaped_yet_counts_as_stopped(db_path: Path) -> None:
    Store(db_path).close()
    other = start_run_elsewhere(db_path)
    try:
        other.kill()  # not waited for: a zombie, which os.kill(pid, 0) still finds
        with Store(db_path) as store:
            assert wait_for(lambda: table.close_dead_runs(store) == 1, timeout=10)
    finally:
        other.wait(timeout=10)


def test_a_run_naming_no_process_is_closed_a_day_later_and_a_reused_pid_keeps_none_open(
        store: Store) -> None:
    now = clock.now()
    two_days_ago = iso(now - timedelta(days=2))
    insert = "INSERT INTO runs (job, started_at, pid) VALUES ('ingest', ?, ?)"
    store.execute(insert, [two_days_ago, None])  # from before runs named their process
    store.execute(insert, [iso(now), None])  # ... and maybe still going
    # This process's pid on a run two days older than this process: the pid was reused.
    store.execute(insert, [two_days_ago, os.getpid()])
    assert table.close_dead_runs(store) == (2 if HAS_PROC else 1)
    statuses = [r["status"] for r in store.query("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["failed", "running", "failed" if HAS_PROC else "running"]


def test_a_folder_source_dates_undated_files_by_its_published_day_else_their_mtime(
        store: Store, tmp_path: Path) -> None:
    from datetime import date

    from tracker.fetch import Fetcher
    from tracker.sources import poll

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "ferries.txt").write_text("Ferries resumed\nFerries crossed the strait on Monday.")
    os.utime(folder / "ferries.txt", (1747216800, 1747216800))  # 2025-05-14T10:00:00Z
    source = add_source(store, str(folder), kind="dir")
    with Fetcher() as fetcher:
        assert poll(store, source, fetcher).status == "ok"
    [row] = store.query("SELECT published_at, published_basis FROM articles")
    assert (row["published_at"], row["published_basis"]) == ("2025-05-14T10:00:00+00:00",
                                                              "mtime")
    (folder / "bridge.txt").write_text("Bridge reopened\nThe bridge reopened to traffic.")
    source = add_source(store, str(folder), kind="dir", published=date(2025, 5, 16))
    assert source.published == date(2025, 5, 16)
    with Fetcher() as fetcher:
        poll(store, source, fetcher)
    dated = store.query("SELECT published_at, published_basis FROM articles "
                        "WHERE title = 'Bridge reopened'")
    assert [(r["published_at"], r["published_basis"]) for r in dated] == [
        ("2025-05-16T00:00:00+00:00", "given")]
