"""Turn the bytes of an RSS or Atom feed into entries, and entries into ``Article``s.

feedparser is given the bytes (it has no timeout, so it never fetches anything itself) and the
feed URL so relative links resolve. HTML served in place of a feed, or anything that yields no
feed at all, is a ``ParseError``. Entry text is the full content when the feed carries it, else
the summary (``is_summary`` says which), HTML stripped to plain text. Each entry carries a
``fingerprint`` of what the feed says about it (link, id, title, summary, content, dates), so a
caller can tell an entry it has already stored from one that changed without fetching its page.
Each entry also carries the language the feed declares for it (the entry's content, summary or
title ``xml:lang``, else the feed's ``<language>`` or ``xml:lang``); ``entry_to_article`` weighs it
against the source's setting and the text (``tracker.parse.language``).

XML that is not well-formed (a truncated download, an unescaped ``&``) is not silently accepted:
``read_feed`` keeps the entries that are complete (closed by their end tag; feedparser's lenient
parser also hands back the half-read entry a cut feed ends with, which is dropped) and says what
was wrong and where in ``FeedRead.problem``; with no complete entry at all it is a
``ParseError``. ``parse_feed`` is the same for callers that only want the entries.

It does not fetch the linked pages of summary-only entries; that is the caller's choice.
"""

from __future__ import annotations

import calendar
import io
import re
import time
import xml.sax
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from tracker.errors import ParseError
from tracker.ids import article_id, canonical_url, short_hash
from tracker.models import Article
from tracker.parse.charset import strip_bom
from tracker.parse.html import as_utc, clean_lines, html_to_text, is_future
from tracker.parse.language import article_language

FEED_CONTENT_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
_XML_CONTENT_TYPES = frozenset({"application/xml", "text/xml", "text/rss+xml", "text/atom+xml"})
_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(rss|feed|RDF)[\s>/]", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.I | re.S
)
_SNIFF_BYTES = 2048
# The end tag of an RSS item or an Atom entry, with or without a namespace prefix (RDF feeds).
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*?>")
# Bumped when the recipe changes: every stored fingerprint then differs once (one page fetch
# per entry), instead of an old one matching by accident.
_FINGERPRINT_VERSION = "entry1"


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed. ``text`` is plain text; ``is_summary`` when only a summary was given.

    ``fingerprint`` changes whenever the feed's own description of the entry does (None for
    entries made by hand).
    """

    url: str | None
    title: str
    published_at: datetime | None
    text: str
    is_summary: bool
    fingerprint: str | None = None
    language: str | None = None  # as the feed declares it for this entry (None: not declared)


@dataclass(frozen=True)
class FeedRead:
    """The complete entries of a feed, and what was wrong with its XML (None: well-formed)."""

    entries: list[FeedEntry]
    problem: str | None = None


def _head(body: bytes) -> bytes:
    rest, encoding = strip_bom(body)
    if encoding and encoding.startswith(("utf-16", "utf-32")):
        rest = rest[: _SNIFF_BYTES * 4].decode(encoding, "replace").encode("utf-8")
    return rest[:_SNIFF_BYTES].lstrip()


def _looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(_head(body)))


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """Whether bytes served with ``content_type`` are an RSS/Atom feed rather than a page."""
    head = _head(body)
    if _HTML_START.match(head):
        return False
    if _FEED_ROOT.search(head):
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in FEED_CONTENT_TYPES or (media in _XML_CONTENT_TYPES and b"<" in head)


def _struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        # feedparser normalizes to UTC in a struct_time; timegm reads it as UTC.
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _detail_text(detail: Any) -> str:
    """Plain text of a feedparser content/summary detail (a dict with ``value`` and ``type``)."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "text/html").lower()
    if "html" in kind:
        return html_to_text(value)
    return clean_lines(value)  # feedparser has already unescaped text/plain


def _entry_text(entry: Any) -> tuple[str, bool]:
    contents = [_detail_text(c) for c in entry.get("content") or []]
    contents = [c for c in contents if c]
    if contents:
        return max(contents, key=len), False
    summary = _detail_text(entry.get("summary_detail")) or html_to_text(
        str(entry.get("summary") or "")
    )
    return summary, True


def _entry_language(entry: Any, feed_language: str | None) -> str | None:
    """The language declared for an entry: its own text's ``xml:lang``, else the feed's."""
    details = [*(entry.get("content") or []), entry.get("summary_detail"),
               entry.get("title_detail")]
    for detail in details:
        language = detail.get("language") if isinstance(detail, dict) else None
        if isinstance(language, str) and language.strip():
            return language.strip()
    return feed_language


def _entry_url(entry: Any) -> str | None:
    """The entry's web link (or a permalink guid); never a javascript:, mailto: or tag: URI,
    and never one with credentials in it (``user:password@``): those would be stored, shown
    and exported with the article, and the URL policy refuses to fetch them anyway."""
    for candidate in (entry.get("link"), entry.get("id")):
        if isinstance(candidate, str):
            cleaned = candidate.strip()
            if cleaned.lower().startswith(("http://", "https://")) and not _has_credentials(
                    cleaned):
                return cleaned
    return None


def _has_credentials(url: str) -> bool:
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return True  # unparsable: not a link to keep


def _fingerprint(entry: Any) -> str:
    """A digest of everything the feed says about an entry that a new version would change."""
    contents = [str(c.get("value") or "") for c in entry.get("content") or []]
    parts = [_FINGERPRINT_VERSION]
    for key in ("link", "id", "title", "summary", "published", "updated", "created"):
        # The plain dict look-up: feedparser's own answers "updated" with "published" when
        # there is none (and warns that it will stop doing so).
        value = dict.get(entry, key)
        parts.append(value if isinstance(value, str) else "")
    return short_hash(*parts, *contents, length=32)


