"""Key events: the few entries that tell a story, chosen from events ranked by importance.

One entry per day (the best event of the day stands for it), best first, from the days the
stored articles cover (``LOOKBACK``). A busy stretch of days could be kept from taking every
place by letting each day chosen discount the days right around it (``NEIGHBOUR_DISCOUNT``,
fading over ``NEIGHBOUR_DAYS``); on the dev topics any discount cost Date F1, so it is off, and
one entry per day is what spreads the selection.
The story view, ``tracker timeline --top K`` and the chart's key-events toggle all use this
one selection. Pure: it reads rows it is given, never the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

# Key events come from the time the stored articles cover, from this long before the first:
# a day years earlier that articles look back to (an attack in 2001 in a story of 2010) is
# background to the story, not one of its events.
LOOKBACK = timedelta(days=31)
# How much a chosen day discounts the days around it, and how far that reaches.
NEIGHBOUR_DISCOUNT = 0.0
NEIGHBOUR_DAYS = 3


Row = TypeVar("Row", bound=Mapping[str, Any])


def choose(ranked: Sequence[Row], k: int) -> list[Row]:
    """The ``k`` key events among ``ranked`` (rows with ``date_start`` and ``score``, best
    first), at most one per day, spread over the span, best first."""
    best_of_day: dict[str, Row] = {}
    for row in ranked:
        best_of_day.setdefault(row["date_start"], row)
    candidates = list(best_of_day.values())
    if NEIGHBOUR_DISCOUNT <= 0 or len(candidates) <= k:
        return candidates[:k]
    chosen: list[Row] = []
    chosen_days: list[date] = []
    remaining = candidates
    while remaining and len(chosen) < k:
        best_i, best_value = 0, float("-inf")
        for i, row in enumerate(remaining):
            day = date.fromisoformat(row["date_start"])
            crowd = sum(max(0.0, 1 - abs((day - d).days) / (NEIGHBOUR_DAYS + 1))
                        for d in chosen_days)
            value = float(row["score"]) * (1 - NEIGHBOUR_DISCOUNT) ** crowd
            if value > best_value:
                best_i, best_value = i, value
        pick = remaining.pop(best_i)
        chosen.append(pick)
        chosen_days.append(date.fromisoformat(pick["date_start"]))
    return sorted(chosen, key=lambda r: (-float(r["score"]), r["date_start"]))
