"""Merge the mentions of one happening into one event. Pure: no database, no clock.

Mentions are clustered per *group*: their event kind ("diplomacy", "conflict", ...), so talks,
a meeting and an agreement on one day can be one event. Page furniture (a sentence an outlet
repeats across its articles) is set aside first: it is not evidence of anything. Then:

1. day-precision mentions with the same anchor (main place or participant) and the same day
   form a seed cluster; a mention without an anchor joins the most alike cluster of its day
   (words and entities, ``tracker.textsim``), or starts one of its own;
2. clusters of one day that tell one happening merge: alike enough in words and entities
   (stricter when they are anchored at two different places), or "Russia–Ukraine talks" whose
   parties are all named by the "Istanbul talks" of that day;
3. undated ("reported") mentions join the latest alike cluster dated up to a week before their
   article's publication (its own anchor counts as alike); otherwise they gather by week;
4. coarser mentions ("last week", "in May", "in 2008") join the best-supported finer cluster
   inside their interval that shares their anchor or their content, never by kind alone; else
   they form clusters of their own.

Each event gets its date (the best-supported at the finest precision), a headline and summary
(``tracker.summary``), a confidence (``tracker.confidence``) and its support
(``tracker.importance``). Every step sorts its inputs, so the same mentions in any order give
the same events, and an event's id depends only on what it is (group, anchor, date).
This module does not decide what a mention is (``tracker.extract``) nor store anything.
"""

from __future__ import annotations

import bisect
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from tracker import confidence, importance, summary, textsim
from tracker.extract.events import lexicon
from tracker.ids import entity_key, event_id
from tracker.models import ClusterInput, EventDraft, Precision

__all__ = ["ClusterInput", "EventDraft", "cluster_group"]

# A time of day ranks with its day: "at midnight" and "on Sunday" can be the same happening.
PRECISION_RANK: dict[str, int] = {
    "time": 1, "day": 1, "week": 2, "month": 3, "quarter": 4, "season": 5,
    "year": 6, "decade": 7, "century": 8, "reported": 9,
}
REPORTED_WINDOW = timedelta(days=7)
# How alike (cosine of TF-IDF word-and-entity vectors) reports must be to tell one happening:
JOIN = 0.3  # a mention without its own anchor joining a cluster
MERGE = 0.35  # two clusters of one day
MERGE_ELSEWHERE = 0.6  # two clusters of one day anchored at two different places
# Two clusters whose text gives no date, only their articles' day of publication: each is what
# one article told of that day, and articles of one day told alike are that day's news.
MERGE_UNDATED = 0.2
PARTIES_JOIN = 0.1  # "Russia–Ukraine talks" joining the day's talks that name both
ENTITY_WEIGHT = 1.5  # an entity shared counts like this many shared words


@dataclass
class _Cluster:
    anchor: str | None
    date_start: date
    date_end: date
    precision: Precision
    seed: str = ""  # what names a cluster without an anchor: its first sentence
    members: list[ClusterInput] = field(default_factory=list)
    # Kept up to date by add/absorb: support, entities and words are asked for at every placement.
    articles: Counter[str] = field(default_factory=Counter)
    entity_ids: set[str] = field(default_factory=set)
    centroid: textsim.Vector = field(default_factory=dict)
    sentences: set[str] = field(default_factory=set)
    anchors: set[str] = field(default_factory=set)  # its own and those of clusters absorbed
    told: set[tuple[str, str]] = field(default_factory=set)  # (article, trigger group) pairs
    _norm: float | None = None

    def __post_init__(self) -> None:
        if self.anchor:
            self.anchors.add(self.anchor)

    def add(self, m: ClusterInput, vector: textsim.Vector) -> None:
        self.members.append(m)
        self.articles[m.article_id] += 1
        self.told.add((m.article_id, m.trigger_group))
        self.entity_ids |= m.entity_ids
        if m.sentence_key not in self.sentences:
            self.sentences.add(m.sentence_key)
            textsim.add(self.centroid, vector)
            self._norm = None

    def similarity(self, vector: textsim.Vector, norm: float | None = None) -> float:
        """Cosine of a vector (of known norm) to this cluster's centroid."""
        if self._norm is None:
            self._norm = textsim.norm(self.centroid)
        return textsim.cosine(vector, self.centroid, norm_a=norm, norm_b=self._norm)

    def absorb(self, other: _Cluster, vectors: _Vectors) -> None:
        for m in other.members:
            self.add(m, vectors.of(m))
        self.anchors |= other.anchors
        other.members.clear()
        other.articles.clear()

    @property
    def support(self) -> tuple[int, int]:
        """Articles reporting the cluster, then mentions of it."""
        return len(self.articles), len(self.members)

    @property
    def key(self) -> str:
        return self.anchor or f"text:{self.seed}"

    def sort_key(self) -> tuple[int, int, date, int, str]:
        # Best-supported first, then earliest, then a place before other anchors (a place
        # names a happening best), then anchor: a total, order-free ranking.
        articles, mentions = self.support
        return (-articles, -mentions, self.date_start, _anchor_rank(self.anchor), self.key)


