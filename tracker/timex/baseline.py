"""The naive baseline the benchmark compares against: ``dateparser.search_dates`` on raw text.

It exists only for ``benchmarks/timex.py`` (and so that dateparser is imported nowhere outside
``tracker.timex``). Spans are located by searching each returned substring in the text after the
previous hit; values are the found datetime's day (or the substring's year when it is only a
year). It is NOT used by ``tag`` and its output is not meant for the timeline.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from dateparser.search import search_dates


def naive_search_dates(text: str, dct: date) -> list[dict[str, Any]]:
    """Timexes as te3score.py system dicts, found with plain ``search_dates``."""
    settings: Any = {"RELATIVE_BASE": datetime.combine(dct, time(12, 0))}
    try:
        found = search_dates(text, languages=["en"], settings=settings) or []
    except (ValueError, OverflowError, TypeError, RecursionError):
        found = []
    out: list[dict[str, Any]] = []
    pos = 0
    for sub, when in found:
        i = text.find(sub, pos)
        if i < 0:
            continue
        pos = i + len(sub)
        value = when.strftime("%Y") if re.fullmatch(r"\s*\d{4}\s*", sub) else \
            when.strftime("%Y-%m-%d")
        out.append({"start": i, "end": i + len(sub), "text": sub, "type": "DATE", "value": value})
    return out
