"""Sources as data, and what it means to read one: ingest targets and source polling.

``add_source`` validates what a user asks for (kind, URL or path, name, interval, language);
``articles_from_path``/``articles_from_url`` turn a target into articles; ``poll`` reads one
configured source once (conditional GET, summary-only entries completed from their pages, the
source's language), ingests what is new, records the outcome with exponential backoff after
failures, and logs one key=value line per run. ``read_source`` and ``store_poll`` are the two
halves of ``poll`` (network then database), so a worker can fetch many sources in threads and
write from one. The schedule itself lives in ``jobs``; the SQL in ``tracker.store.sources``;
extraction and clustering in ``tracker.ingest``.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tracker import clock
from tracker.errors import FetchError, InputError, ParseError, TrackerError
from tracker.extract.pool import Prepared
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
from tracker.store import Store
from tracker.store import sources as table
from tracker.store.sources import Source

__all__ = [
    "DEFAULT_INTERVAL", "KINDS", "MAX_BACKOFF", "MIN_INTERVAL", "Fetched", "Interrupted",
    "PollResult", "Source", "SourceRead", "add_source", "articles_from_path",
    "articles_from_url", "backoff_delay", "due_sources", "enabled_sources", "get_source",
    "guess_kind", "is_url", "poll", "read_source", "remove_source", "set_enabled", "store_poll",
]

log = logging.getLogger(__name__)

FILE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
MAX_BACKOFF = timedelta(hours=24)
DEFAULT_INTERVAL = 3600
MIN_INTERVAL = 60  # politeness: nobody needs a feed more often than once a minute
MAX_INTERVAL = 30 * 24 * 3600
KINDS: tuple[SourceKind, ...] = ("feed", "page", "dir", "jsonl", "file")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
StopFlag = Callable[[], bool]


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


def backoff_delay(interval: int, failures: int) -> timedelta:
    """How long to wait after ``failures`` consecutive failures (0: the normal interval).

    Doubles with each failure, capped at ``MAX_BACKOFF`` (but never shorter than the interval):
    a dead source keeps being retried, but is not hammered.
    """
    if failures <= 0:
        return timedelta(seconds=interval)
    grown = timedelta(seconds=interval * 2 ** min(failures, 20))
    return max(timedelta(seconds=interval), min(grown, MAX_BACKOFF))


# ---------------------------------------------------------------- sources table

def add_source(store: Store, target: str, *, kind: SourceKind | None = None,
               name: str | None = None, interval: int = DEFAULT_INTERVAL,
               language: str = "en", fetch_pages: bool = True,
               enabled: bool | None = None) -> Source:
    """Register a source, or update the settings of the one already there (same kind and place).

    Raises ``InputError`` naming the field a user got wrong.
    """
    target = target.strip()
    if not target:
        raise InputError("a source needs a URL or a path")
    kind = kind or guess_kind(target)
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise InputError(
            f"interval must be between {MIN_INTERVAL} and {MAX_INTERVAL} seconds, got {interval}")
    language = language.strip().lower()
    if not _LANGUAGE.match(language):
        raise InputError(f"language must be a two- or three-letter code like 'en', "
                         f"got {language!r}")
    if name is not None and not name.strip():
        raise InputError("a source name cannot be empty")
    if is_url(target):
        if kind not in ("feed", "page"):
            raise InputError(f"a {kind} source needs a local path, not a URL")
        parts = urlsplit(target)
        if not parts.hostname:
            raise InputError(f"invalid URL {target!r}: no host")
        location = canonical_url(target)
    else:
        if kind in ("feed", "page"):
            raise InputError(f"a {kind} source needs an http:// or https:// URL, got {target!r}")
        path = Path(target).expanduser().resolve()
        if not path.exists():
            raise InputError(f"{target}: no such file or directory")
        if kind == "dir" and not path.is_dir():
            raise InputError(f"{target}: not a folder (a dir source watches a folder)")
        if kind in ("jsonl", "file") and not path.is_file():
            raise InputError(f"{target}: not a file")
        location = str(path)
    return table.upsert_source(
        store, id=source_id(kind, location), kind=kind, url=location,
        name=(name or "").strip() or _default_name(location), language=language,
        interval=interval, fetch_pages=fetch_pages, enabled=enabled,
    )


def _default_name(location: str) -> str:
    if is_url(location):
        return urlsplit(location).netloc or location
    return Path(location).name or location


def get_source(store: Store, ref: str) -> Source:
    """A source by id, URL/path or name."""
    path = None if is_url(ref) else str(Path(ref).expanduser().resolve())
    found = table.find_sources(store, ref, path=path)
    if not found and is_url(ref):
        found = table.find_sources(store, canonical_url(ref))
    if not found:
        raise InputError(f"no source {ref!r}; see `tracker source list`")
    if len(found) > 1:
        raise InputError(f"{ref!r} names {len(found)} sources; use the id")
    return found[0]


def set_enabled(store: Store, ref: str, enabled: bool) -> Source:
    source = get_source(store, ref)
    table.set_enabled(store, source.id, enabled)
    return get_source(store, source.id)


def remove_source(store: Store, ref: str) -> Source:
    source = get_source(store, ref)
    table.delete_source(store, source.id)
    return source


def due_sources(store: Store, when: datetime | None = None) -> list[Source]:
    """Enabled sources whose next poll is due (or never polled), oldest due first."""
    return table.due_sources(store, when or clock.now())


def enabled_sources(store: Store) -> list[Source]:
    return table.enabled_sources(store)


# ---------------------------------------------------------------- reading targets

def articles_from_path(path: Path, *, published: date | None, source_name: str | None,
                       mtime_fallback: bool = False,
                       language: str | None = None) -> Iterator[Article | TrackerError]:
    """Articles from a file, a JSON-lines file, or every readable file of a folder (sorted).

    With ``mtime_fallback`` (watched folders), a plain-text file without a date is dated by its
    modification day instead of being refused. ``language`` is the source's, for files and
    records that do not say.
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
                                              mtime_fallback=mtime_fallback, language=language)
            except InputError as exc:
                yield exc
        return
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from read_jsonl(path, language=language or "en")
        return
    if published is None and mtime_fallback and path.suffix.lower() not in (".html", ".htm"):
        published = _mtime_date(path)
    yield parse_text_file(path, published=published, source_name=source_name,
                          language=language)


