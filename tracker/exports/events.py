"""The events an export writes, read in batches, each with its entities and its evidence.

``batches(store, f)`` reads the active events matching an ``EventFilter`` (the events
``/api/events`` lists for it, ``top`` resolved to the same key events) in (date, id) order,
``BATCH`` at a time: one query for the batch's events, one for their entity links, one for their
mentions and one for those mentions' articles, never one per event; each event's entities and
mentions are put in the API's order here (most mentioned first; by publication). Call it inside
``reads.snapshot`` so that every batch sees the same database. Entities are kept in a bounded
cache between batches (an export names the same people and places again and again); articles
are read per batch. So an export holds one batch, whatever the size of the timeline.

A ``Batch`` gives its events two ways:

- ``dicts()``: the export's event shape, as ``tracker.query``'s JSON export writes each event
  (``id``, ``title``, ... ``updated_at``, ``entities``, ``mentions``), for the formats that
  pick fields;
- ``ndjson()``: the same events as JSON lines, written straight from the rows: strings escaped
  by ``json``'s own C escaper, each entity's and article's JSON written once, the summary
  spliced in as stored (it is JSON text already). No dict per event and no re-encoding: with
  the batched reads, about twice as fast as the JSON document's dict per row and
  ``json.dumps`` per event.

It does not write to the database and formats nothing but JSON lines (the other formats are
their own modules).
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, NamedTuple

from tracker import query
from tracker.dates import date_label
from tracker.store import Store, export_reads
from tracker.store.reads import EventFilter

__all__ = ["BATCH", "Article", "Batch", "Entity", "batches", "label", "resolved"]

BATCH: Final = 1000  # events per batch: large enough that queries cost little per event
ENTITY_CACHE: Final = 50_000  # entities kept between batches before the cache starts over

# ``json``'s own string escaper (its C version where there is one), without ASCII escapes:
# the exports are UTF-8 text.
_s = json.encoder.encode_basestring


def _str(value: Any) -> str:
    """A JSON string, or null."""
    return "null" if value is None else _s(value)


def _num(value: Any) -> str:
    """A JSON number as ``json.dumps`` writes it (``repr``), or null."""
    return "null" if value is None else repr(value)


class Entity(NamedTuple):
    """An entity as an event's ``entities`` list shows it, with its JSON written once."""

    id: str
    name: str
    kind: str
    role: str | None
    lat: float | None
    lon: float | None
    aliases: str  # JSON text, as stored
    json: str

    def as_dict(self) -> dict[str, Any]:
        entity: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.role:
            entity["role"] = self.role
        if self.lat is not None:
            entity["lat"], entity["lon"] = self.lat, self.lon
        return entity

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> Entity:
        id_, name, kind, role, lat, lon, aliases = row
        partial = cls(id_, name, kind, role, lat, lon, aliases or "[]", "")
        return partial._replace(json=json.dumps(partial.as_dict(), ensure_ascii=False,
                                                separators=(",", ":")))


class Article(NamedTuple):
    """What a mention shows of its article: id, URL, title, outlet and publication time."""

    id: str
    url: str | None
    title: str
    source: str | None
    published_at: str | None
    json: str  # the first five keys of a mention, "article_id" to "published_at"

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> Article:
        id_, url, title, source_name, configured, published_at = row
        source = source_name or configured
        fields = (f'"article_id":{_str(id_)},"article_url":{_str(url)},'
                  f'"article_title":{_str(title)},"source":{_str(source)},'
                  f'"published_at":{_str(published_at)}')
        return cls(id_, url, title, source, published_at, fields)


@functools.lru_cache(maxsize=8192)
def label(date_start: str, date_end: str, precision: str) -> str:
    """``tracker.dates.date_label`` of stored dates (an export meets the same few thousand
    intervals again and again)."""
    return date_label(date.fromisoformat(date_start), date.fromisoformat(date_end), precision)


