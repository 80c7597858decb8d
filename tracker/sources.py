"""Sources as data, and what it means to read one: ingest targets and source polling.

``add_source`` validates what a user asks for (kind, URL or path, name, interval, language);
``articles_from_path``/``articles_from_url`` turn a target into articles; ``poll`` reads one
configured source once (conditional GET, summary-only entries completed from their pages, the
source's language), ingests what is new, records the outcome with exponential backoff after
failures, and logs one key=value line per run. ``read_source`` and ``store_poll`` are the two
halves of ``poll`` (network then database), so a worker can fetch many sources in threads and
write from one.

A poll does bounded work (``PollLimits``: entries taken, pages fetched, seconds spent; what is
beyond waits for the next poll), skips feed entries already stored as they are (their
fingerprint, ``Article.entry_hash``, is asked of the database before any page is fetched),
says what went wrong even when it stored something (a "partial" run: broken XML, failed pages),
and fails alone, recorded and backed off, whatever goes wrong in it (even running out of memory).

The schedule itself lives in ``jobs``; the SQL in ``tracker.store.sources``; extraction and
clustering in ``tracker.ingest``.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tracker import clock
from tracker.errors import FetchError, InputError, ParseError, TrackerError
from tracker.extract.pool import Prepared
from tracker.fetch import Fetcher, FetchResult
from tracker.ids import canonical_url, source_id, text_hash
from tracker.ingest import Ingestor, IngestReport, Progress, cap_text
from tracker.models import Article, SourceKind
from tracker.parse import (
    entry_to_article,
    looks_like_feed,
    parse_html,
    parse_text_file,
    read_jsonl,
)
from tracker.parse.feeds import read_feed
from tracker.store import Store
from tracker.store import sources as table
from tracker.store.sources import EntryState, Source
from tracker.urlpolicy import UrlPolicy, redact_text

__all__ = [
    "DEFAULT_INTERVAL", "DEFAULT_LIMITS", "KINDS", "MAX_BACKOFF", "MAX_ENTRIES_PER_POLL",
    "MAX_PAGES_PER_POLL", "MIN_INTERVAL", "POLL_SECONDS", "EntryState", "Fetched",
    "Interrupted", "PollLimits", "PollResult", "Source", "SourceRead", "StoredEntry",
    "add_source", "articles_from_path", "articles_from_url", "backoff_delay", "describe_error",
    "due_sources", "enabled_sources", "get_source", "guess_kind", "is_url", "poll",
    "read_source", "record_failed_poll", "remove_source", "set_enabled", "store_poll",
]

log = logging.getLogger(__name__)

FILE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
MAX_BACKOFF = timedelta(hours=24)
DEFAULT_INTERVAL = 3600
MIN_INTERVAL = 60  # politeness: nobody needs a feed more often than once a minute
MAX_INTERVAL = 30 * 24 * 3600
KINDS: tuple[SourceKind, ...] = ("feed", "page", "dir", "jsonl", "file")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# What one poll of a feed may do at most (``PollLimits``; a worker can be given others). The
# rest waits for the next poll: a feed of thousands of entries is taken in turns, and a server
# sending a byte a second holds a fetch thread for two minutes, not for as long as it likes.
MAX_ENTRIES_PER_POLL = 500
MAX_PAGES_PER_POLL = 50  # article pages of summary-only entries
POLL_SECONDS = 120.0
MAX_DETAIL_LINES = 50  # lines of a run's detail (problems, notes, failed articles)
StopFlag = Callable[[], bool]
# The database's answer for a feed entry: (article id, entry fingerprint) -> EntryState.
StoredEntry = Callable[[str, str], EntryState]


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
               name: str | None = None, interval: int | None = None,
               language: str | None = None, fetch_pages: bool | None = None,
               enabled: bool | None = None, published: date | None = None) -> Source:
    """Register a source, or update the settings of the one already there (same kind and place).

    A setting left as None keeps the existing source's value (re-adding a source with a new
    interval keeps its name), or takes the default for a new one (``DEFAULT_INTERVAL``,
    English, pages fetched, enabled, no ``published`` day: undated files are dated by their
    modification time). Raises ``InputError`` naming the field a user got wrong.
    """
    target = target.strip()
    if not target:
        raise InputError("a source needs a URL or a path")
    kind = kind or guess_kind(target)
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if interval is not None and not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise InputError(
            f"interval must be between {MIN_INTERVAL} and {MAX_INTERVAL} seconds, got {interval}")
    if language is not None:
        language = language.strip().lower()
        if not _LANGUAGE.match(language):
            raise InputError(f"language must be a two- or three-letter code like 'en', "
                             f"got {language!r}")
    if name is not None and not name.strip():
        raise InputError("a source name cannot be empty")
    location = _location(store, target, kind)
    sid = source_id(kind, location)
    existing = table.source_by_id(store, sid)
    return table.upsert_source(
        store, id=sid, kind=kind, url=location,
        name=(name.strip() if name is not None else
              existing.name if existing else _default_name(location)),
        language=language or (existing.language if existing else "en"),
        interval=interval or (existing.interval if existing else DEFAULT_INTERVAL),
        fetch_pages=(fetch_pages if fetch_pages is not None else
                     existing.fetch_pages if existing else True),
        enabled=enabled,
        published=published or (existing.published if existing else None),
    )


def _location(store: Store, target: str, kind: SourceKind) -> str:
    """Where a source of ``kind`` at ``target`` is: its canonical URL or its absolute path,
    checked (``InputError`` naming what is wrong)."""
    if is_url(target):
        if kind not in ("feed", "page"):
            raise InputError(f"a {kind} source needs a local path, not a URL")
        try:
            # The syntax half of the URL policy (scheme, credentials, hosts refused by their
            # spelling): a URL that will never be fetched is refused now, not at its first poll.
            url_policy(store).check_url(target)
        except FetchError as exc:
            raise InputError(str(exc)) from None
        return canonical_url(target)
    if kind in ("feed", "page"):
        raise InputError(f"a {kind} source needs an http:// or https:// URL, got {target!r}")
    path = Path(target).expanduser().resolve()
    if not path.exists():
        raise InputError(f"{target}: no such file or directory")
    if kind == "dir" and not path.is_dir():
        raise InputError(f"{target}: not a folder (a dir source watches a folder)")
    if kind in ("jsonl", "file") and not path.is_file():
        raise InputError(f"{target}: not a file")
    return str(path)


# The database setting the worker's URL policy is built from ("1" or "0"); written by
# `tracker source sync` from sources.toml's ``[network] allow_private_networks``.
ALLOW_PRIVATE_NETWORKS_SETTING = "allow_private_networks"


def url_policy(store: Store) -> UrlPolicy:
    """The URL policy for fetching into this database: the environment's, or its setting."""
    setting = store.get_setting(ALLOW_PRIVATE_NETWORKS_SETTING)
    return UrlPolicy.from_environment(allow_private=setting == "1")


