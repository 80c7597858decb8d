"""Importance: how much an event matters to the story, its weights named and explained once.

An event's score is

    LATER_REFERENCE_WEIGHT x articles published after its day that refer to that day
  + COVERAGE_WEIGHT        x articles published on its day
  + SUPPORT_WEIGHT         x its own support (``support``)

The two day terms count only for events dated to a day: a year is not "referred to" the way a
day is. A day that later articles keep coming back to is one the story turned on (the same
signal the date-ranking literature on news timelines relies on), and a busy day of coverage
is news; among the events of one day, support decides. References from page furniture (a
sentence recurring across an outlet's articles) do not count.

The weights were chosen on the Timeline17 dev topics with ``benchmarks/timeline17.py``: they
are in-sample there (see the README's benchmark section). The store applies them in SQL
(``Store.rescore``); this module does no I/O.
"""

from __future__ import annotations

import math

LATER_REFERENCE_WEIGHT = 1.0
COVERAGE_WEIGHT = 0.3
SUPPORT_WEIGHT = 0.3
# What an undated ("reported") event's support is worth: it is known to have been told, not when.
REPORTED_DISCOUNT = 0.5


def support(n_mentions: int, n_articles: int, n_sources: int, precision: str,
            confidence: float) -> float:
    """An event's own weight: independent sources count most, then articles, then mentions,
    scaled by how sure we are it happened (``tracker.confidence``)."""
    raw = 2.0 * n_sources + 1.0 * n_articles + math.log1p(n_mentions)
    if precision == "reported":
        raw *= REPORTED_DISCOUNT
    return round(raw * (0.5 + 0.5 * confidence), 4)