_UNTIMED: Final = "null"


@dataclass(frozen=True)
class Batch:
    """Some events (rows of ``export_reads.EVENT_COLUMNS``), their entities in the order the
    API shows them (most mentioned first, then by name), their mentions (rows of
    ``export_reads.MENTION_COLUMNS``, in evidence order) and those mentions' articles."""

    rows: list[tuple[Any, ...]]
    entities: dict[str, list[Entity]]
    mentions: dict[str, list[tuple[Any, ...]]]
    articles: dict[str, Article]

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> Iterator[dict[str, Any]]:
        """The events in the JSON export's shape (one new dict each)."""
        for (id_, title, kind, start, end, precision, date_text, summary, score, confidence,
             n_mentions, n_articles, n_sources, first_seen_at, updated_at) in self.rows:
            yield {
                "id": id_, "title": title, "kind": kind, "date_start": start,
                "date_end": end, "precision": precision, "date_text": date_text,
                "date_label": label(start, end, precision),
                "summary": json.loads(summary or "[]"), "score": score,
                "confidence": confidence, "n_mentions": n_mentions, "n_articles": n_articles,
                "n_sources": n_sources, "first_seen_at": first_seen_at,
                "updated_at": updated_at,
                "entities": [e.as_dict() for e in self.entities.get(id_, ())],
                "mentions": [self._mention(m) for m in self.mentions.get(id_, ())],
            }

    def _mention(self, m: tuple[Any, ...]) -> dict[str, Any]:
        (_, article_id, sentence, start, end, date_text, precision, trigger, modality,
         confidence, timex_text, timex_type, timex_value, timex_start, timex_end) = m
        a = self.articles[article_id]
        timex = None
        if timex_text is not None:
            timex = {"text": timex_text, "type": timex_type, "value": timex_value,
                     "start": timex_start, "end": timex_end}
        return {"article_id": a.id, "article_url": a.url, "article_title": a.title,
                "source": a.source, "published_at": a.published_at, "sentence": sentence,
                "start": start, "end": end, "date_text": date_text, "precision": precision,
                "trigger": trigger, "modality": modality, "confidence": confidence,
                "timex": timex}

    def ndjson(self) -> str:
        """The events as JSON lines: exactly ``dicts()``, each written as one line (keys in
        the same order; UTF-8, no ASCII escapes)."""
        lines = []
        s, entities, mentions, mention = _s, self.entities, self.mentions, self._mention_json
        for (id_, title, kind, start, end, precision, date_text, summary, score, confidence,
             n_mentions, n_articles, n_sources, first_seen_at, updated_at) in self.rows:
            linked = entities.get(id_)
            evidence = mentions.get(id_)
            lines.append(
                f'{{"id":{s(id_)},"title":{s(title)},"kind":{s(kind)},'
                f'"date_start":{s(start)},"date_end":{s(end)},"precision":{s(precision)},'
                f'"date_text":{s(date_text)},'
                f'"date_label":{s(label(start, end, precision))},'
                # Numbers NOT NULL in the schema: written as json.dumps writes them (repr).
                f'"summary":{summary or "[]"},"score":{score!r},'
                f'"confidence":{confidence!r},"n_mentions":{n_mentions!r},'
                f'"n_articles":{n_articles!r},"n_sources":{n_sources!r},'
                f'"first_seen_at":{_str(first_seen_at)},"updated_at":{_str(updated_at)},'
                f'"entities":[{",".join([e.json for e in linked]) if linked else ""}],'
                f'"mentions":[{",".join([mention(m) for m in evidence]) if evidence else ""}]'
                f'}}\n')
        return "".join(lines)

    def _mention_json(self, m: tuple[Any, ...]) -> str:
        (_, article_id, sentence, start, end, date_text, precision, trigger, modality,
         confidence, timex_text, timex_type, timex_value, timex_start, timex_end) = m
        s = _s
        timex = _UNTIMED if timex_text is None else (
            f'{{"text":{s(timex_text)},"type":{_str(timex_type)},"value":{_str(timex_value)},'
            f'"start":{_num(timex_start)},"end":{_num(timex_end)}}}')
        return (f'{{{self.articles[article_id].json},"sentence":{s(sentence)},'
                f'"start":{start!r},"end":{end!r},"date_text":{s(date_text)},'
                f'"precision":{s(precision)},"trigger":{s(trigger)},"modality":{s(modality)},'
                f'"confidence":{confidence!r},"timex":{timex}}}')


