"""Read one local file (plain text or a saved HTML page) as an ``Article``.

HTML is recognized by extension (.html, .htm, .xhtml) or by its first bytes and goes through
``parse_html``. Anything else is plain text: strict UTF-8 (a BOM is fine), title = first
non-empty line, text = the whole file with line endings normalized. A plain-text file has no
date of its own, so ``published`` is required. Every problem is an ``InputError`` naming the file.

It does not walk directories, guess encodings other than UTF-8 for plain text, or read files
larger than ``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from tracker.clock import now
from tracker.errors import InputError, ParseError
from tracker.ids import article_id
from tracker.models import Article
from tracker.parse.charset import strip_bom
from tracker.parse.html import date_to_utc, parse_html
from tracker.parse.language import article_language

MAX_FILE_BYTES = 20_000_000
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_HTML_SNIFF = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]",
                         re.I | re.S)
_TITLE_MAX = 300


def open_input(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes, or an ``InputError`` that says why it cannot be."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_limited(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a file, or ``InputError`` when it is missing, unreadable or too large."""
    limit = MAX_FILE_BYTES if limit is None else limit
    with open_input(path) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{path}: file is larger than the {limit // 1_000_000} MB limit")
    return data


def is_html_file(path: Path, data: bytes) -> bool:
    """HTML by extension, or by a leading ``<!doctype html>`` / ``<html>``."""
    if path.suffix.lower() in HTML_SUFFIXES:
        return True
    head, _ = strip_bom(data[:4096])
    return bool(_HTML_SNIFF.match(head))


def decode_utf8_strict(path: Path, data: bytes) -> str:
    """UTF-8 text (BOM dropped), or ``InputError`` pointing at the first bad byte."""
    if data.startswith(codecs.BOM_UTF8):
        data, offset = data[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
    else:
        offset = 0
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise InputError(
            f"{path}: not UTF-8 text (invalid byte 0x{bad:02x} at offset {exc.start + offset})"
        ) from None


def parse_text_file(
    path: Path,
    *,
    published: date | None,
    source_name: str | None = None,
    language: str | None = None,
) -> Article:
    """An ``Article`` from a local .txt or .html file. Raises ``InputError`` on any problem.

    Its publication date: the page's own (HTML metadata), else ``published`` (basis "given"),
    else the file's modification time (basis "mtime": when the file was last written, which
    is all that is known; the article page and the API say so).

    ``language`` (a source's, unless the default "en") wins over an HTML file's ``<html lang>``;
    else the text's letters decide, and English when they do not
    (``tracker.parse.language.article_language``).
    """
    data = read_limited(path)
    if is_html_file(path, data):
        try:
            article = parse_html(
                data,
                None,
                fetched_at=None,
                published=published,
                source_name=source_name,
                language=language,
            )
        except ParseError as exc:
            raise InputError(f"{path}: {exc}") from None
        if article.published_at is None:
            article = replace(article, published_at=_modified(path), published_basis="mtime")
        return replace(article, fetched_at=now())
    text = decode_utf8_strict(path, data)
    if "\x00" in text:
        raise InputError(f"{path}: looks like a binary file (contains NUL bytes), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError(f"{path}: the file is empty")
    title = next(line.strip() for line in text.split("\n") if line.strip())
    if len(title) > _TITLE_MAX:
        title = title[: _TITLE_MAX - 1].rstrip() + "…"
    return Article(
        id=article_id(None, text),
        title=title,
        text=text,
        url=None,
        canonical_url=None,
        published_at=date_to_utc(published) if published else _modified(path),
        published_basis="given" if published else "mtime",
        fetched_at=now(),
        language=article_language(language, None, text),
        source_name=source_name,
    )


def _modified(path: Path) -> datetime:
    """When the file was last written (UTC): the date of an article that carries none."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    except OSError as exc:
        raise InputError(f"{path}: no publication date, and no modification time "
                         f"({exc.strerror or exc}); pass --published YYYY-MM-DD") from None
