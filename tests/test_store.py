"""The store: migrations, WAL, deterministic ids, one transaction per article, idempotence."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.errors import StoreError
from tracker.ids import article_id
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.store import Store
from tracker.store.migrations import MIGRATIONS

TEXT = (
    "Delegations from Norway and Chile met in Geneva on Tuesday for trade talks. "
    "The talks in Geneva ended without a deal. Fighting continued in the Donetsk region."
)


def article(text: str = TEXT, url: str = "https://news.example.org/geneva-talks") -> Article:
    return Article(
        id=article_id(url, text), title="Trade talks in Geneva", text=text, url=url,
        canonical_url=url, published_at=datetime(2025, 3, 7, tzinfo=UTC),
        published_basis="given", source_name="Example News",
    )


def table_counts(store: Store) -> dict[str, int]:
    return store.counts() | {
        "event_entities": store.query("SELECT COUNT(*) AS n FROM event_entities")[0]["n"]}


def test_a_new_database_has_the_schema_in_wal_mode(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.db.journal_mode == "wal"
        assert {"sources", "articles", "mentions", "events", "entities", "runs",
                "events_fts", "articles_fts"} <= set(store.db.table_names())


def test_reopening_applies_no_migration_twice(db_path: Path) -> None:
    Store(db_path).close()
    with Store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)


def test_a_database_from_a_newer_tracker_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this tracker"):
        Store(db_path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(bogus)


def test_ingesting_the_same_article_twice_changes_nothing(store: Store) -> None:
    first = Ingestor(store).ingest([article()])
    before = table_counts(store)
    events_before = store.query("SELECT * FROM events ORDER BY id")
    second = Ingestor(store).ingest([article()])
    assert (first.new, second.new, second.unchanged) == (1, 0, 1)
    assert table_counts(store) == before
    assert store.query("SELECT * FROM events ORDER BY id") == events_before


def test_a_syndicated_copy_with_another_url_is_the_same_article(store: Store) -> None:
    Ingestor(store).ingest([article()])
    report = Ingestor(store).ingest([article(url="https://mirror.example.com/copy")])
    assert report.unchanged == 1 and store.counts()["articles"] == 1


def test_an_edited_article_replaces_its_mentions(store: Store) -> None:
    Ingestor(store).ingest([article()])
    edited = article(text="Protests broke out in Lima on Monday. Police detained dozens.")
    report = Ingestor(store).ingest([edited])
    assert report.changed == 1
    triggers = {r["trigger"] for r in store.query("SELECT trigger FROM mentions")}
    assert "talks" not in triggers and "protests" in triggers
    titles = {r["title"] for r in store.query(
        "SELECT title FROM events WHERE status = 'active'")}
    assert not any("Geneva" in t for t in titles)


def test_full_text_search_finds_events_and_articles(store: Store) -> None:
    Ingestor(store).ingest([article()])
    assert store.query("SELECT title FROM events_fts WHERE events_fts MATCH 'geneva'")
    assert store.query("SELECT title FROM articles_fts WHERE articles_fts MATCH 'trade'")


def test_a_failing_article_does_not_stop_the_others(store: Store) -> None:
    undated = Article(id="a-undated", title="No date", text="Talks were held.")
    report = Ingestor(store).ingest([undated, article()])
    assert (report.failed, report.new) == (1, 1)
    assert "neither publication nor fetch date" in report.failures[0]


def test_an_extraction_saved_but_not_yet_reclustered_is_repaired_by_the_next_flush(
        store: Store) -> None:
    from tracker.extract.mentions import EXTRACTOR_VERSION, extract

    Ingestor(store).ingest([article()])
    assert store.unclustered_groups() == []
    # A reprocess killed between saving an article's mentions and re-clustering them.
    saved = store.replace_mentions(article().id, extract(article()),
                                   extractor_version=EXTRACTOR_VERSION)
    assert set(saved.groups) <= set(store.unclustered_groups())
    Ingestor(store).flush()
    assert store.unclustered_groups() == []
    assert store.query("SELECT COUNT(*) AS n FROM events WHERE status = 'active'")[0]["n"] > 0
