"""iCalendar export (RFC 5545): each event an all-day VEVENT spanning its dates, streamed.

One ``VCALENDAR`` with one ``VEVENT`` per event: ``UID`` the event's id; ``DTSTART;VALUE=DATE``
its first day and ``DTEND;VALUE=DATE`` the day after its last (the end of an all-day event is
exclusive), so an event known to the month spans the whole month and one known to the year the
whole year (the tracker's interval already spans its precision); ``SUMMARY`` its headline;
``DESCRIPTION`` its summary sentences, its date as the tracker reads it (label, precision, the
words of the text) and its sources, one "outlet: URL" line per article (at most
``MAX_LINKS``); ``CATEGORIES`` its kind; ``DTSTAMP`` when the event last changed;
``TRANSP:TRANSPARENT`` (news does not make anyone busy). Written by hand, as the format is
small: text values escaped (``\\``, ``;``, ``,``, line breaks; other control characters
dropped), lines folded at 75 octets without splitting a character, CRLF line ends, UTF-8.

It writes no times of day (the tracker keeps dates, not times), no time zones and no alarms.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from tracker import __version__, clock
from tracker.exports import events
from tracker.exports.stream import Layout, stream
from tracker.store import Store
from tracker.store.reads import EventFilter

MEDIA_TYPE = "text/calendar; charset=utf-8"
EXTENSION = "ics"
MAX_LINKS: Final = 25  # source links per description: a long tail adds nothing in a calendar
PRODID: Final = f"-//event-timeline-tracker//tracker {__version__}//EN"
_LINE_OCTETS: Final = 75
_TEXT_ESCAPES: Final = {ord("\\"): "\\\\", ord(";"): "\\;", ord(","): "\\,", ord("\n"): "\\n"}


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped,
    other control characters (forbidden there) dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or ord(c) == 127))
    return text.translate(_TEXT_ESCAPES)


def fold(line: str) -> str:
    """A content line folded to lines of at most 75 octets (RFC 5545 3.1), each continuation
    starting with a space, never inside a UTF-8 character; with its CRLF."""
    data = line.encode("utf-8")
    if len(data) <= _LINE_OCTETS:
        return line + "\r\n"
    parts = []
    start, room = 0, _LINE_OCTETS
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: back off
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, room = end, _LINE_OCTETS - 1  # the leading space takes one octet
    return "\r\n ".join(parts) + "\r\n"


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _stamp(value: str | None) -> str:
    """An ISO timestamp as a UTC DATE-TIME (``20250516T120000Z``); now when there is none."""
    when = clock.now()
    if value:
        with contextlib.suppress(ValueError):  # not ISO: stamped now
            when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def description(event: dict[str, Any]) -> str:
    """The summary, the date as read, then the sources as "outlet: URL" lines."""
    parts = []
    if event["summary"]:
        parts.append(" ".join(event["summary"]))
    if event["precision"] == "reported":
        parts.append(f"Date: not given in the text; {event['date_label']}")
    else:
        parts.append(f"Date: {event['date_label']} ({event['precision']} precision, as "
                     f"written: \"{event['date_text']}\")")
    links = list(dict.fromkeys((m["source"] or "", m["article_url"])
                               for m in event["mentions"] if m["article_url"]))
    if links:
        lines = [f"{source}: {url}" if source else url for source, url in links[:MAX_LINKS]]
        if len(links) > MAX_LINKS:
            lines.append(f"... and {len(links) - MAX_LINKS} more articles")
        parts.append("Sources:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def vevent(event: dict[str, Any]) -> str:
    """One VEVENT, folded, CRLF-terminated."""
    start = date.fromisoformat(event["date_start"])
    end = date.fromisoformat(event["date_end"])
    try:
        after = end + timedelta(days=1)
    except OverflowError:  # 31 December 9999: end at the last day there is
        after = end
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(event['id'])}",
        f"DTSTAMP:{_stamp(event['updated_at'])}",
        f"DTSTART;VALUE=DATE:{_day(start)}",
        f"DTEND;VALUE=DATE:{_day(after)}",
        f"SUMMARY:{escape(event['title'])}",
        f"DESCRIPTION:{escape(description(event))}",
        f"CATEGORIES:{escape(event['kind'])}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return "".join(fold(line) for line in lines)


def _head(store: Store, f: EventFilter) -> str:
    return "".join(fold(line) for line in (
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "X-WR-CALNAME:Event timeline"))


def render(batch: events.Batch) -> str:
    """The VEVENTs of a batch of events."""
    return "".join(vevent(e) for e in batch.dicts())


LAYOUT = Layout("ics", _head, render, "", fold("END:VCALENDAR"))


def pieces(store: Store, f: EventFilter) -> Iterator[str]:
    """The calendar's header, one piece per batch of events, then its end."""
    return stream(store, f, LAYOUT)
