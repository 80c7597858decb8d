"""Turn the bytes of an HTML article page into an ``Article``; also strip HTML fragments to text.

Main text comes from trafilatura (given the URL), with a plain text extraction of the whole body
as a fallback when it finds nothing. The publication date is, in order: the date the caller gives
("given"), the page's own metadata ("meta": ``article:published_time``, JSON-LD ``datePublished``,
``<time>``..., then htmldate without free-text guessing), or the fetch time ("fetched"). Dates
later than the fetch time (plus the widest time-zone offset) are rejected as nonsense.

It does not fetch anything, does not follow ``rel=canonical`` for the id (ids come from the URL
we were given). The language is the caller's (a source's) setting, else the page's
``<html lang>``, else what the text's letters show (``tracker.parse.language``).
"""

from __future__ import annotations

import html as stdlib_html
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import htmldate
import lxml.etree  # type: ignore[import-untyped]  # lxml ships no type hints
import lxml.html  # type: ignore[import-untyped]
import trafilatura

from tracker.clock import now
from tracker.errors import ParseError
from tracker.ids import article_id, canonical_url
from tracker.models import Article
from tracker.parse.charset import decode_html_bytes, strip_bom
from tracker.parse.language import article_language

# No place on Earth is more than 14 hours ahead of UTC: a date-only "today" published there can
# look up to 14 h in the future from here. Anything later than that is a wrong date.
FUTURE_TOLERANCE = timedelta(hours=14)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr",
        "ul",
    }
)
_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "publishdate",
    "pubdate",
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


def parse_datetime(value: str) -> datetime | None:
    """An ISO 8601 date or datetime as an aware UTC datetime (dates -> midnight), else None."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    try:
        return as_utc(parsed)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 has no UTC equivalent
        return None


def as_utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive datetime is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def date_to_utc(day: date) -> datetime:
    """Midnight UTC of a calendar date."""
    return datetime.combine(day, time(), tzinfo=UTC)


def is_future(when: datetime, reference: datetime) -> bool:
    """True when ``when`` is later than ``reference`` by more than any time zone explains."""
    return when > reference + FUTURE_TOLERANCE


def clean_lines(text: str) -> str:
    """Spaces collapsed, lines trimmed, blank lines dropped (one line per paragraph)."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _parse_tree(markup: str, *, fragment: bool) -> lxml.html.HtmlElement | None:
    markup = _XML_DECLARATION.sub("", markup, count=1)
    if not markup.strip():
        return None
    try:
        if fragment:
            return lxml.html.fragment_fromstring(markup, create_parent="div")
        return lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):
        return None