class _Vectors:
    """TF-IDF vectors of the group's sentences (IDF over its distinct sentences), with the
    mention's entities as extra terms, so two reports naming the same people and places
    are alike even in other words."""

    def __init__(self, mentions: Sequence[ClusterInput]) -> None:
        terms: dict[str, tuple[str, ...]] = {}
        for m in mentions:
            if m.sentence_key not in terms:
                terms[m.sentence_key] = (*textsim.terms(m.sentence),
                                         *(f"@{e}" for e in sorted(m.entity_ids)))
        self._weights = textsim.idf(terms.values())
        for t in self._weights:
            if t.startswith("@"):
                self._weights[t] *= ENTITY_WEIGHT
        self._terms = terms
        self._cache: dict[str, textsim.Vector] = {}

    def of(self, m: ClusterInput) -> textsim.Vector:
        found = self._cache.get(m.sentence_key)
        if found is None:
            found = self._cache[m.sentence_key] = textsim.vector(
                self._terms.get(m.sentence_key, ()), self._weights)
        return found


def _as_days(precision: str) -> str:
    """A time of day is found among its day's clusters ("at midnight" is "on Sunday")."""
    return "day" if precision == "time" else precision


def _anchor_rank(anchor: str | None) -> int:
    return {"place": 0, "parties": 1, "person": 2, "actor": 3}.get(
        (anchor or "").split(":", 1)[0], 4)


def by_rank(m: ClusterInput) -> tuple[int, date, str]:
    """Finest precision first, then earliest, then by id: a total order free of input order."""
    return PRECISION_RANK[m.precision], m.date_start, m.id


