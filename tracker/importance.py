"""Importance: how much an event matters to the story, its weights named and explained once.

An event's score is

    LATER_REFERENCE_WEIGHT x articles published after its day that refer to that day
  + BURST_WEIGHT           x the burst of coverage on its day: articles published that day
                             beyond the mean of the BURST_DAYS days on either side
for an event dated to a day, and SUPPORT_WEIGHT x its own support (``support``) for any other:
a year is not "referred to" the way a day is. A day that later articles keep coming back to is
one the story turned on (the same signal the date-ranking literature on news timelines relies
on), and a day when coverage jumps is news; a story covered every day at the same pace has no
burst, only a beat. The events of one day share its score and support decides among them
(``tracker.store.reads.ranked_day_events``); how long a day's reports are is not what makes the
day matter (on the dev topics, adding support to the day terms cost 0.03 of Date F1). Of two
days that matter as much, the earlier comes first: later ones build on it. A recurring
sentence of an outlet (page furniture) counts as one reference, however many of its articles
carry it.

The weights were chosen on the Timeline17 dev topics with ``benchmarks/timeline17.py``: the
figures reported there are in-sample (see the README's benchmark section). The store applies
them in SQL (``Store.rescore``); this module does no I/O.
"""

from __future__ import annotations

import math

LATER_REFERENCE_WEIGHT = 1.0
BURST_WEIGHT = 0.3
BURST_DAYS = 3
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
