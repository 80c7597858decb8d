"""Merge mentions of one happening into one event. Pure: no database, no clock.

Mentions are clustered per *trigger group* ("talks", "fighting", ...). Inside a group:

1. day-precision mentions with the same anchor (main place or participant) and the same day
   form a seed cluster; anchorless ones join the best-supported anchored cluster of that day;
2. "Russia–Ukraine talks" join the "Istanbul talks" of the same day that name both parties;
3. undated ("reported") mentions join the latest compatible cluster dated up to a week before
   their article's publication, preferring their own anchor; otherwise they form reported
   clusters of their own;
4. coarser mentions ("last week", "in May", "in 2022") join the best-supported finer cluster
   of the same anchor whose dates fall inside theirs, else form clusters of their own.

Every step sorts its inputs, so the same mentions in any order give the same events, and an
event's id depends only on what it is (group, anchor, date), never on insertion order.
This module does not decide what a mention is (``tracker.extract`` does) nor store anything.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from tracker.ids import entity_key, event_id
from tracker.models import Precision

# A time of day ranks with its day: "at midnight" and "on Sunday" can be the same happening.
PRECISION_RANK: dict[str, int] = {
    "time": 1, "day": 1, "week": 2, "month": 3, "quarter": 4, "season": 5,
    "year": 6, "decade": 7, "century": 8, "reported": 9,
}
REPORTED_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class ClusterInput:
    """What clustering needs to know about one stored mention."""

    id: str
    article_id: str
    source: str
    published: date
    group: str
    anchor: str | None
    date_start: date
    date_end: date
    precision: Precision
    date_text: str
    title: str
    kind: str
    confidence: float
    entity_ids: frozenset[str] = frozenset()
    date_written: bool = True  # False when the date was inferred (present tense, undated)


@dataclass(frozen=True)
class EventDraft:
    """An event as clustering decided it, ready for the store."""

    id: str
    cluster_key: str
    title: str
    kind: str
    date_start: date
    date_end: date
    precision: Precision
    date_text: str
    mention_ids: tuple[str, ...]
    n_mentions: int
    n_articles: int
    n_sources: int
    score: float
    entity_counts: tuple[tuple[str, int], ...]


@dataclass
class _Cluster:
    anchor: str | None
    date_start: date
    date_end: date
    precision: Precision
    members: list[ClusterInput] = field(default_factory=list)
    # Kept up to date by add/absorb: support and entities are asked for at every placement.
    articles: Counter[str] = field(default_factory=Counter)
    entity_ids: set[str] = field(default_factory=set)

    def add(self, m: ClusterInput) -> None:
        self.members.append(m)
        self.articles[m.article_id] += 1
        self.entity_ids |= m.entity_ids

    def absorb(self, other: _Cluster) -> None:
        for m in other.members:
            self.add(m)
        other.members.clear()
        other.articles.clear()

    @property
    def support(self) -> tuple[int, int]:
        """Articles reporting the cluster, then mentions of it."""
        return len(self.articles), len(self.members)

    def sort_key(self) -> tuple[int, int, date, str]:
        # Best-supported first, then earliest, then anchor: a total, order-free ranking.
        articles, mentions = self.support
        return (-articles, -mentions, self.date_start, self.anchor or "")


def by_rank(m: ClusterInput) -> tuple[int, date, str]:
    """Finest precision first, then earliest, then by id: a total order free of input order."""
    return PRECISION_RANK[m.precision], m.date_start, m.id


def cluster_group(mentions: Iterable[ClusterInput]) -> list[EventDraft]:
    """Cluster the mentions of one trigger group into events."""
    ordered = sorted(mentions, key=lambda m: m.id)
    fine = [m for m in ordered if PRECISION_RANK[m.precision] <= PRECISION_RANK["day"]]
    reported = [m for m in ordered if m.precision == "reported"]
    # Coarse mentions ("last week", "in May") wait until the days have all their support,
    # undated reports included, so they join the best-supported day, not the first one seen.
    coarse = [m for m in ordered if PRECISION_RANK["day"] < PRECISION_RANK[m.precision]
              and m.precision != "reported"]
    clusters = _Clusters()

    # 1. Day seeds: same anchor and day; anchorless mentions join an anchored day if any.
    for m in sorted((m for m in fine if m.anchor is not None), key=by_rank):
        home = _finer_cluster_within(clusters, m, same_anchor=True)
        (home or clusters.own(m.anchor, m.date_start, m.date_end, m.precision)).add(m)
    for m in sorted((m for m in fine if m.anchor is None), key=by_rank):
        home = _finer_cluster_within(clusters, m, same_anchor=False)
        (home or clusters.own(None, m.date_start, m.date_end, m.precision)).add(m)

    # 2. "Russia–Ukraine talks" on a day when "Istanbul talks" between the same parties
    #    happened are the same talks: a parties-anchored cluster joins the best-supported
    #    place-anchored one of the same date whose mentions name every party.
    for c in sorted(clusters.all, key=_Cluster.sort_key):
        if not (c.anchor or "").startswith("parties:"):
            continue
        hosts = [h for h in clusters.all
                 if h is not c and h.members and (h.anchor or "").startswith("place:")
                 and (h.date_start, h.date_end, h.precision) == (c.date_start, c.date_end,
                                                                  c.precision)
                 and _parties_within(c.anchor, h)]
        if hosts:
            min(hosts, key=_Cluster.sort_key).absorb(c)
            clusters.drop(c)

    # 3. Reported mentions: to the latest fitting dated cluster, else grouped by week reported.
    for m in sorted(reported, key=lambda m: (m.published, m.id)):
        home = _cluster_for_reported(clusters, m)
        if home is None:
            monday = m.published - timedelta(days=m.published.weekday())
            home = clusters.own(m.anchor, m.published, m.published, "reported", key_day=monday)
        home.add(m)

    # 4. Coarse mentions: into the best-supported finer cluster inside their interval, same
    #    anchor first, then any anchor when they have none; else clusters of their own.
    for m in sorted(coarse, key=by_rank):
        home = _finer_cluster_within(clusters, m, same_anchor=True)
        if home is None and m.anchor is None:
            home = _finer_cluster_within(clusters, m, same_anchor=False)
        (home or clusters.own(m.anchor, m.date_start, m.date_end, m.precision)).add(m)

    return sorted((_draft(c) for c in clusters.all), key=lambda e: (e.date_start, e.id))


class _Days:
    """Clusters by first day, the days kept sorted: an interval's clusters are found by
    bisection, not by looking up each of its days (a year is 365)."""

    def __init__(self) -> None:
        self._by_day: dict[date, list[_Cluster]] = {}
        self._days: list[date] = []  # the keys of _by_day, sorted

    def add(self, cluster: _Cluster) -> None:
        if cluster.date_start not in self._by_day:
            self._by_day[cluster.date_start] = []
            bisect.insort(self._days, cluster.date_start)
        self._by_day[cluster.date_start].append(cluster)

    def remove(self, cluster: _Cluster) -> None:
        self._by_day[cluster.date_start].remove(cluster)

    def within(self, first: date, last: date) -> list[_Cluster]:
        """Clusters whose first day lies in ``first..last``, by day, then in creation order."""
        found: list[_Cluster] = []
        for day in self._days[bisect.bisect_left(self._days, first):
                              bisect.bisect_right(self._days, last)]:
            found += self._by_day[day]
        return found


class _Clusters:
    """The clusters of one group, findable by (anchor, dates, precision) so equal seeds meet,
    and by start day (of any anchor, or of one), so placing a mention looks at the clusters
    of its days, not at all."""

    # Wider than this, a mention's interval is scanned cluster by cluster in creation order,
    # not day by day: which of two equally ranked clusters wins depends on that order.
    MAX_DAYS_INDEXED = 400

    def __init__(self) -> None:
        self.all: list[_Cluster] = []
        self._by_key: dict[tuple[str | None, date, date, str], _Cluster] = {}
        self._days = _Days()
        self._days_of_anchor: dict[str | None, _Days] = {}

    def own(self, anchor: str | None, start: date, end: date, precision: Precision,
            *, key_day: date | None = None) -> _Cluster:
        """The cluster for these dates, created on first use (``key_day`` groups reports)."""
        key = (anchor, key_day or start, key_day or end, precision)
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = _Cluster(anchor, start, end, precision)
            self.all.append(found)
            self._days.add(found)
            self._days_of_anchor.setdefault(anchor, _Days()).add(found)
        return found

    def drop(self, cluster: _Cluster) -> None:
        self.all.remove(cluster)
        self._by_key = {k: c for k, c in self._by_key.items() if c is not cluster}
        self._days.remove(cluster)
        self._days_of_anchor[cluster.anchor].remove(cluster)

    def starting_within(self, first: date, last: date) -> list[_Cluster]:
        """Clusters whose first day lies in ``first..last``."""
        if (last - first).days > self.MAX_DAYS_INDEXED:
            return [c for c in self.all if first <= c.date_start <= last]
        return self._days.within(first, last)

    def anchored_within(self, anchor: str | None, first: date, last: date) -> list[_Cluster]:
        """``starting_within`` of the clusters of one anchor, in the same order."""
        if (last - first).days > self.MAX_DAYS_INDEXED:
            return [c for c in self.all if c.anchor == anchor and first <= c.date_start <= last]
        days = self._days_of_anchor.get(anchor)
        return days.within(first, last) if days else []


def _finer_cluster_within(
    clusters: _Clusters, m: ClusterInput, *, same_anchor: bool
) -> _Cluster | None:
    """The best-supported cluster at least as fine as m whose dates lie inside m's interval."""
    candidates = (clusters.anchored_within(m.anchor, m.date_start, m.date_end) if same_anchor
                  else clusters.starting_within(m.date_start, m.date_end))
    fits = [
        c for c in candidates
        if c.members and PRECISION_RANK[c.precision] <= PRECISION_RANK[m.precision]
        and m.date_start <= c.date_start and c.date_end <= m.date_end
        and (c.precision != m.precision or (c.date_start, c.date_end) == (m.date_start, m.date_end))
    ]
    return min(fits, key=_Cluster.sort_key) if fits else None