def cluster_group(mentions: Iterable[ClusterInput]) -> list[EventDraft]:
    """Cluster the mentions of one group (an event kind) into events."""
    ordered = sorted((m for m in mentions if not m.furniture), key=lambda m: m.id)
    vectors = _Vectors(ordered)
    fine = [m for m in ordered if PRECISION_RANK[m.precision] <= PRECISION_RANK["day"]]
    reported = [m for m in ordered if m.precision == "reported"]
    # Coarse mentions ("last week", "in May") wait until the days have all their support,
    # undated reports included, so they join the best-supported day, not the first one seen.
    coarse = [m for m in ordered if PRECISION_RANK["day"] < PRECISION_RANK[m.precision]
              and m.precision != "reported"]
    clusters = _Clusters()

    # 1. Day seeds: same anchor and day; a mention without an anchor joins the most alike.
    for m in sorted((m for m in fine if m.anchor is not None), key=by_rank):
        home = _finer_cluster_within(clusters, m, same_anchor=True)
        (home or clusters.own(m.anchor, m.date_start, m.date_end, m.precision)).add(
            m, vectors.of(m))
    for m in sorted((m for m in fine if m.anchor is None), key=by_rank):
        same_day = clusters.same_dates(m.date_start, m.date_end, m.precision)
        home = _told_before(same_day, m) or _most_alike(same_day, vectors.of(m), JOIN)
        (home or clusters.own(None, m.date_start, m.date_end, m.precision,
                              seed=m.sentence_key)).add(m, vectors.of(m))

    # 2. One happening, several seeds: merge the day's clusters that tell it.
    _merge_alike(clusters, vectors)

    # 3. Reported mentions: to the latest alike dated cluster, else grouped by week reported.
    for m in sorted(reported, key=lambda m: (m.published, m.id)):
        home = _cluster_for_reported(clusters, m, vectors.of(m))
        if home is None:
            monday = m.published - timedelta(days=m.published.weekday())
            week = clusters.same_key_day(monday)
            home = (_most_alike(week, vectors.of(m), JOIN) if m.anchor is None else None) or \
                clusters.own(m.anchor, m.published, m.published, "reported", key_day=monday,
                             seed="" if m.anchor else m.sentence_key)
        home.add(m, vectors.of(m))

    # 4. Coarse mentions: into the best-supported finer cluster inside their interval that
    #    shares their anchor or their content; else clusters of their own.
    for m in sorted(coarse, key=by_rank):
        home = _finer_cluster_within(clusters, m, same_anchor=True, vector=vectors.of(m))
        if home is None:
            home = _finer_cluster_within(clusters, m, same_anchor=False, vector=vectors.of(m))
        if home is None:
            home = (_most_alike(clusters.same_dates(m.date_start, m.date_end, m.precision),
                                vectors.of(m), JOIN) if m.anchor is None else None)
        (home or clusters.own(m.anchor, m.date_start, m.date_end, m.precision,
                              seed="" if m.anchor else m.sentence_key)).add(m, vectors.of(m))

    # 5. Reports gathered by week, and coarse clusters of the same period, merge like days.
    _merge_alike(clusters, vectors)

    return sorted((_remembered_draft(c) for c in clusters.all if c.members),
                  key=lambda e: (e.date_start, e.id))


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
        self._all: dict[int, _Cluster] = {}  # by id(): creation order, O(1) removal
        self._by_key: dict[tuple[str | None, date, date, str, str], _Cluster] = {}
        self._key_of: dict[int, tuple[str | None, date, date, str, str]] = {}
        self._days = _Days()
        self._days_of_anchor: dict[str | None, _Days] = {}
        self._by_dates: dict[tuple[date, date, str], list[_Cluster]] = {}

    @property
    def all(self) -> list[_Cluster]:
        return list(self._all.values())

    def own(self, anchor: str | None, start: date, end: date, precision: Precision,
            *, key_day: date | None = None, seed: str = "") -> _Cluster:
        """The cluster for these dates, created on first use (``key_day`` groups reports)."""
        key = (anchor, key_day or start, key_day or end, _as_days(precision), seed)
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = _Cluster(anchor, start, end, precision, seed)
            self._all[id(found)] = found
            self._key_of[id(found)] = key
            self._days.add(found)
            self._days_of_anchor.setdefault(anchor, _Days()).add(found)
            self._by_dates.setdefault((key[1], key[2], key[3]), []).append(found)
        return found

    def drop(self, cluster: _Cluster) -> None:
        del self._all[id(cluster)]
        key = self._key_of.pop(id(cluster))
        del self._by_key[key]
        self._days.remove(cluster)
        self._days_of_anchor[cluster.anchor].remove(cluster)
        self._by_dates[(key[1], key[2], key[3])].remove(cluster)

    def same_dates(self, start: date, end: date, precision: str) -> list[_Cluster]:
        return [c for c in self._by_dates.get((start, end, _as_days(precision)), ())
                if c.members]

    def same_key_day(self, monday: date) -> list[_Cluster]:
        return [c for c in self._by_dates.get((monday, monday, "reported"), ()) if c.members]

    def date_groups(self) -> list[list[_Cluster]]:
        return [list(v) for _, v in sorted(self._by_dates.items()) if len(v) > 1]

    def starting_within(self, first: date, last: date) -> list[_Cluster]:
        """Clusters whose first day lies in ``first..last``."""
        if (last - first).days > self.MAX_DAYS_INDEXED:
            return [c for c in self._all.values() if first <= c.date_start <= last]
        return self._days.within(first, last)

    def anchored_within(self, anchor: str | None, first: date, last: date) -> list[_Cluster]:
        """``starting_within`` of the clusters of one anchor, in the same order."""
        if (last - first).days > self.MAX_DAYS_INDEXED:
            return [c for c in self._all.values()
                    if c.anchor == anchor and first <= c.date_start <= last]
        days = self._days_of_anchor.get(anchor)
        return days.within(first, last) if days else []