def _mtime_date(path: Path) -> date | None:
    """A watched folder's plain-text files carry no date: their modification day stands in."""
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).date()
    except OSError:
        return None


@dataclass(frozen=True)
class Fetched:
    """What reading a URL gave: articles (or per-entry errors) and the cache validators."""

    items: list[Article | Prepared | TrackerError]  # Prepared: extracted ahead (worker)
    etag: str | None
    last_modified: str | None
    not_modified: bool


class Interrupted(Exception):
    """The worker is stopping: reading a source was abandoned between two requests."""


def articles_from_url(fetcher: Fetcher, url: str, *, etag: str | None = None,
                      last_modified: str | None = None, published: date | None = None,
                      source_name: str | None = None, language: str | None = None,
                      fetch_pages: bool = False, kind: SourceKind | None = None,
                      should_stop: StopFlag | None = None) -> Fetched:
    """Fetch a feed or an article page; returns articles (or per-entry errors) and cache headers.

    An unchanged resource (304) yields no articles. With ``fetch_pages``, feed entries that carry
    only a summary are replaced by their article page, when it can be fetched. ``language``
    (the source's) wins over what a page declares; without it a page's ``<html lang>`` is used.
    ``should_stop`` is asked between page fetches; when it says yes, ``Interrupted`` is raised.
    """
    result = fetcher.get(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return Fetched([], result.etag, result.last_modified, not_modified=True)
    is_feed = looks_like_feed(result.body, result.content_type)
    if kind == "feed" and not is_feed:
        kind_seen = result.content_type or "unknown content"
        raise ParseError(f"{url}: expected an RSS or Atom feed, got {kind_seen}")
    if kind == "feed" or (kind is None and is_feed):
        items: list[Article | Prepared | TrackerError] = []
        for entry in parse_feed(result.body, result.url, fetched_at=result.fetched_at):
            article = entry_to_article(entry, fetched_at=result.fetched_at,
                                       source_name=source_name, language=language or "en")
            if fetch_pages and entry.is_summary and entry.url:
                if should_stop is not None and should_stop():
                    raise Interrupted(url)
                article = _full_page(fetcher, entry.url, article, source_name, language)
            items.append(article)
        return Fetched(items, result.etag, result.last_modified, not_modified=False)
    article = parse_html(result.body, result.url, fetched_at=result.fetched_at,
                         charset=result.charset, published=published, source_name=source_name,
                         language=language)
    return Fetched([article], result.etag, result.last_modified, not_modified=False)


def _full_page(fetcher: Fetcher, url: str, summary: Article, source_name: str | None,
               language: str | None) -> Article:
    """The article page for a summary-only feed entry; the summary when the page fails."""
    try:
        page = fetcher.get(url)
        full = parse_html(page.body, page.url, fetched_at=page.fetched_at, charset=page.charset,
                          published=None, source_name=source_name, language=language)
    except TrackerError as exc:
        log.info("kept feed summary for %s: %s", url, exc)
        return summary
    if len(full.text) <= len(summary.text):
        return summary
    # The feed's date and title are the publisher's own; the page gives the text. The id stays
    # the entry's (its URL), so the next poll of the same feed finds the article stored.
    return Article(
        id=summary.id, title=summary.title or full.title, text=full.text, url=summary.url,
        canonical_url=summary.canonical_url, published_at=summary.published_at or
        full.published_at, published_basis=summary.published_basis if summary.published_at
        else full.published_basis, fetched_at=full.fetched_at, language=summary.language,
        source_name=source_name,
    )


# ---------------------------------------------------------------- polling

@dataclass(frozen=True)
class SourceRead:
    """The network half of a poll: what a feed or page gave, or why it failed.

    Local sources (folders, JSON-lines files) are read lazily by ``store_poll`` instead, so a
    big file streams through ingestion rather than sitting in memory.
    """

    source: Source
    fetched: Fetched | None = None
    error: str | None = None
    interrupted: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class PollResult:
    source: Source
    report: IngestReport
    error: str | None
    not_modified: bool = False
    interrupted: bool = False
    status: str = "ok"
    next_due_at: datetime | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list, repr=False)


