"""Sources as data, and what it means to read one: ingest targets and source polling.

``resolve_target`` turns what a user typed (a file, a folder, a JSON-lines file, a feed URL, a
page URL) into articles; ``poll`` reads one configured source once, with conditional GET,
error recording and backoff, and logs the run. The schedule itself lives in ``jobs``.
It does not extract or cluster (``tracker.ingest``) and holds no SQL of its own beyond the
store's generic ``query``/``execute``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tracker import clock
from tracker.errors import FetchError, InputError, ParseError, TrackerError
from tracker.fetch import Fetcher
from tracker.ids import canonical_url, source_id
from tracker.ingest import Ingestor, IngestReport, Progress
from tracker.models import Article, SourceKind
from tracker.parse import (
    entry_to_article,
    looks_like_feed,
    parse_feed,
    parse_html,
    parse_text_file,
    read_jsonl,
)
from tracker.store import Store, iso

log = logging.getLogger(__name__)

FILE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
MAX_BACKOFF = timedelta(hours=24)
DEFAULT_INTERVAL = 3600


@dataclass(frozen=True)
class Source:
    id: str
    kind: SourceKind
    url: str
    name: str
    language: str = "en"
    interval: int = DEFAULT_INTERVAL
    enabled: bool = True
    fetch_pages: bool = True
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Source:
        return cls(
            id=row["id"], kind=row["kind"], url=row["url"], name=row["name"],
            language=row["language"], interval=int(row["interval"]),
            enabled=bool(row["enabled"]), fetch_pages=bool(row["fetch_pages"]),
            etag=row["etag"], last_modified=row["last_modified"],
            consecutive_failures=int(row["consecutive_failures"]),
        )


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def guess_kind(target: str) -> SourceKind:
    """The kind of source a URL or path most likely is; feeds must be told from pages by content."""
    if is_url(target):
        lowered = target.lower()
        feedish = ("rss", "atom", "feed", ".xml")
        return "feed" if any(word in lowered for word in feedish) else "page"
    path = Path(target)
    if path.is_dir():
        return "dir"
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "file"


# ---------------------------------------------------------------- sources table

def add_source(store: Store, target: str, *, kind: SourceKind | None = None,
               name: str | None = None, interval: int = DEFAULT_INTERVAL,
               language: str = "en", fetch_pages: bool = True) -> Source:
    """Register a source (idempotent: the same kind and location give the same source)."""
    kind = kind or guess_kind(target)
    if interval < 60:
        raise InputError(f"interval must be at least 60 seconds, got {interval}")
    location = canonical_url(target) if is_url(target) else str(Path(target).resolve())
    if not is_url(target) and not Path(location).exists():
        raise InputError(f"{target}: no such file or directory")
    if is_url(target) and kind in ("dir", "jsonl", "file"):
        raise InputError(f"a {kind} source needs a local path, not a URL")
    sid = source_id(kind, location)
    store.db.table("sources").upsert(
        {
            "id": sid, "kind": kind, "url": location, "name": name or _default_name(location),
            "language": language, "interval": interval, "fetch_pages": int(fetch_pages),
            "created_at": iso(clock.now()),
        },
        pk="id",
    )
    return get_source(store, sid)


def _default_name(location: str) -> str:
    if is_url(location):
        from urllib.parse import urlsplit

        return urlsplit(location).netloc or location
    return Path(location).name or location


def get_source(store: Store, ref: str) -> Source:
    """A source by id, URL/path or name."""
    rows = store.query("SELECT * FROM sources WHERE id = ? OR url = ? OR name = ?",
                       [ref, ref, ref])
    if not rows and not is_url(ref):
        rows = store.query("SELECT * FROM sources WHERE url = ?", [str(Path(ref).resolve())])
    if not rows:
        raise InputError(f"no source {ref!r}; see `tracker source list`")
    if len(rows) > 1:
        raise InputError(f"{ref!r} names {len(rows)} sources; use the id")
    return Source.from_row(rows[0])


def set_enabled(store: Store, ref: str, enabled: bool) -> Source:
    source = get_source(store, ref)
    store.execute("UPDATE sources SET enabled = ? WHERE id = ?", [int(enabled), source.id])
    return get_source(store, source.id)


def remove_source(store: Store, ref: str) -> Source:
    source = get_source(store, ref)
    store.execute("DELETE FROM sources WHERE id = ?", [source.id])
    return source


def due_sources(store: Store, when: datetime | None = None) -> list[Source]:
    """Enabled sources whose next poll is due (or never polled), oldest due first."""
    when = when or clock.now()
    rows = store.query(
        "SELECT * FROM sources WHERE enabled = 1 AND (next_due_at IS NULL OR next_due_at <= ?) "
        "ORDER BY next_due_at IS NOT NULL, next_due_at, id",
        [iso(when)],
    )
    return [Source.from_row(r) for r in rows]


def enabled_sources(store: Store) -> list[Source]:
    return [Source.from_row(r) for r in
            store.query("SELECT * FROM sources WHERE enabled = 1 ORDER BY id")]


# ---------------------------------------------------------------- reading targets

def articles_from_path(path: Path, *, published: date | None, source_name: str | None,
                       mtime_fallback: bool = False) -> Iterator[Article | TrackerError]:
    """Articles from a file, a JSON-lines file, or every readable file of a folder (sorted).

    With ``mtime_fallback`` (watched folders), a plain-text file without a date is dated by its
    modification day instead of being refused.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and p.suffix.lower() in (*FILE_SUFFIXES, ".jsonl"))
        if not files:
            raise InputError(f"{path}: no .txt, .html or .jsonl files in this folder")
        for file in files:
            try:
                yield from articles_from_path(file, published=published, source_name=source_name,
                                              mtime_fallback=mtime_fallback)
            except InputError as exc:
                yield exc
        return
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from read_jsonl(path)
        return
    if published is None and mtime_fallback and path.suffix.lower() not in (".html", ".htm"):
        published = _mtime_date(path)
    yield parse_text_file(path, published=published, source_name=source_name)


