"""Key events: the few entries that tell a story, chosen from events ranked by importance.

One entry per day (the best event of the day stands for it), best first, from the days the
stored articles cover (``LOOKBACK``). One entry per day is what spreads the selection over the
story: letting each chosen day also discount the days around it cost Date F1 on the dev topics
at every strength tried, so it is not done.
The story view, ``tracker timeline --top K`` and the chart's key-events toggle all use this
one selection. Pure: it reads rows it is given, never the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

# Key events come from the time the stored articles cover, from this long before the first:
# a day years earlier that articles look back to (an attack in 2001 in a story of 2010) is
# background to the story, not one of its events.
LOOKBACK = timedelta(days=31)

Row = TypeVar("Row", bound=Mapping[str, Any])


def choose(ranked: Sequence[Row], k: int) -> list[Row]:
    """The ``k`` key events among ``ranked`` (rows with ``date_start``, best first): the first
    row of each day, in the order given."""
    best_of_day: dict[str, Row] = {}
    if k <= 0:
        return []
    for row in ranked:
        best_of_day.setdefault(row["date_start"], row)
        if len(best_of_day) == k:
            break
    return list(best_of_day.values())