def read_source(source: Source, fetcher: Fetcher, *,
                should_stop: StopFlag | None = None) -> SourceRead:
    """Fetch and parse a feed or page source (no database: safe in any thread)."""
    started = time.monotonic()
    if source.kind not in ("feed", "page"):
        return SourceRead(source)
    try:
        fetched = articles_from_url(
            fetcher, source.url, etag=source.etag, last_modified=source.last_modified,
            source_name=source.name, language=source.language,
            fetch_pages=source.fetch_pages, kind=source.kind, should_stop=should_stop,
        )
    except Interrupted:
        return SourceRead(source, interrupted=True, seconds=time.monotonic() - started)
    except (FetchError, ParseError, InputError) as exc:
        return SourceRead(source, error=str(exc), seconds=time.monotonic() - started)
    return SourceRead(source, fetched=fetched, seconds=time.monotonic() - started)


def store_poll(store: Store, read: SourceRead, *, ingestor: Ingestor | None = None,
               progress: Progress | None = None,
               should_stop: StopFlag | None = None) -> PollResult:
    """The database half of a poll: ingest what was read, record the outcome and the next due time.

    An interrupted poll (the worker is stopping) records nothing on the source: it stays due,
    keeps its old validators, and the next worker polls it again; the articles already stored
    are then found unchanged, so nothing is lost or duplicated. With a shared ``ingestor`` the
    caller decides when to re-cluster (``Ingestor.flush``).
    """
    source = read.source
    started = time.monotonic()
    run_id = store.start_run("poll", source.id)
    report = IngestReport()
    error = read.error
    interrupted = read.interrupted
    not_modified = False
    cache: dict[str, str | None] = {"etag": source.etag, "last_modified": source.last_modified}
    own = ingestor is None
    ingestor = ingestor or Ingestor(store, progress=progress, should_stop=should_stop)
    if error is None and not interrupted:
        try:
            if read.fetched is not None:
                cache = {"etag": read.fetched.etag, "last_modified": read.fetched.last_modified}
                not_modified = read.fetched.not_modified
                report = ingestor.ingest(read.fetched.items, source_id=source.id,
                                         recluster=own)
            else:
                report = ingestor.ingest(
                    articles_from_path(Path(source.url), published=None,
                                       source_name=source.name, mtime_fallback=True,
                                       language=source.language),
                    source_id=source.id, recluster=own,
                )
        except (FetchError, ParseError, InputError) as exc:
            error = str(exc)
        interrupted = interrupted or report.interrupted
    if interrupted:
        status = "failed"
        error = "interrupted: the worker stopped during this poll; it stays due"
    else:
        status = "failed" if error else ("partial" if report.failed else "ok")
    store.finish_run(run_id, status=status, n_new=report.new + report.changed,
                     n_unchanged=report.unchanged, n_failed=report.failed,
                     n_events=report.events, error=error, detail=report.failures[:50])
    next_due = None if interrupted else _record(store, source, error, cache)
    seconds = read.seconds + time.monotonic() - started
    log.info("poll source=%s kind=%s status=%s http=%s new=%d changed=%d unchanged=%d "
             "failed=%d events=%d seconds=%.2f%s", source.id, source.kind, status,
             "304" if not_modified else ("-" if read.fetched is None else "200"), report.new,
             report.changed, report.unchanged, report.failed, report.events, seconds,
             f" error={error!r}" if error else "")
    return PollResult(source, report, None if interrupted else error, not_modified,
                      interrupted, status, next_due, seconds, report.failures)


def poll(store: Store, source: Source, fetcher: Fetcher, *,
         progress: Progress | None = None, should_stop: StopFlag | None = None) -> PollResult:
    """Read one source once, ingest what is new, record the outcome and the next due time."""
    read = read_source(source, fetcher, should_stop=should_stop)
    return store_poll(store, read, progress=progress, should_stop=should_stop)


def _record(store: Store, source: Source, error: str | None,
            cache: dict[str, str | None]) -> datetime:
    now = clock.now()
    if error:
        # The stored count, not the one read before fetching: a poll is the only writer, but the
        # source may have been re-added meanwhile.
        current = table.source_by_id(store, source.id)
        failures = (current.consecutive_failures if current else
                    source.consecutive_failures) + 1
        next_due = now + backoff_delay(source.interval, failures)
        table.record_failure(store, source.id, when=now, next_due=next_due, error=error,
                             failures=failures)
    else:
        next_due = now + backoff_delay(source.interval, 0)
        table.record_success(store, source.id, when=now, next_due=next_due,
                             etag=cache.get("etag"), last_modified=cache.get("last_modified"))
    return next_due