def _cluster_for_reported(clusters: _Clusters, m: ClusterInput) -> _Cluster | None:
    """The cluster an undated report most plausibly refers to: recent, same anchor preferred.

    Only day clusters exist when reports are placed, so those starting in the week before
    publication are all the candidates.
    """
    first, last = m.published - REPORTED_WINDOW, m.published

    def fitting(candidates: list[_Cluster]) -> list[_Cluster]:
        return [
            c for c in candidates
            if c.members and c.precision != "reported" and c.date_end >= first
            and (m.anchor is None or c.anchor is None or c.anchor == m.anchor
                 or _parties_within(m.anchor, c))
        ]

    # Its own anchor first (when it has one), then the latest, then the best supported.
    # Those of its own anchor are looked up first: when there are some, the others can be
    # left unweighed (this runs for every report).
    fits = (fitting(clusters.anchored_within(m.anchor, first, last)) if m.anchor is not None
            else [])
    if not fits:
        fits = fitting(clusters.starting_within(first, last))
    if not fits:
        return None
    latest = max(c.date_end for c in fits)
    return min((c for c in fits if c.date_end == latest), key=_Cluster.sort_key)


def _parties_within(anchor: str | None, c: _Cluster) -> bool:
    """Whether a "parties:a+b" anchor's countries are all named by the cluster's mentions."""
    if not anchor or not anchor.startswith("parties:") or not (c.anchor or "").startswith(
            "place:"):
        return False
    return _party_ids(anchor) <= c.entity_ids


