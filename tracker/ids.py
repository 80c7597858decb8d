"""Deterministic identifiers: the same input always gets the same id.

Re-running any ingestion must be a no-op, so articles, entities and events are keyed by hashes
of what they are (canonical URL, content, normalized name), never by insertion order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them lets two links to one article match.
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref|ref_src)$")


def short_hash(*parts: str, length: int = 16) -> str:
    """A hex digest of the parts, joined unambiguously."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def canonical_url(url: str) -> str:
    """The URL with scheme and host lower-cased, fragment and tracking parameters removed."""
    parts = urlsplit(url.strip())
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not _TRACKING_PARAMS.match(k.lower())]
    )
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def text_hash(text: str) -> str:
    """A hash of the text that ignores case, spacing and punctuation differences.

    ``fold`` keeps only Latin letters: a text in another script (Russian, Ukrainian, Greek)
    would fold to its digits alone, and two articles with the same dates would be one. Such a
    text is folded keeping every letter; Latin-script text hashes as it always did.
    """
    folded = fold(text) if not _NON_LATIN_LETTER.search(text) else _fold_letters(text)
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


# A letter of a script other than Latin (Latin, Latin-1, Latin Extended A/B, IPA, modifier
# letters, combining marks and Latin Extended Additional are the ranges left out).
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u036f\u1e00-\u1eff]")
_LETTERS = re.compile(r"[^\W_]+")


def _fold_letters(text: str) -> str:
    """``fold`` for any script: lower-case letters (accents removed) and digits."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_LETTERS.findall(stripped))


_ALNUM = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII-ish letters and digits separated by single spaces."""
    if not text.isascii():  # ASCII text has nothing to decompose: skip the slow part
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_ALNUM.findall(text.lower()))


def article_id(url: str | None, text: str) -> str:
    """Id of an article: from its canonical URL when it has one, else from its content."""
    if url:
        return "a" + short_hash("url", canonical_url(url))
    return "a" + short_hash("text", text_hash(text))


def entity_key(kind: str, name: str) -> str:
    """Id of an entity: its kind and folded canonical name."""
    return "n" + short_hash(kind, fold(name))


def event_id(cluster_key: str, date_key: str) -> str:
    """Id of an event: what happened (cluster key) and when (its date at its precision)."""
    return "e" + short_hash(cluster_key, date_key)


def source_id(kind: str, location: str) -> str:
    """Id of a source: its kind and canonical location."""
    return "s" + short_hash(kind, location)