def _element_text(root: lxml.html.HtmlElement) -> str:
    """Text of an element, blocks on their own lines; the tree itself is left untouched."""
    parts: list[str] = []
    skipping = 0  # depth inside a dropped element (script, style...)
    # iterwalk, not recursion: a page nested thousands of levels deep must not blow the stack.
    for event, node in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        dropped = tag in _DROP_TAGS
        if event == "start":
            if dropped:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
                if node.text and tag:
                    parts.append(node.text)
            continue
        if dropped:
            skipping -= 1
        elif not skipping and tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.tail and not skipping and node is not root:
            parts.append(node.tail)
    return clean_lines("".join(parts))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment or page: tags and scripts gone, blocks on their own lines."""
    if "<" not in markup:
        return clean_lines(_unescape(markup))
    root = _parse_tree(markup, fragment=not re.search(r"<(html|body)[\s>]", markup, re.I))
    if root is None:
        return clean_lines(markup)
    body = root.find("body") if root.tag == "html" else None
    return _element_text(body if body is not None else root)


def _unescape(text: str) -> str:
    return stdlib_html.unescape(text)


def _iter_meta(root: lxml.html.HtmlElement) -> Iterator[tuple[str, str]]:
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        content = meta.get("content")
        if key and content:
            yield key.strip().lower(), content.strip()


# JSON-LD publishers nest a few levels (a graph, an article, its parts); deeper is no metadata
# anyone reads, and a page nesting 100,000 arrays must not exhaust the stack.
JSON_LD_MAX_DEPTH = 32


def _json_ld_dates(root: lxml.html.HtmlElement) -> Iterator[str]:
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # broken, or nested past Python's stack
            continue
        # Breadth-first with a depth bound: no recursion, whatever the nesting.
        level: list[Any] = [data]
        for _depth in range(JSON_LD_MAX_DEPTH):
            deeper: list[Any] = []
            for node in level:
                children = node.values() if isinstance(node, dict) else node
                if isinstance(node, dict) and isinstance(node.get("datePublished"), str):
                    yield node["datePublished"]
                deeper.extend(c for c in children if isinstance(c, dict | list))
            if not deeper:
                break
            level = deeper


def _metadata_date(root: lxml.html.HtmlElement | None) -> datetime | None:
    """The first parseable publication date in well-known metadata, keeping its time of day."""
    if root is None:
        return None
    found: dict[str, str] = {}
    for key, content in _iter_meta(root):
        found.setdefault(key, content)
    candidates = [found[key] for key in _META_DATE_KEYS if key in found]
    candidates.extend(_json_ld_dates(root))
    for node in root.xpath("//time[@datetime][@pubdate or @itemprop='datePublished']"):
        candidates.append(node.get("datetime", ""))
    for candidate in candidates:
        parsed = parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return None


def _htmldate(markup: str, url: str | None, reference: datetime) -> datetime | None:
    limit = (reference + FUTURE_TOLERANCE).date().isoformat()
    try:
        found = htmldate.find_date(
            markup,
            url=url,
            extensive_search=False,  # free-text guessing picks dates the article talks about
            original_date=True,
            outputformat="%Y-%m-%d",
            max_date=limit,
        )
    except Exception:  # htmldate has raised ValueError/TypeError on odd pages; a date is optional
        return None
    return parse_datetime(found) if found else None


def _page_title(root: lxml.html.HtmlElement | None) -> str:
    if root is None:
        return ""
    for key, content in _iter_meta(root):
        if key in ("og:title", "twitter:title"):
            return clean_lines(content)
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        return clean_lines(title.text_content())
    h1 = root.find(".//h1")
    return clean_lines(h1.text_content()) if h1 is not None else ""


def _page_language(root: lxml.html.HtmlElement | None) -> str | None:
    if root is None:
        return None
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "")
    primary = lang.strip().split("-")[0].split("_")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _trafilatura(markup: str, url: str | None) -> tuple[str, str]:
    """(text, title) found by trafilatura, empty strings when it finds nothing."""
    try:
        doc = trafilatura.bare_extraction(
            markup,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"extensive_search": False},
        )
    except Exception:  # trafilatura is best-effort; the plain extraction below is the fallback
        return "", ""
    if doc is None:
        return "", ""
    if isinstance(doc, dict):
        return str(doc.get("text") or ""), str(doc.get("title") or "")
    return str(getattr(doc, "text", "") or ""), str(getattr(doc, "title", "") or "")


_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip data"),
)


def _binary_kind(body: bytes) -> str | None:
    """What a binary body is ("a PDF document"...), or None when it may be text."""
    head = body[:1024].lstrip()
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if strip_bom(body)[1] is None and b"\x00" in head:
        return "binary data"
    return None


def parse_html(
    body: bytes,
    url: str | None,
    *,
    fetched_at: datetime | None,
    charset: str | None = None,
    published: date | None = None,
    source_name: str | None = None,
    language: str | None = None,
) -> Article:
    """Parse an article page. Raises ``ParseError`` when no text can be found in it."""
    fetched_at = as_utc(fetched_at) if fetched_at is not None else None
    binary = _binary_kind(body)
    if binary:
        raise ParseError(f"{url or 'page'}: not an HTML page (got {binary})")
    markup = _XML_DECLARATION.sub("", decode_html_bytes(body, charset), count=1)
    root = _parse_tree(markup, fragment=False)
    text, title = _trafilatura(markup, url)
    text = clean_lines(text)
    if not text and root is not None:
        body_el = root.find("body")
        text = _element_text(body_el if body_el is not None else root)
    if not text:
        raise ParseError(f"{url or 'page'}: no text found in the HTML")
    title = clean_lines(title) or _page_title(root) or text.split("\n", 1)[0][:200]

    published_at: datetime | None
    if published is not None:
        published_at, basis = date_to_utc(published), "given"
    else:
        reference = fetched_at or now()
        published_at = _metadata_date(root)
        if published_at is not None and is_future(published_at, reference):
            published_at = None
        if published_at is None:
            published_at = _htmldate(markup, url, reference)
            if published_at is not None and is_future(published_at, reference):
                published_at = None
        if published_at is not None:
            basis = "meta"
        elif fetched_at is not None:
            published_at, basis = fetched_at, "fetched"
        else:
            basis = "unknown"
    return Article(
        id=article_id(url, text),
        title=title,
        text=text,
        url=url,
        canonical_url=canonical_url(url) if url else None,
        published_at=published_at,
        published_basis=basis,
        fetched_at=fetched_at,
        language=article_language(language, _page_language(root), text),
        source_name=source_name,
    )