def _most_alike(candidates: Sequence[_Cluster], vector: textsim.Vector,
                threshold: float) -> _Cluster | None:
    """The candidate most alike in words and entities, if at least ``threshold`` alike."""
    best: tuple[float, tuple[int, int, date, int, str]] | None = None
    found = None
    norm = textsim.norm(vector)
    for c in candidates:
        sim = c.similarity(vector, norm)
        if sim >= threshold and (best is None or (-sim, c.sort_key()) < (-best[0], best[1])):
            best, found = (sim, c.sort_key()), c
    return found


def _told_before(candidates: Sequence[_Cluster], m: ClusterInput) -> _Cluster | None:
    """The cluster its own article already put this happening in: "the talks" in an article
    about talks in Istanbul are those talks; "the agreement" in it, when the article tells
    of no other happening of that kind and day, came out of them."""
    of_article = [c for c in candidates if m.article_id in c.articles]
    told = [c for c in of_article if (m.article_id, m.trigger_group) in c.told]
    if not told and len(of_article) == 1:
        told = of_article
    return min(told, key=_Cluster.sort_key) if told else None


def _merge_alike(clusters: _Clusters, vectors: _Vectors) -> None:
    """Merge clusters of the same dates that tell one happening: the best supported first
    become hosts, and each other cluster joins the most alike host, if alike enough."""
    for group in clusters.date_groups():
        hosts: list[_Cluster] = []
        for c in sorted((c for c in group if c.members), key=_Cluster.sort_key):
            best, best_sim = None, 0.0
            norm = textsim.norm(c.centroid)
            for h in hosts:
                sim = h.similarity(c.centroid, norm)
                if sim >= _merge_threshold(c, h) and sim > best_sim:
                    best, best_sim = h, sim
            if best is None:
                hosts.append(c)
            else:
                best.absorb(c, vectors)
                clusters.drop(c)


def _merge_threshold(c: _Cluster, host: _Cluster) -> float:
    if _parties_within(c.anchor, host) or _parties_within(host.anchor, c):
        return PARTIES_JOIN
    if not any(m.date_written for m in c.members) and not any(
            m.date_written for m in host.members):
        return MERGE_UNDATED
    a, b = c.anchor or "", host.anchor or ""
    if a.startswith("place:") and b.startswith("place:") and a != b:
        return MERGE_ELSEWHERE
    return MERGE


def _finer_cluster_within(
    clusters: _Clusters, m: ClusterInput, *, same_anchor: bool,
    vector: textsim.Vector | None = None,
) -> _Cluster | None:
    """The best-supported cluster at least as fine as m whose dates lie inside m's interval.

    With a ``vector`` (a coarse mention looking for its day), the cluster must also share
    content: its words, or an entity besides the anchor's, for one of its own anchor; enough
    of its words (``JOIN``) for any other. A trigger word alone never places a coarse mention.
    """
    if same_anchor and m.anchor is None:
        return None
    candidates = (clusters.anchored_within(m.anchor, m.date_start, m.date_end) if same_anchor
                  else clusters.starting_within(m.date_start, m.date_end))
    norm = textsim.norm(vector) if vector is not None else 0.0
    fits = [
        c for c in candidates
        if c.members and PRECISION_RANK[c.precision] <= PRECISION_RANK[m.precision]
        and m.date_start <= c.date_start and c.date_end <= m.date_end
        and (c.precision != m.precision or (c.date_start, c.date_end) == (m.date_start, m.date_end))
        and (vector is None or _shares_content(c, m, vector, norm, same_anchor=same_anchor))
    ]
    return min(fits, key=_Cluster.sort_key) if fits else None


def _shares_content(c: _Cluster, m: ClusterInput, vector: textsim.Vector, norm: float, *,
                    same_anchor: bool) -> bool:
    sim = c.similarity(vector, norm)
    if same_anchor:
        return sim >= JOIN / 2 or len(m.entity_ids & c.entity_ids) >= 2
    return sim >= JOIN


