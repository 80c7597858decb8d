"""Read articles from a JSON Lines file, one object per line.

Each line: ``{"url": ... or "id": ..., "title": ..., "published": "YYYY-MM-DD" or an ISO
datetime, "text": ..., "source": ..., "language": ... (optional)}``. A bad line becomes an
``InputError`` naming its line number, yielded in place of the article so the other lines still
load. A missing or unreadable file raises ``InputError`` at once (when ``read_jsonl`` is called).

It does not fetch URLs named in the lines, and it reads the file line by line (bounded per line),
never whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from tracker.clock import now
from tracker.errors import InputError
from tracker.ids import article_id, canonical_url, short_hash
from tracker.models import Article
from tracker.parse.files import open_input
from tracker.parse.html import date_to_utc, parse_datetime
from tracker.parse.language import article_language, normalize_language

MAX_LINE_BYTES = 20_000_000
_CHUNK = 1 << 20


def explicit_article_id(explicit: str) -> str:
    """Deterministic article id for a record that has its own id and no URL."""
    return "a" + short_hash("id", explicit.strip())


def read_jsonl(path: Path, *, language: str = "en", published: date | None = None
               ) -> Iterator[Article | InputError]:
    """Articles (or one ``InputError`` per bad line) from a JSON Lines file, in file order.

    ``language`` is for records that do not name their own; ``published`` (``--published``,
    a source's setting) dates the records that carry no ``published`` (basis "given"), which
    are refused without it.
    """
    return _records(path, open_input(path), language, published)


def _lines(handle: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """(line, too_long) pairs; an over-long line is skipped without holding it in memory."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # discard the rest of this line
                rest = handle.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield b"", True
        else:
            yield line, False


def _records(path: Path, handle: IO[bytes], language: str, published: date | None
             ) -> Iterator[Article | InputError]:
    fetched_at = now()
    with handle:
        for number, (raw, too_long) in enumerate(_lines(handle), start=1):
            where = f"{path}, line {number}"
            if too_long:
                yield InputError(f"{where}: line is longer than {MAX_LINE_BYTES // 1_000_000} MB")
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield InputError(
                    f"{where}: not UTF-8 (invalid byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1})"
                )
                continue
            try:
                yield _article(json.loads(line), fetched_at, language, published)
            except json.JSONDecodeError as exc:
                yield InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            except ValueError as exc:  # valid JSON Python will not read: a 5,000-digit number
                yield InputError(f"{where}: cannot read this JSON ({exc})")
            except (InputError, RecursionError) as exc:
                yield InputError(f"{where}: {exc}")


def _string(record: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = record.get(key)
    if value is None:
        if required:
            raise InputError(f'missing "{key}"')
        return None
    if not isinstance(value, str):
        raise InputError(f'"{key}" must be a string, not {type(value).__name__}')
    return value


def _published(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise InputError(f'"published" is not an ISO date or datetime: {value[:40]!r}')
    return parsed


def _article(record: Any, fetched_at: datetime, default_language: str = "en",
             default_published: date | None = None) -> Article:
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    url = (_string(record, "url", required=False) or "").strip() or None
    raw_id = record.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)  # numeric ids from a database export are fine
        record = {**record, "id": raw_id}
    explicit = (_string(record, "id", required=False) or "").strip() or None
    if url is None and explicit is None:
        raise InputError('needs a "url" or an "id"')
    text = (_string(record, "text", required=True) or "").replace("\r\n", "\n").strip()
    if not text:
        raise InputError('"text" is empty')
    title = (_string(record, "title", required=False) or "").strip()
    if not title:
        title = next(line.strip() for line in text.split("\n") if line.strip())[:200]
    published = _string(record, "published", required=False)
    if not published and default_published is None:
        raise InputError('missing "published" (pass --published YYYY-MM-DD, or set the '
                         "source's published day, for records without one)")
    # A record's own language is the most specific word on it; then the source's, then the
    # text's letters (``tracker.parse.language``).
    language = (normalize_language(_string(record, "language", required=False))
                or article_language(default_language, None, text))
    source = _string(record, "source", required=False)
    if url is not None:
        if not url.lower().startswith(("http://", "https://")):
            raise InputError(f'"url" is not an http(s) URL: {url[:60]!r}')
        ident = article_id(url, text)
    else:
        ident = explicit_article_id(explicit or "")
    return Article(
        id=ident,
        title=title,
        text=text,
        url=url,
        canonical_url=canonical_url(url) if url else None,
        published_at=(date_to_utc(default_published) if default_published and not published
                      else _published(published or "")),
        published_basis="jsonl" if published else "given",
        fetched_at=fetched_at,
        language=language,
        source_name=(source.strip() or None) if source else None,
    )