def parse_feed(body: bytes, url: str, *, fetched_at: datetime) -> list[FeedEntry]:
    """Entries of an RSS/Atom feed, in feed order. Raises ``ParseError`` when it is not a feed.

    Broken XML keeps its complete entries, as ``read_feed`` does, without saying what was wrong:
    callers that record the outcome of a read use ``read_feed``.
    """
    return read_feed(body, url, fetched_at=fetched_at).entries


def read_feed(body: bytes, url: str, *, fetched_at: datetime) -> FeedRead:
    """Entries of an RSS/Atom feed, in feed order, and what was wrong with its XML if anything.

    Raises ``ParseError`` when it is not a feed, or when its XML is broken before the end of
    its first entry. Entry dates later than ``fetched_at`` (beyond time-zone slack) are dropped
    to ``None``.
    """
    fetched_at = as_utc(fetched_at)
    if not body.strip():
        raise ParseError(f"{url} is not an RSS or Atom feed (empty response)")
    if _looks_like_html(body):
        raise ParseError(f"{url} is not an RSS or Atom feed (got HTML)")
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-location": url},
            resolve_relative_uris=True,
            sanitize_html=True,
        )
    except Exception as exc:  # feedparser should not raise, but a parser bug must not kill a job
        raise ParseError(f"{url} could not be parsed as a feed: {exc}") from None
    entries = list(parsed.get("entries") or [])
    version = str(parsed.get("version") or "")
    # feedparser also sets "bozo" for harmless things (no Content-Type given, a charset it had
    # to correct); only an XML syntax error is worth naming.
    problem = parsed.get("bozo_exception")
    syntax_error = problem if isinstance(problem, xml.sax.SAXException) else None
    if syntax_error is not None:
        # Its lenient parser then still returns every entry it saw the start of, the one a
        # truncated download ends in too: only those closed by their end tag are complete.
        entries = entries[: len(_ENTRY_END.findall(body))]
    elif not entries:
        if version:
            return FeedRead([])  # a well-formed feed with nothing in it yet
        raise ParseError(f"{url} is not an RSS or Atom feed (no rss, feed or RDF element)")
    result: list[FeedEntry] = []
    feed_language = (parsed.get("feed") or {}).get("language")
    feed_language = feed_language.strip() or None if isinstance(feed_language, str) else None
    for entry in entries:
        text, is_summary = _entry_text(entry)
        title_detail = entry.get("title_detail") or {"value": entry.get("title"), "type": "html"}
        title = _detail_text(title_detail).replace("\n", " ")
        published = _struct_to_datetime(
            entry.get("published_parsed")
            or entry.get("updated_parsed")
            or entry.get("created_parsed")
        )
        if published is not None and is_future(published, fetched_at):
            published = None
        if not title and not text:
            continue
        result.append(
            FeedEntry(
                url=_entry_url(entry),
                title=title,
                published_at=published,
                text=text,
                is_summary=is_summary,
                fingerprint=_fingerprint(entry),
                language=_entry_language(entry, feed_language),
            )
        )
    if syntax_error is None:
        return FeedRead(result)
    where = _syntax_error(syntax_error, body)
    if not version:  # not even the start of an rss, feed or RDF element
        raise ParseError(f"{url} is not an RSS or Atom feed (not well-formed XML: {where})")
    kept = f"{len(result)} entr{'y' if len(result) == 1 else 'ies'}"
    reason = f"feed is not well-formed XML: {where}; kept {kept}"
    if not result:
        raise ParseError(f"{url}: {reason}")
    return FeedRead(result, reason)


def _syntax_error(exc: xml.sax.SAXException, body: bytes) -> str:
    """The parser's message and the line of ``body`` it stopped at ("no element found at line 3").

    feedparser re-encodes the document before parsing it, putting an XML declaration on a line
    of its own in front when there was none: its line numbers are then one too high.
    """
    message = _first_line(exc.getMessage())
    line = exc.getLineNumber() if isinstance(exc, xml.sax.SAXParseException) else None
    if not isinstance(line, int) or line < 1:
        return message
    if not _XML_DECLARATION.match(_head_text(body)) and line > 1:
        line -= 1
    return f"{message} at line {line}"


def _head_text(body: bytes) -> str:
    """The start of the document as text, byte-order mark removed (no whitespace stripped)."""
    rest, encoding = strip_bom(body)
    if encoding and encoding.startswith(("utf-16", "utf-32")):
        return rest[: _SNIFF_BYTES * 4].decode(encoding, "replace")
    return rest[:_SNIFF_BYTES].decode("latin-1")


def _first_line(exc: object) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else "unknown error"


def entry_to_article(
    entry: FeedEntry, *, fetched_at: datetime, source_name: str | None, language: str = "en"
) -> Article:
    """An ``Article`` from a feed entry: published_basis "feed", or "fetched" when undated.

    ``language`` is the source's setting; "en" (the default) yields to what the feed declares
    or the text shows (``tracker.parse.language.article_language``).
    """
    fetched_at = as_utc(fetched_at)
    if entry.published_at is not None:
        published_at, basis = as_utc(entry.published_at), "feed"
    else:
        published_at, basis = fetched_at, "fetched"
    title = entry.title or entry.text.split("\n", 1)[0][:200]
    return Article(
        id=article_id(entry.url, entry.text or entry.title),
        title=title,
        text=entry.text,
        url=entry.url,
        canonical_url=canonical_url(entry.url) if entry.url else None,
        published_at=published_at,
        published_basis=basis,
        fetched_at=fetched_at,
        language=article_language(language, entry.language, entry.text or title),
        source_name=source_name,
        entry_hash=entry.fingerprint,
    )