class _Entities:
    """Entities by id, read as batches name them; started over past ``ENTITY_CACHE``."""

    def __init__(self) -> None:
        self.known: dict[str, Entity] = {}

    def of(self, store: Store, ids: Iterable[str]) -> dict[str, Entity]:
        missing = [i for i in set(ids) if i not in self.known]
        if len(self.known) + len(missing) > ENTITY_CACHE:
            self.known = {}
            missing = list(set(ids))
        for row in export_reads.entity_batch(store, missing):
            self.known[row[0]] = Entity.of(row)
        return self.known


def resolved(store: Store, f: EventFilter) -> EventFilter:
    """``f`` with ``top`` turned into the key events' ids, as ``/api/events`` does."""
    return query._with_key_events(store, f)


def batches(store: Store, f: EventFilter, *, size: int = BATCH, stride: int = 1,
            phase: int = 0) -> Iterator[Batch]:
    """The events matching ``f`` (``top`` resolved), ``size`` at a time, in (date, id) order.
    Call inside ``reads.snapshot``. With ``stride`` n, only every n-th batch from batch
    ``phase`` (counting from 0) is read; the others are skipped over by their keys (for
    ``tracker.exports.parallel``, where other processes read them)."""
    f = resolved(store, f)
    cache = _Entities()
    after: tuple[str, str] | None = None
    number = 0
    while True:
        if number % stride != phase:
            number += 1
            after = export_reads.key_after(store, f, after=after, n=size)
            if after is None:
                return
            continue
        number += 1
        rows = export_reads.event_batch(store, f, limit=size, after=after)
        if not rows:
            return
        ids = [r[0] for r in rows]
        links = export_reads.entity_links(store, ids)
        known = cache.of(store, [entity_id for _, entity_id, _ in links])
        ranked: dict[str, list[tuple[int, str, Entity]]] = {}
        for event_id, entity_id, n in links:
            entity = known.get(entity_id)
            if entity is not None:
                item = (-n, entity.name, entity)
                group = ranked.get(event_id)
                if group is None:
                    ranked[event_id] = [item]
                else:
                    group.append(item)
        entities = {event_id: [group[0][2]] if len(group) == 1 else
                    [e for *_, e in sorted(group, key=_RANK)]
                    for event_id, group in ranked.items()}
        mentions: dict[str, list[tuple[Any, ...]]] = {}
        for m in export_reads.mention_batch(store, ids):
            group_m = mentions.get(m[0])
            if group_m is None:
                mentions[m[0]] = [m]
            else:
                group_m.append(m)
        articles = {r[0]: Article.of(r) for r in export_reads.article_batch(
            store, list({m[1] for group_m in mentions.values() for m in group_m}))}
        # The API's evidence order: by the article's publication (undated first, as SQL sorts
        # NULL), then article, then offset; stable for the rest.
        when = {a.id: (a.published_at is not None, a.published_at or "", a.id)
                for a in articles.values()}
        for group_m in mentions.values():
            if len(group_m) > 1:
                group_m.sort(key=lambda m: (when[m[1]], m[3]))
        yield Batch(rows, entities, mentions, articles)
        if len(rows) < size:
            return
        after = (rows[-1][3], rows[-1][0])


_RANK: Final = operator.itemgetter(0, 1)  # (-n_mentions, name): most mentioned, then by name
