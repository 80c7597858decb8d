"""The parse stage: bytes (or a local file) -> ``Article``.

Feeds (``parse_feed``, ``entry_to_article``), HTML article pages (``parse_html``), local text and
HTML files (``parse_text_file``), JSON Lines (``read_jsonl``), and charset handling for HTML
(``decode_html_bytes``). Nothing here touches the network, the database or the extractor; the
only clock use is stamping ``fetched_at`` on articles read from local files.
"""

from __future__ import annotations

from tracker.parse.charset import decode_html_bytes
from tracker.parse.feeds import FeedEntry, entry_to_article, looks_like_feed, parse_feed
from tracker.parse.files import parse_text_file
from tracker.parse.html import html_to_text, parse_html
from tracker.parse.jsonl import explicit_article_id, read_jsonl

__all__ = [
    "FeedEntry",
    "decode_html_bytes",
    "entry_to_article",
    "explicit_article_id",
    "html_to_text",
    "looks_like_feed",
    "parse_feed",
    "parse_html",
    "parse_text_file",
    "read_jsonl",
]
