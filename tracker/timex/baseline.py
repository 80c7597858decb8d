"""The naive baseline the benchmark compares against: ``dateparser.search_dates`` on raw text.

It exists only for the benchmarks (``benchmarks/timex.py``, and ``search_date_spans`` for
``benchmarks/timex_languages.py``). Spans are located by searching each returned substring in
the text after the previous hit; values are the found datetime's day (or the substring's year
when it is only a year). It is NOT used by ``tag`` and its output is not meant for the timeline.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from dateparser.search import search_dates


def search_date_spans(text: str, dct: date, language: str = "en"
                      ) -> list[tuple[int, int, datetime]]:
    """(start, end, datetime) of what plain ``search_dates`` finds in ``text`` in
    ``language``, relative to ``dct``'s noon; nothing when it fails."""
    settings: Any = {"RELATIVE_BASE": datetime.combine(dct, time(12, 0))}
    try:
        found = search_dates(text, languages=[language], settings=settings) or []
    except (ValueError, OverflowError, TypeError, RecursionError):
        found = []
    out: list[tuple[int, int, datetime]] = []
    pos = 0
    for sub, when in found:
        i = text.find(sub, pos)
        if i < 0:
            continue
        pos = i + len(sub)
        out.append((i, i + len(sub), when))
    return out


def naive_search_dates(text: str, dct: date) -> list[dict[str, Any]]:
    """Timexes as te3score.py system dicts, found with plain ``search_dates``."""
    out: list[dict[str, Any]] = []
    for start, end, when in search_date_spans(text, dct):
        sub = text[start:end]
        value = when.strftime("%Y") if re.fullmatch(r"\s*\d{4}\s*", sub) else \
            when.strftime("%Y-%m-%d")
        out.append({"start": start, "end": end, "text": sub, "type": "DATE", "value": value})
    return out