def _default_name(location: str) -> str:
    if is_url(location):
        # The host, never what may sit before it (``user:password@``).
        return urlsplit(location).netloc.rpartition("@")[2] or location
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
                       language: str | None = None) -> Iterator[Article | TrackerError]:
    """Articles from a file, a JSON-lines file, or every readable file of a folder (sorted).

    One rule for undated articles, whoever reads them (`tracker ingest` or a source): what
    the article says (page metadata, a record's ``published``) comes first, then ``published``
    (``--published``, a source's setting: basis "given"), then, for a file, its modification
    time (basis "mtime"); a JSON-lines record with neither is refused. ``language`` is the
    source's, for files and records that do not say.
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
                                              language=language)
            except InputError as exc:
                yield exc
        return
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from read_jsonl(path, language=language or "en", published=published)
        return
    yield parse_text_file(path, published=published, source_name=source_name,
                          language=language)


@dataclass(frozen=True)
class PollLimits:
    """How much one poll of a feed may do; what is beyond is left for the next poll.

    ``entries``: feed entries taken (new or changed ones: those already stored as they are cost
    a look-up, not a turn). ``pages``: article pages fetched for summary-only entries.
    ``seconds``: the time budget, the feed's own fetch included; page fetches are cut short to
    fit in it, and once it is spent the remaining summary-only entries wait for the next poll
    rather than be stored as summaries that their pages would later replace.
    """

    entries: int = MAX_ENTRIES_PER_POLL
    pages: int = MAX_PAGES_PER_POLL
    seconds: float = POLL_SECONDS


DEFAULT_LIMITS = PollLimits()


@dataclass(frozen=True)
class Fetched:
    """What reading a URL gave: articles (or per-entry errors), the cache validators, and how
    completely the feed was read.

    ``kept``: feed entries whose stored article stays as it is (stored from this very version
    of the entry, or its page failed this time and the stored one is better than the summary).
    ``problems``: what makes the poll partial (broken XML, failed pages, the time budget spent).
    ``notes``: other lines for the run's detail (entries left for the next poll at a cap).
    ``left``: entries left for the next poll; ``retry``: something of this version of the feed
    is still to do (entries left, pages failed), so its validators must not be kept: the next
    poll then reads it in full again instead of getting a 304.
    """

    items: list[Article | Prepared | TrackerError]  # Prepared: extracted ahead (worker)
    etag: str | None
    last_modified: str | None
    not_modified: bool
    kept: list[Article] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left: int = 0
    retry: bool = False


class Interrupted(Exception):
    """The worker is stopping: reading a source was abandoned between two requests."""


def articles_from_url(fetcher: Fetcher, url: str, *, etag: str | None = None,
                      last_modified: str | None = None, published: date | None = None,
                      source_name: str | None = None, language: str | None = None,
                      fetch_pages: bool = False, kind: SourceKind | None = None,
                      should_stop: StopFlag | None = None,
                      stored_entry: StoredEntry | None = None,
                      limits: PollLimits | None = None) -> Fetched:
    """Fetch a feed or an article page; returns articles (or per-entry errors) and cache headers.

    An unchanged resource (304) yields no articles. With ``fetch_pages``, feed entries that carry
    only a summary are replaced by their article page, when it can be fetched (a page that fails
    is a problem of the read, and the summary stands in until a later poll gets the page).
    ``stored_entry`` (the database's answer for an article id and an entry fingerprint) spares
    entries stored as they are now: no page fetch, no re-ingestion. ``limits`` caps the work of
    one read (None: no caps, for a user waiting at the command line). ``language`` (the source's)
    wins over what a page declares; without it a page's ``<html lang>`` is used. ``should_stop``
    is asked between page fetches; when it says yes, ``Interrupted`` is raised.
    """
    deadline = None if limits is None else time.monotonic() + limits.seconds
    result = fetcher.get(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return Fetched([], result.etag, result.last_modified, not_modified=True)
    is_feed = looks_like_feed(result.body, result.content_type)
    if kind == "feed" and not is_feed:
        kind_seen = result.content_type or "unknown content"
        raise ParseError(f"{url}: expected an RSS or Atom feed, got {kind_seen}")
    if kind == "feed" or (kind is None and is_feed):
        return _feed_articles(fetcher, result, source_name=source_name, language=language,
                              fetch_pages=fetch_pages, should_stop=should_stop,
                              stored_entry=stored_entry, limits=limits, deadline=deadline)
    article = parse_html(result.body, result.url, fetched_at=result.fetched_at,
                         charset=result.charset, published=published, source_name=source_name,
                         language=language)
    return Fetched([article], result.etag, result.last_modified, not_modified=False)


def _feed_articles(fetcher: Fetcher, result: FetchResult, *, source_name: str | None,
                   language: str | None, fetch_pages: bool, should_stop: StopFlag | None,
                   stored_entry: StoredEntry | None, limits: PollLimits | None,
                   deadline: float | None) -> Fetched:
    """The articles of a fetched feed, within ``limits``; see ``articles_from_url``."""
    feed = read_feed(result.body, result.url, fetched_at=result.fetched_at)
    problems = [feed.problem] if feed.problem else []
    items: list[Article | Prepared | TrackerError] = []
    kept: list[Article] = []
    max_entries = limits.entries if limits is not None else len(feed.entries)
    max_pages = limits.pages if limits is not None else len(feed.entries)
    taken = pages = page_failures = 0
    over_entries = over_pages = over_time = 0  # entries left for the next poll, by cap
    for entry in feed.entries:
        article = entry_to_article(entry, fetched_at=result.fetched_at,
                                   source_name=source_name, language=language or "en")
        state: EntryState = "new"
        if stored_entry is not None and article.entry_hash is not None:
            state = stored_entry(article.id, article.entry_hash)
        if state == "same":
            kept.append(article)  # stored from this very entry: nothing to fetch or extract
            continue
        if taken >= max_entries:
            over_entries += 1
            continue
        if not (fetch_pages and entry.is_summary and entry.url):
            taken += 1
            items.append(article)
            continue
        # The page caps leave a summary-only entry for the next poll rather than store its
        # summary now: a summary stored would be replaced by the page then, extracted twice.
        if pages >= max_pages:
            over_pages += 1
            continue
        if deadline is not None and time.monotonic() >= deadline:
            over_time += 1
            continue
        if should_stop is not None and should_stop():
            raise Interrupted(result.url)
        taken += 1
        pages += 1
        try:
            items.append(_full_page(fetcher, entry.url, article, source_name, language,
                                    deadline))
        except Exception as exc:  # MemoryError, a parser bug: one page, not the whole feed
            page_failures += 1
            problems.append(f"page {entry.url}: {describe_error(exc)}")
            log.info("page failed, feed summary stands in: %s", problems[-1])
            if state == "changed":
                kept.append(article)  # what is stored (maybe the full page) beats the summary
            else:
                # Stored without fingerprint, so that the next poll fetches the page again.
                items.append(replace(article, entry_hash=None))
    notes: list[str] = []
    if over_entries:
        notes.append(f"{over_entries} entries left for the next poll "
                     f"(at most {max_entries} entries per poll)")
    if over_pages:
        notes.append(f"{over_pages} entries left for the next poll "
                     f"(at most {max_pages} page fetches per poll)")
    if over_time and limits is not None:
        problems.append(f"time budget of {limits.seconds:g} s spent: {over_time} entries "
                        f"left for the next poll")
    left = over_entries + over_pages + over_time
    return Fetched(items, result.etag, result.last_modified, not_modified=False, kept=kept,
                   problems=problems, notes=notes, left=left,
                   retry=bool(left or page_failures))


def _full_page(fetcher: Fetcher, url: str, summary: Article, source_name: str | None,
               language: str | None, deadline: float | None) -> Article:
    """The article page for a summary-only feed entry (the summary when the page says less).

    Raises when the page cannot be fetched or read (``TrackerError``, or anything unexpected).
    """
    page = _get_before(fetcher, url, deadline)
    full = parse_html(page.body, page.url, fetched_at=page.fetched_at, charset=page.charset,
                      published=None, source_name=source_name, language=language)
    if len(full.text) <= len(summary.text):
        return summary
    # The feed's date and title are the publisher's own; the page gives the text. The id stays
    # the entry's (its URL), so the next poll of the same feed finds the article stored, and so
    # does its fingerprint, so that poll need not fetch the page again.
    return Article(
        id=summary.id, title=summary.title or full.title, text=full.text, url=summary.url,
        canonical_url=summary.canonical_url, published_at=summary.published_at or
        full.published_at, published_basis=summary.published_basis if summary.published_at
        else full.published_basis, fetched_at=full.fetched_at, language=summary.language,
        source_name=source_name, truncated_from=full.truncated_from,
        entry_hash=summary.entry_hash,
    )


def _get_before(fetcher: Fetcher, url: str, deadline: float | None) -> FetchResult:
    """``fetcher.get(url)``, cut short to end by ``deadline`` (the poll's time budget).

    The fetcher takes its time limit from its ``total_timeout``: it is lowered for this one
    request. A fetcher belongs to one thread (see ``Fetcher``), so nothing else sees it.
    """
    if deadline is None:
        return fetcher.get(url)
    usual = fetcher.total_timeout
    remaining = deadline - time.monotonic()
    # Tenths of a second, rounded up: the timeout shows in messages ("took longer than 7.3 s").
    fetcher.total_timeout = max(0.1, min(usual, math.ceil(remaining * 10) / 10))
    try:
        return fetcher.get(url)
    finally:
        fetcher.total_timeout = usual


def describe_error(exc: BaseException) -> str:
    """One line for the run's detail: our own errors as they are, anything else named."""
    if isinstance(exc, TrackerError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "unexpected MemoryError (ran out of memory)"
    try:
        lines = str(exc).strip().splitlines()
    except Exception:  # a broken __str__ must not turn one failure into two
        lines = []
    detail = lines[0][:300] if lines else ""
    return f"unexpected {type(exc).__name__}" + (f": {detail}" if detail else "")


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
    problems: list[str] = field(default_factory=list, repr=False)
    left: int = 0  # feed entries left for the next poll


def read_source(source: Source, fetcher: Fetcher, *, should_stop: StopFlag | None = None,
                stored_entry: StoredEntry | None = None,
                limits: PollLimits = DEFAULT_LIMITS) -> SourceRead:
    """Fetch and parse a feed or page source (no database: safe in any thread).

    Never raises for a source's sake: whatever goes wrong (out of memory on a hostile response,
    a parser's bug) becomes the read's ``error``, which ``store_poll`` records with backoff.
    """
    started = time.monotonic()
    if source.kind not in ("feed", "page"):
        return SourceRead(source)
    try:
        fetched = articles_from_url(
            fetcher, source.url, etag=source.etag, last_modified=source.last_modified,
            source_name=source.name, language=source.language,
            fetch_pages=source.fetch_pages, kind=source.kind, should_stop=should_stop,
            stored_entry=stored_entry, limits=limits,
        )
    except Interrupted:
        return SourceRead(source, interrupted=True, seconds=time.monotonic() - started)
    except (FetchError, ParseError, InputError) as exc:
        return SourceRead(source, error=str(exc), seconds=time.monotonic() - started)
    except Exception as exc:
        # Only the message is kept: the exception's frames may hold what exhausted memory.
        error = f"{source.url}: {describe_error(exc)}"
        log.error("read failed source=%s: %s", source.id, error, exc_info=True)
        return SourceRead(source, error=error, seconds=time.monotonic() - started)
    return SourceRead(source, fetched=fetched, seconds=time.monotonic() - started)


def store_poll(store: Store, read: SourceRead, *, ingestor: Ingestor | None = None,
               progress: Progress | None = None,
               should_stop: StopFlag | None = None) -> PollResult:
    """The database half of a poll: ingest what was read, record the outcome and the next due time.

    The run is "failed" when nothing could be read (backoff follows), "partial" when something
    was stored but not all (an article failed, a page failed, the feed's XML was broken, the
    time budget ran out: the reasons are in the run's detail and the source's last error; no
    backoff), else "ok". Feed entries left for the next poll are named in the detail too; then,
    and after failed pages, the feed's validators are not kept, so the next poll reads it whole
    (a feed with broken XML keeps them: the server would send the same bytes again). Anything
    unexpected while storing (out of memory, a bug) fails this poll alone.

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
    fetched = read.fetched
    not_modified = False
    problems: list[str] = []
    notes: list[str] = []
    cache: dict[str, str | None] = {"etag": source.etag, "last_modified": source.last_modified}
    own = ingestor is None
    ingestor = ingestor or Ingestor(store, progress=progress, should_stop=should_stop)
    if error is None and not interrupted:
        try:
            if fetched is not None:
                not_modified = fetched.not_modified
                cache = ({"etag": None, "last_modified": None} if fetched.retry else
                         {"etag": fetched.etag, "last_modified": fetched.last_modified})
                problems, notes = list(fetched.problems), list(fetched.notes)
                kept = _keep_stored(store, ingestor, fetched.kept, source.id)
                report = ingestor.ingest(fetched.items, source_id=source.id,
                                         recluster=own)
                report.unchanged += kept
                table.remember_entries(store, _fingerprints(fetched.items))
            else:
                report = ingestor.ingest(
                    articles_from_path(Path(source.url), published=source.published,
                                       source_name=source.name, language=source.language),
                    source_id=source.id, recluster=own,
                )
        except (FetchError, ParseError, InputError) as exc:
            error = str(exc)
        except Exception as exc:
            error = f"{source.url}: {describe_error(exc)}"
            log.error("storing failed source=%s: %s", source.id, error, exc_info=True)
        interrupted = interrupted or report.interrupted
    problem: str | None = None
    if interrupted:
        status = "failed"
        error = "interrupted: the worker stopped during this poll; it stays due"
    elif error:
        status = "failed"
    elif problems or report.failed:
        status = "partial"
        if problems:
            problem = problems[0] + (f" (and {len(problems) - 1} more)"
                                     if len(problems) > 1 else "")
    else:
        status = "ok"
    # Messages quote URLs; what is recorded (and shown, and logged) never holds their secrets.
    error = redact_text(error) if error else error
    problem = redact_text(problem) if problem else problem
    problems = [redact_text(line) for line in problems]
    store.finish_run(run_id, status=status, n_new=report.new + report.changed,
                     n_unchanged=report.unchanged, n_failed=report.failed,
                     n_events=report.events, error=error or problem,
                     detail=[redact_text(line) for line in
                             (problems + notes + report.failures)[:MAX_DETAIL_LINES]])
    next_due = None if interrupted else _record(store, source, error, cache, problem)
    seconds = read.seconds + time.monotonic() - started
    left = fetched.left if fetched is not None and error is None else 0
    # With a shared ingestor (the worker's) events are made later, for many polls at once, and
    # counted by that clustering's own run: "later", not a misleading 0.
    log.info("poll source=%s kind=%s status=%s http=%s new=%d changed=%d unchanged=%d "
             "failed=%d events=%s problems=%d left=%d seconds=%.2f%s", source.id, source.kind,
             status, "304" if not_modified else ("-" if fetched is None else "200"), report.new,
             report.changed, report.unchanged, report.failed,
             report.events if own else "later", len(problems),
             left, seconds,
             f" error={error!r}" if error else (f" problem={problem!r}" if problem else ""))
    return PollResult(source, report, None if interrupted else error, not_modified,
                      interrupted, status, next_due, seconds, report.failures, problems, left)


def _keep_stored(store: Store, ingestor: Ingestor, kept: list[Article],
                 source_id: str) -> int:
    """Count feed entries whose stored article stays as it is; returns how many.

    As the ingestor does for an unchanged article, each is recorded under this source (a feed
    repeating another outlet's entry adds that outlet), and an added outlet's groups wait for
    re-clustering.
    """
    for article in kept:
        ingestor.pending_groups |= store.add_article_source(article.id, article, source_id)
    return len(kept)


def _fingerprints(items: list[Article | Prepared | TrackerError]) -> list[tuple[str, str, str]]:
    """(article id, entry fingerprint, text hash) of the feed articles among ``items``."""
    articles = [item.article if isinstance(item, Prepared) else item for item in items
                if not isinstance(item, TrackerError)]
    # The hash of the text as stored: cut to the cap, like the ingestor cuts it.
    return [(a.id, a.entry_hash, text_hash(cap_text(a).text)) for a in articles if a.entry_hash]


def record_failed_poll(store: Store, source: Source, error: str) -> PollResult:
    """Record a poll that failed outside ``store_poll`` (its own recording failed, say): a failed
    run with the error, and the backoff."""
    error = redact_text(error)
    run_id = store.start_run("poll", source.id)
    store.finish_run(run_id, status="failed", error=error)
    next_due = _record(store, source, error, {}, None)
    log.info("poll source=%s kind=%s status=failed error=%r", source.id, source.kind, error)
    return PollResult(source, IngestReport(), error, status="failed", next_due_at=next_due)


def poll(store: Store, source: Source, fetcher: Fetcher, *,
         progress: Progress | None = None, should_stop: StopFlag | None = None,
         limits: PollLimits = DEFAULT_LIMITS) -> PollResult:
    """Read one source once, ingest what is new, record the outcome and the next due time."""
    def stored_entry(article_id: str, entry_hash: str) -> EntryState:
        return table.entry_state(store, article_id, entry_hash)

    read = read_source(source, fetcher, should_stop=should_stop, stored_entry=stored_entry,
                       limits=limits)
    return store_poll(store, read, progress=progress, should_stop=should_stop)


def _record(store: Store, source: Source, error: str | None,
            cache: dict[str, str | None], problem: str | None) -> datetime:
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
                             etag=cache.get("etag"), last_modified=cache.get("last_modified"),
                             problem=problem)
    return next_due