def _mtime_date(path: Path) -> date | None:
    """A watched folder's plain-text files carry no date: their modification day stands in."""
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).date()
    except OSError:
        return None


@dataclass(frozen=True)
class Fetched:
    """What reading a URL gave: articles (or per-entry errors) and the cache validators."""

    items: list[Article | TrackerError]
    etag: str | None
    last_modified: str | None
    not_modified: bool


def articles_from_url(fetcher: Fetcher, url: str, *, etag: str | None = None,
                      last_modified: str | None = None, published: date | None = None,
                      source_name: str | None = None, language: str = "en",
                      fetch_pages: bool = False, kind: SourceKind | None = None) -> Fetched:
    """Fetch a feed or an article page; returns articles (or per-entry errors) and cache headers.

    An unchanged resource (304) yields no articles. With ``fetch_pages``, feed entries that carry
    only a summary are replaced by their article page, when it can be fetched.
    """
    result = fetcher.get(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return Fetched([], etag, last_modified, not_modified=True)
    is_feed = looks_like_feed(result.body, result.content_type)
    if kind == "feed" and not is_feed:
        kind_seen = result.content_type or "unknown content"
        raise ParseError(f"{url}: expected an RSS or Atom feed, got {kind_seen}")
    if kind == "feed" or (kind is None and is_feed):
        items: list[Article | TrackerError] = []
        for entry in parse_feed(result.body, result.url, fetched_at=result.fetched_at):
            article = entry_to_article(entry, fetched_at=result.fetched_at,
                                       source_name=source_name, language=language)
            if fetch_pages and entry.is_summary and entry.url:
                article = _full_page(fetcher, entry.url, article, source_name)
            items.append(article)
        return Fetched(items, result.etag, result.last_modified, not_modified=False)
    article = parse_html(result.body, result.url, fetched_at=result.fetched_at,
                         charset=result.charset, published=published, source_name=source_name)
    return Fetched([article], result.etag, result.last_modified, not_modified=False)


def _full_page(fetcher: Fetcher, url: str, summary: Article, source_name: str | None) -> Article:
    """The article page for a summary-only feed entry; the summary when the page fails."""
    try:
        page = fetcher.get(url)
        full = parse_html(page.body, page.url, fetched_at=page.fetched_at, charset=page.charset,
                          published=None, source_name=source_name)
    except TrackerError as exc:
        log.info("kept feed summary for %s: %s", url, exc)
        return summary
    if len(full.text) <= len(summary.text):
        return summary
    # The feed's date and title are the publisher's own; the page gives the text.
    return Article(
        id=summary.id, title=summary.title or full.title, text=full.text, url=summary.url,
        canonical_url=summary.canonical_url, published_at=summary.published_at or
        full.published_at, published_basis=summary.published_basis if summary.published_at
        else full.published_basis, fetched_at=full.fetched_at, language=summary.language,
        source_name=source_name,
    )


# ---------------------------------------------------------------- polling

@dataclass(frozen=True)
class PollResult:
    source: Source
    report: IngestReport
    error: str | None
    not_modified: bool = False


def poll(store: Store, source: Source, fetcher: Fetcher, *,
         progress: Progress | None = None) -> PollResult:
    """Read one source once, ingest what is new, record the outcome and the next due time."""
    run_id = store.start_run("poll", source.id)
    report = IngestReport()
    error: str | None = None
    not_modified = False
    cache: dict[str, str | None] = {"etag": source.etag, "last_modified": source.last_modified}
    try:
        ingestor = Ingestor(store, progress=progress)
        if source.kind in ("feed", "page"):
            fetched = articles_from_url(
                fetcher, source.url, etag=source.etag, last_modified=source.last_modified,
                source_name=source.name, language=source.language,
                fetch_pages=source.fetch_pages, kind=source.kind,
            )
            cache = {"etag": fetched.etag, "last_modified": fetched.last_modified}
            not_modified = fetched.not_modified
            report = ingestor.ingest(fetched.items, source_id=source.id)
        else:
            report = ingestor.ingest(
                articles_from_path(Path(source.url), published=None, source_name=source.name,
                                   mtime_fallback=True),
                source_id=source.id,
            )
    except (FetchError, ParseError, InputError) as exc:
        error = str(exc)
    status = "failed" if error else ("partial" if report.failed else "ok")
    store.finish_run(run_id, status=status, n_new=report.new + report.changed,
                     n_unchanged=report.unchanged, n_failed=report.failed,
                     n_events=report.events, error=error, detail=report.failures[:50])
    _record(store, source, error, cache)
    log.info("poll source=%s kind=%s status=%s new=%d unchanged=%d failed=%d events=%d "
             "seconds=%.2f%s", source.id, source.kind, status, report.new + report.changed,
             report.unchanged, report.failed, report.events, report.seconds,
             f" error={error!r}" if error else "")
    return PollResult(source, report, error, not_modified)


def _record(store: Store, source: Source, error: str | None,
            cache: dict[str, str | None]) -> None:
    now = clock.now()
    if error:
        failures = source.consecutive_failures + 1
        # Exponential backoff, capped: a dead source is retried, but not hammered.
        delay = min(timedelta(seconds=source.interval * 2 ** min(failures, 10)), MAX_BACKOFF)
        store.execute(
            "UPDATE sources SET last_run_at = ?, last_error = ?, last_error_at = ?, "
            "consecutive_failures = ?, next_due_at = ? WHERE id = ?",
            [iso(now), error, iso(now), failures, iso(now + delay), source.id],
        )
    else:
        store.execute(
            "UPDATE sources SET last_run_at = ?, last_ok_at = ?, consecutive_failures = 0, "
            "etag = ?, last_modified = ?, next_due_at = ? WHERE id = ?",
            [iso(now), iso(now), cache.get("etag"), cache.get("last_modified"),
             iso(now + timedelta(seconds=source.interval)), source.id],
        )
