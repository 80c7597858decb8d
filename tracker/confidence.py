"""Confidence: how sure we are that an event happened as the timeline shows it.

Each mention is worth its trigger's confidence (``tracker/data/triggers.tsv``: a "ceasefire"
says more than a "statement"), times how its date was known (``DATE_WEIGHT``: written in the
text, inferred from the present tense, or not told at all; extraction applies it), times how
it was told (``MODALITY_WEIGHT``: asserted, quoted, only hypothetical, negated, future...).
An event's quality is that of its best mention. Each article that reports it corroborates it,
more when it comes back to it in several sentences (the event is then what the article is
about, not an aside). Articles count as independent reports, those of one outlet less so:

    confidence = quality x (1 - prod over articles (1 - corroboration by the article))

so one passing mention in one article stays at half its quality (below ``MIN_CONFIDENCE``),
an article that keeps coming back to a happening reaches three quarters of it at most
(``REPEAT_CAP``), and the same happening told by several outlets climbs towards its quality.
Articles published later that refer to a day raise the confidence of that day's best-supported
event the same way (``with_day_references``). Events below ``MIN_CONFIDENCE`` stay stored and
searchable as evidence, but the default views, key events and export leave them out.
The weights are named here once; this module does no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.models import ClusterInput

MODALITY_WEIGHT: dict[str, float] = {
    "asserted": 1.0,
    "background": 0.9,  # told as a look back: it happened, just not on the day told
    "quoted": 0.75,  # someone says it happened; the outlet does not (yet)
    "future": 0.35,  # planned or forecast: not happened yet
    "hypothetical": 0.25,
    "negated": 0.1,
}
DATE_WEIGHT: dict[str, float] = {
    "written": 1.0,  # the text gives the date
    "present": 0.95,  # told in the present tense on the publication day
    "reported": 0.7,  # told without any date
}
# How much one article corroborates an event: 1 - REPEAT_BASE ** n, n the number of its
# sentences about the event. One passing mention is weak (a half); an article that keeps coming
# back to a happening is about it.
REPEAT_BASE = 0.5
# However often it comes back to it, one article is one report: its corroboration stops here.
REPEAT_CAP = 0.75
# A second article of the same outlet repeats the first more than it corroborates it.
SAME_OUTLET = 0.6
# Each article published after a day that refers to that day makes the day's events a little
# surer: something happened then. Only a mention's quality can be reached this way (a denied or
# hypothetical event stays unsure however busy its day).
DAY_REFERENCE_BASE = 0.6
MIN_CONFIDENCE = 0.55


@dataclass(frozen=True)
class Assessment:
    """An event's confidence, and the quality of its best mention (the most it can reach)."""

    quality: float
    confidence: float


def mention_quality(m: ClusterInput) -> float:
    """What one mention is worth as evidence, before corroboration: its stored confidence
    (its trigger's, times ``DATE_WEIGHT`` as extraction applied it) times ``MODALITY_WEIGHT``."""
    return min(1.0, m.confidence) * MODALITY_WEIGHT.get(m.modality, 0.5)


def assess(members: Iterable[ClusterInput]) -> Assessment:
    """The confidence of an event made of these mentions (furniture excluded by the caller):

        quality x (1 - prod over articles (1 - corroboration by the article))
    """
    per_article: dict[str, list[float]] = defaultdict(list)
    outlet_of: dict[str, str] = {}
    seen: set[str] = set()
    for m in members:
        if m.id in seen:
            continue  # a syndicated copy repeats the mention once per outlet
        seen.add(m.id)
        per_article[m.article_id].append(mention_quality(m))
        outlet_of[m.article_id] = min(m.source, outlet_of.get(m.article_id, m.source))
    if not per_article:
        return Assessment(0.0, 0.0)
    quality = max(max(q) for q in per_article.values())
    doubt = 1.0
    outlets_seen: set[str] = set()
    # Best evidence first, so which article of an outlet counts fully does not depend on order.
    for article in sorted(per_article, key=lambda a: (-max(per_article[a]), a)):
        evidence = min(REPEAT_CAP, 1 - REPEAT_BASE ** len(per_article[article]))
        if outlet_of[article] in outlets_seen:
            evidence *= SAME_OUTLET
        outlets_seen.add(outlet_of[article])
        doubt *= 1 - evidence
    return Assessment(round(quality, 4), round(quality * (1 - doubt), 4))


def with_day_references(quality: float, confidence: float, later_references: int) -> float:
    """A day-dated event's confidence once ``later_references`` articles published after its
    day are known to refer to that day (the store applies it when it rescores)."""
    reach = 1 - DAY_REFERENCE_BASE ** max(0, later_references)
    return round(confidence + (quality - confidence) * reach, 4)
