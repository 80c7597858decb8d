"""Turn the bytes of an RSS or Atom feed into entries, and entries into ``Article``s.

feedparser is given the bytes (it has no timeout, so it never fetches anything itself) and the
feed URL so relative links resolve. A feed that is broken XML but still yields entries is
accepted (feedparser's "bozo" feeds); HTML served in place of a feed, or anything that yields no
feed at all, is a ``ParseError``. Entry text is the full content when the feed carries it, else
the summary (``is_summary`` says which), HTML stripped to plain text.

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

import feedparser

from tracker.errors import ParseError
from tracker.ids import article_id, canonical_url
from tracker.models import Article
from tracker.parse.charset import strip_bom
from tracker.parse.html import as_utc, clean_lines, html_to_text, is_future

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


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed. ``text`` is plain text; ``is_summary`` when only a summary was given."""

    url: str | None
    title: str
    published_at: datetime | None
    text: str
    is_summary: bool


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


def _entry_url(entry: Any) -> str | None:
    """The entry's web link (or a permalink guid); never a javascript:, mailto: or tag: URI."""
    for candidate in (entry.get("link"), entry.get("id")):
        if isinstance(candidate, str):
            cleaned = candidate.strip()
            if cleaned.lower().startswith(("http://", "https://")):
                return cleaned
    return None


def parse_feed(body: bytes, url: str, *, fetched_at: datetime) -> list[FeedEntry]:
    """Entries of an RSS/Atom feed, in feed order. Raises ``ParseError`` when it is not a feed.

    Entry dates later than ``fetched_at`` (beyond time-zone slack) are dropped to ``None``.
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
    if not entries:
        # feedparser also sets "bozo" for harmless things (no Content-Type given); only an XML
        # syntax error is worth naming.
        problem = parsed.get("bozo_exception")
        if isinstance(problem, xml.sax.SAXException):
            raise ParseError(
                f"{url} is not an RSS or Atom feed (malformed XML: {_first_line(problem)})"
            )
        if version:
            return []  # a well-formed feed with nothing in it yet
        raise ParseError(f"{url} is not an RSS or Atom feed (no rss, feed or RDF element)")
    result: list[FeedEntry] = []
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
            )
        )
    return result


def _first_line(exc: object) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else "unknown error"


def entry_to_article(
    entry: FeedEntry, *, fetched_at: datetime, source_name: str | None, language: str = "en"
) -> Article:
    """An ``Article`` from a feed entry: published_basis "feed", or "fetched" when undated."""
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
        language=language,
        source_name=source_name,
    )
