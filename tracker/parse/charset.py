"""Turn the bytes of an HTML page into text, whatever its charset claims.

Order: a byte-order mark, then a ``<meta charset>`` in the first bytes, then the charset the HTTP
header declared, then UTF-8 with replacement characters. A declaration is only trusted when the
bytes actually decode with it, and bytes that are valid multi-byte UTF-8 win over a single-byte
declaration (the commonest lie on the web is "iso-8859-1" on a UTF-8 page).

It does not guess charsets statistically and it does not handle XML feeds (feedparser decodes
those itself from the raw bytes).
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.()\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""")
# What browsers actually do with these labels (WHATWG Encoding Standard).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "utf8": "utf-8",
}
_SINGLE_BYTE = re.compile(r"^(cp12\d\d|cp8\d\d|cp437|iso8859-\d+|koi8-[ru]|mac-\w+|ascii)$")
_SNIFF_BYTES = 4096


def strip_bom(body: bytes) -> tuple[bytes, str | None]:
    """The body without its byte-order mark, and the encoding the mark names (or None)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :], encoding
    return body, None


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    cleaned = _ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset an HTML ``<meta>`` (or an XML declaration) names in the first bytes."""
    head = body[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _is_single_byte(codec: str) -> bool:
    return bool(_SINGLE_BYTE.match(codec))


def _valid_utf8_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html_bytes(body: bytes, declared: str | None) -> str:
    """Decode an HTML page: BOM, then meta charset, then the declared header charset, then UTF-8.

    Never raises: a wrong or unknown declaration falls through to the next candidate, and the
    last resort replaces undecodable bytes with U+FFFD.
    """
    rest, bom_encoding = strip_bom(body)
    if bom_encoding:
        return rest.decode(bom_encoding, errors="replace")
    utf8_looks_right = _valid_utf8_non_ascii(body)
    for label in (meta_charset(body), declared):
        codec = normalize_charset(label)
        if codec is None:
            continue
        if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
            # A page that could declare this in ASCII-compatible <meta> is not really UTF-16.
            continue
        if utf8_looks_right and _is_single_byte(codec):
            continue
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")