def _cluster_for_reported(clusters: _Clusters, m: ClusterInput,
                          vector: textsim.Vector) -> _Cluster | None:
    """The cluster an undated report most plausibly refers to: one its own article dated
    ("the talks" of an article about the Istanbul talks), else a recent one of the same anchor
    or alike in words and entities, the latest, then the best supported."""
    first, last = m.published - REPORTED_WINDOW, m.published
    told = _told_before([c for c in clusters.starting_within(first, last)
                         if c.members and c.precision != "reported"], m)
    if told is not None:
        return told
    norm = textsim.norm(vector)
    fits = [
        c for c in clusters.starting_within(first, last)
        if c.members and c.precision != "reported" and c.date_end >= first
        and ((m.anchor is not None and (m.anchor in c.anchors or _parties_within(m.anchor, c)))
             or c.similarity(vector, norm) >= JOIN)
    ]
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


# Re-clustering a group mostly finds the clusters it found before, and drafting (headline,
# summary, confidence) is the costly part: the last drafts are remembered by what they were
# made of (each mention's id, outlet and the hash of all it says), not by the mentions
# themselves, which would keep every mention read alive.
_DRAFTS: OrderedDict[tuple[object, ...], EventDraft] = OrderedDict()
DRAFTS_REMEMBERED = 16384


def _remembered_draft(c: _Cluster) -> EventDraft:
    members = tuple(sorted(c.members, key=lambda m: (m.id, m.source)))
    key = (c.anchor, c.key, tuple((m.id, m.source, hash(m)) for m in members))
    found = _DRAFTS.get(key)
    if found is None:
        found = _DRAFTS[key] = _draft(c.anchor, c.key, members)
        if len(_DRAFTS) > DRAFTS_REMEMBERED:
            _DRAFTS.popitem(last=False)
    else:
        _DRAFTS.move_to_end(key)
    return found


def _draft(anchor: str | None, key: str, members: tuple[ClusterInput, ...]) -> EventDraft:
    """The event a cluster makes of its members (sorted by id and outlet)."""
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
    # The fallback title is the anchor's own ("Istanbul talks"), not that of joiners ("Talks").
    titled = [m for m in members if m.anchor == anchor] or members
    ranked = summary.rank([m for m in members if _states(m, start, end)] or members)
    n_articles = len({m.article_id for m in members})
    n_sources = len({m.source for m in members})
    n_mentions = len({m.id for m in members})
    entity_counts = Counter(e for m in members for e in m.entity_ids)
    group = members[0].group
    cluster_key = f"{group}|{key}"
    sure = confidence.assess(members)
    return EventDraft(
        id=event_id(cluster_key, f"{start.isoformat()}/{precision}"),
        cluster_key=cluster_key,
        title=summary.title(ranked, _most_common(m.title for m in titled),
                            generic=_generic_titles()),
        kind=group,
        date_start=start,
        date_end=end,
        precision=precision,
        date_text=date_text,
        mention_ids=tuple(m.id for m in members),
        n_mentions=len(members),
        n_articles=n_articles,
        n_sources=n_sources,
        score=importance.support(n_mentions, n_articles, n_sources, precision,
                                 sure.confidence),
        entity_counts=tuple(sorted(entity_counts.items())),
        summary=tuple(summary.summarize(ranked)),
        confidence=sure.confidence,
        quality=sure.quality,
    )


@lru_cache(maxsize=1)
def _generic_titles() -> frozenset[str]:
    """The titles that name no more than a kind of event ("Talks", "Court case")."""
    return frozenset({t for g in lexicon() for t in g.titles if "{" not in t}
                     | {g.name.capitalize() for g in lexicon()})


def _states(m: ClusterInput, start: date, end: date) -> bool:
    """Whether a mention tells the event at its own date (not a coarser one around it)."""
    return m.date_start == start and m.date_end == end


def _most_common(values: Iterable[str], *, shortest: bool = True) -> str:
    counts = Counter(values)
    return min(counts.items(),
               key=lambda kv: (-kv[1], len(kv[0]) if shortest else 0, kv[0]))[0]