@lru_cache(maxsize=1024)
def _party_ids(anchor: str) -> frozenset[str]:
    # Asked for every candidate cluster of every report: hashing the names each time showed.
    return frozenset(entity_key("place", p) for p in anchor[len("parties:"):].split("+"))


def _draft(c: _Cluster) -> EventDraft:
    members = sorted(c.members, key=lambda m: m.id)
    # The event's date: the best-supported date at the finest precision present.
    finest = min(PRECISION_RANK[m.precision] for m in members)
    at_finest = [m for m in members if PRECISION_RANK[m.precision] == finest]
    votes = Counter((m.date_start, m.date_end, m.precision) for m in at_finest)
    (start, end, precision), _ = min(
        votes.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])
    )
    on_date = [m for m in at_finest if (m.date_start, m.date_end, m.precision) ==
               (start, end, precision)]
    # Prefer what a text actually wrote ("May 16") over what we inferred (present tense).
    written = [m for m in on_date if m.date_written] or on_date
    date_text = _most_common((m.date_text for m in written), shortest=False)
    # The title is the anchor's own ("Istanbul talks"), not that of joiners ("Talks").
    titled = [m for m in members if m.anchor == c.anchor] or members
    title = _most_common(m.title for m in titled)
    kind = _most_common(m.kind for m in members)
    n_articles = len({m.article_id for m in members})
    n_sources = len({m.source for m in members})
    entity_counts = Counter(e for m in members for e in m.entity_ids)
    group = members[0].group
    cluster_key = f"{group}|{c.anchor or ''}"
    return EventDraft(
        id=event_id(cluster_key, f"{start.isoformat()}/{precision}"),
        cluster_key=cluster_key,
        title=title,
        kind=kind,
        date_start=start,
        date_end=end,
        precision=precision,
        date_text=date_text,
        mention_ids=tuple(m.id for m in members),
        n_mentions=len(members),
        n_articles=n_articles,
        n_sources=n_sources,
        score=importance(len(members), n_articles, n_sources, precision,
                         max(m.confidence for m in members)),
        entity_counts=tuple(sorted(entity_counts.items())),
    )


def importance(n_mentions: int, n_articles: int, n_sources: int, precision: str,
               confidence: float) -> float:
    """How much an event matters: independent sources count most, then articles, then mentions.

    Undated (reported) events are discounted: they are known to have been told, not when.
    """
    raw = 2.0 * n_sources + 1.0 * n_articles + math.log1p(n_mentions)
    if precision == "reported":
        raw *= 0.5
    return round(raw * (0.5 + 0.5 * confidence), 4)


def _most_common(values: Iterable[str], *, shortest: bool = True) -> str:
    counts = Counter(values)
    return min(counts.items(),
               key=lambda kv: (-kv[1], len(kv[0]) if shortest else 0, kv[0]))[0]
