"""What the article, event, entity and table pages show, in JSON-ready shapes.

- ``get_article``: one stored article with its text cut into **segments** for highlighting:
  plain text, temporal expressions (``timex``, with their TIMEX3 value) and event mentions
  (``mention``: the trigger word of a stored mention, linked to its event). Offsets come from
  the ``mentions`` table: ``sentence_start``/``sentence_end`` and ``timex_start``/``timex_end``
  are offsets into the article's stored text, ``trigger_start`` is an offset into the sentence.
  Overlaps follow one rule (``segments``): a mention is the outer span and the temporal
  expressions inside it become its children (a temporal expression crossing a mention's edge is
  split at that edge, both parts marked); mentions that overlap merge into one span linking
  every event they name; a temporal expression overlapping an earlier one is dropped.
- ``article_document``: the same article as the API's JSON (``query.ArticleDocument``): its
  text, its temporal expressions and the events it mentions, with offsets instead of segments.
- ``related_events``: events sharing entities with an event within ``RELATED_DAYS`` days.
- ``entity_timeline``: an entity's events grouped by month.
- ``scope``: what a dashboard shows, said in one line: the database's file name, its
  sources, how many events it holds and the days they span.
- ``all_events`` / ``sort_events``: every event of a filter (``tracker.query.list_events``
  page after page, so the table and its CSV count exactly what ``/api/events`` counts), in a
  chosen order.

Text is returned as text: escaping is the renderer's job. Nothing here writes; every read goes
through ``tracker.query`` and ``tracker.store.reads``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from tracker import query
from tracker.confidence import MIN_CONFIDENCE
from tracker.dates import date_label
from tracker.store import Store, reads
from tracker.store.reads import EventFilter

RELATED_DAYS = 7
RELATED_LIMIT = 10
SORTS = ("date", "title", "sources", "confidence")


@dataclass(frozen=True)
class Segment:
    """A run of article text: ``kind`` is ``text``, ``timex`` or ``mention``. A timex's
    ``attrs`` hold its ``value`` (and ``text``); a mention's hold ``event_id`` (the first event
    it names), ``events`` (every event id, first first) and ``trigger``; a mention's own text
    is in ``children`` (text and timex segments), its ``text`` is the whole span."""

    text: str
    kind: str
    attrs: dict[str, Any] = field(default_factory=dict)
    children: tuple[Segment, ...] = ()


@dataclass
class _Span:
    start: int
    end: int
    attrs: dict[str, Any]


def segments(text: str, timexes: list[tuple[int, int, dict[str, Any]]],
             mentions: list[tuple[int, int, str]]) -> list[Segment]:
    """``text`` cut into segments: ``timexes`` are (start, end, attrs), ``mentions`` are
    (start, end, event_id), offsets into ``text``. Spans out of range or empty are ignored."""
    size = len(text)

    def valid(start: int, end: int) -> bool:
        return 0 <= start < end <= size

    links: list[_Span] = []
    for start, end, event_id in sorted(((s, e, i) for s, e, i in mentions if valid(s, e)),
                                       key=lambda m: (m[0], -m[1])):
        if links and start < links[-1].end:  # overlaps the previous mention: one span, both
            last = links[-1]
            last.end = max(last.end, end)
            if event_id not in last.attrs["events"]:
                last.attrs["events"].append(event_id)
            continue
        links.append(_Span(start, end, {"event_id": event_id, "events": [event_id]}))
    marks: list[_Span] = []
    for start, end, attrs in sorted(((s, e, a) for s, e, a in timexes if valid(s, e)),
                                    key=lambda t: (t[0], -t[1])):
        if marks and start < marks[-1].end:
            continue  # overlaps an earlier temporal expression: the earlier (longer) one stays
        marks.append(_Span(start, end, dict(attrs)))

    def flat(lo: int, hi: int) -> list[Segment]:
        """Text and timex segments of ``text[lo:hi]``, timexes clipped to the range."""
        out: list[Segment] = []
        at = lo
        for mark in marks:
            start, end = max(mark.start, lo), min(mark.end, hi)
            if start >= end:
                continue
            if start > at:
                out.append(Segment(text[at:start], "text"))
            out.append(Segment(text[start:end], "timex", mark.attrs))
            at = end
        if at < hi:
            out.append(Segment(text[at:hi], "text"))
        return out

    result: list[Segment] = []
    at = 0
    for link in links:
        result += flat(at, link.start)
        attrs = {**link.attrs, "trigger": text[link.start:link.end]}
        result.append(Segment(text[link.start:link.end], "mention", attrs,
                              tuple(flat(link.start, link.end))))
        at = link.end
    result += flat(at, size)
    return result


@dataclass(frozen=True)
class _ArticleParts:
    """What an article's page and its JSON document are both made from."""

    row: dict[str, Any]
    mention_rows: list[dict[str, Any]]
    timexes: list[tuple[int, int, dict[str, Any]]]  # (start, end, attrs), one per span
    links: list[tuple[int, int, str, dict[str, Any]]]  # (start, end, active event id, mention)


def _article_parts(store: Store, article_id: str) -> _ArticleParts | None:
    row = reads.article_row(store, article_id)
    if row is None:
        return None
    mention_rows = reads.mentions_of_article(store, article_id)
    targets = _active_targets(store, {m["event_id"] for m in mention_rows if m["event_id"]})
    timexes: list[tuple[int, int, dict[str, Any]]] = []
    links: list[tuple[int, int, str, dict[str, Any]]] = []
    for m in mention_rows:
        if m["timex_start"] is not None and m["timex_end"] is not None:
            timexes.append((m["timex_start"], m["timex_end"],
                            {"value": m["timex_value"] or "", "type": m["timex_type"] or "",
                             "text": m["timex_text"] or ""}))
        target = targets.get(m["event_id"] or "")
        if target is not None:
            start = m["sentence_start"] + m["trigger_start"]
            links.append((start, start + len(m["trigger"]), target, m))
    # identical timexes from several mentions of a sentence are one span
    timexes = list({(s, e): (s, e, a) for s, e, a in timexes}.values())
    return _ArticleParts(row, mention_rows, timexes, links)


def _mentioned_events(store: Store, parts: _ArticleParts) -> dict[str, query.EventDocument]:
    """The active events an article mentions, in the order it first mentions them."""
    events: dict[str, query.EventDocument] = {}
    in_text_order = sorted(parts.links, key=lambda link: link[:3])
    for event_id in dict.fromkeys(target for _, _, target, _ in in_text_order):
        found = query.get_event(store, event_id)
        if found is not None:
            events[event_id] = found
    return events


def _source_of(store: Store, row: dict[str, Any]) -> str | None:
    name = row["source_name"] or reads.source_name(store, row["source_id"])
    return None if name is None else str(name)


def get_article(store: Store, article_id: str) -> dict[str, Any] | None:
    """One article: its stored fields, its text as ``segments``, and the events it mentions
    (active ones, merges followed), in the order they are first mentioned."""
    parts = _article_parts(store, article_id)
    if parts is None:
        return None
    row = parts.row
    events = [{"id": e["id"], "title": e["title"], "kind": e["kind"],
               "date_label": e["date_label"], "n_sources": e["n_sources"]}
              for e in _mentioned_events(store, parts).values()]
    return {
        **_article_fields(store, parts),
        "segments": segments(row["text"], parts.timexes,
                             [(s, e, t) for s, e, t, _ in parts.links]),
        "events": events,
    }


def _article_fields(store: Store, parts: _ArticleParts) -> dict[str, Any]:
    """What the article page and ``/api/articles/<id>`` both tell of an article."""
    row = parts.row
    return {
        "id": row["id"],
        "url": row["url"],
        "title": row["title"],
        "source": _source_of(store, row),
        "published_at": row["published_at"],
        "published_basis": row["published_basis"],
        "fetched_at": row["fetched_at"],
        "language": row["language"],
        "truncated_from": row.get("truncated_from"),
        "n_mentions": len(parts.mention_rows),
    }


def article_document(store: Store, article_id: str) -> query.ArticleDocument | None:
    """One article as ``/api/articles/<id>`` gives it (``query.ArticleDocument``): the fields
    of ``get_article``, its ``text``, the temporal expressions the page marks (offsets into
    ``text``, in text order) and each event it mentions with the offsets of its mentions."""
    parts = _article_parts(store, article_id)
    if parts is None:
        return None
    row = parts.row
    mentions: dict[str, list[query.ArticleMention]] = defaultdict(list)
    for start, end, target, m in sorted(parts.links, key=lambda link: link[:3]):
        mentions[target].append({"start": start, "end": end, "trigger": m["trigger"],
                                 "sentence_start": m["sentence_start"],
                                 "sentence_end": m["sentence_end"]})
    events: list[query.ArticleEvent] = [
        {"id": e["id"], "title": e["title"], "kind": e["kind"], "date_start": e["date_start"],
         "date_end": e["date_end"], "precision": e["precision"], "date_label": e["date_label"],
         "n_sources": e["n_sources"], "confidence": e["confidence"],
         "mentions": mentions[event_id]}
        for event_id, e in _mentioned_events(store, parts).items()]
    timexes: list[query.TimexSpan] = [
        {"text": a["text"], "type": a["type"] or None, "value": a["value"] or None,
         "start": start, "end": end}
        for start, end, a in sorted(parts.timexes, key=lambda t: (t[0], t[1]))]
    return cast(query.ArticleDocument, {**_article_fields(store, parts), "text": row["text"],
                                        "timexes": timexes, "events": events})


def _active_targets(store: Store, event_ids: set[str]) -> dict[str, str]:
    """Each event id mapped to the active event it is (or was merged into); ids of events
    that no longer exist are left out."""
    out: dict[str, str] = {}
    for event_id in event_ids:
        seen, current = set(), event_id
        while current not in seen:
            seen.add(current)
            row = reads.event_row(store, current)
            if row is None:
                break
            if row["status"] == "merged" and row["merged_into"]:
                current = row["merged_into"]
                continue
            out[event_id] = row["id"]
            break
    return out


# ---------------------------------------------------------------- related events

def _days_apart(a_start: str, a_end: str, b_start: str, b_end: str) -> int:
    """Days between two intervals (0 when they overlap)."""
    gap = max((date.fromisoformat(b_start) - date.fromisoformat(a_end)).days,
              (date.fromisoformat(a_start) - date.fromisoformat(b_end)).days, 0)
    return gap


def related_events(store: Store, event: dict[str, Any], *, days: int = RELATED_DAYS,
                   limit: int = RELATED_LIMIT,
                   min_confidence: float = MIN_CONFIDENCE) -> list[dict[str, Any]]:
    """Active events sharing at least one entity with ``event`` (a ``query.get_event``
    document) whose dates lie within ``days`` days of its own: the most shared entities first,
    then the closest in time, then the earlier; at most ``limit``."""
    names = {n["id"]: n["name"] for n in event.get("entities", [])}
    shared: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, dict[str, Any]] = {}
    for entity_id in names:
        for r in reads.event_rows_of_entity(store, entity_id):
            if r["id"] == event["id"] or r["confidence"] < min_confidence:
                continue
            gap = _days_apart(event["date_start"], event["date_end"],
                              r["date_start"], r["date_end"])
            if gap > days:
                continue
            shared[r["id"]].add(entity_id)
            rows[r["id"]] = {**r, "gap": gap}
    start = date.fromisoformat(event["date_start"])

    def rank(event_id: str) -> tuple[int, int, int, str, str]:
        r = rows[event_id]
        offset = abs((date.fromisoformat(r["date_start"]) - start).days)
        return (-len(shared[event_id]), r["gap"], offset, r["date_start"], event_id)

    out = []
    for event_id in sorted(rows, key=rank)[:limit]:
        r = rows[event_id]
        out.append({
            "id": event_id, "title": r["title"], "kind": r["kind"],
            "date_start": r["date_start"], "date_end": r["date_end"],
            "precision": r["precision"],
            "date_label": date_label(date.fromisoformat(r["date_start"]),
                                     date.fromisoformat(r["date_end"]), r["precision"]),
            "days_apart": r["gap"], "n_sources": r["n_sources"],
            "shared": sorted(names[e] for e in shared[event_id]),
        })
    return out


# ---------------------------------------------------------------- entity and table

def entity_timeline(entity: dict[str, Any]) -> list[dict[str, Any]]:
    """An entity's events (``query.get_entity``) grouped by the month they start in, in date
    order: ``{"month": "2025-05", "label": "May 2025", "events": [...]}``."""
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in entity.get("events", []):
        months[e["date_start"][:7]].append(e)
    return [{"month": month, "label": f"{date.fromisoformat(month + '-01'):%B %Y}",
             "events": months[month]} for month in sorted(months)]


def iter_events(store: Store, f: EventFilter) -> Iterator[dict[str, Any]]:
    """Every event of ``f`` in date order, read ``query.MAX_PAGE`` at a time with
    ``query.list_events`` (entities included)."""
    after: str | None = None
    while True:
        page = query.list_events(store, f, limit=query.MAX_PAGE, after=after)
        yield from cast(list[dict[str, Any]], page["events"])
        after = page["next"]
        if after is None:
            return


def sort_events(events: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """``events`` in the order ``sort`` names (``date``, ``title``, ``sources``,
    ``confidence``; a leading ``-`` reverses it); ties in date order. ValueError otherwise."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)} (or -name), got {sort!r}")
    by_date = sorted(events, key=lambda e: (e["date_start"], e["id"]))
    if key == "date":
        return by_date[::-1] if sort.startswith("-") else by_date
    keys: dict[str, Any] = {"title": lambda e: str(e["title"]).casefold(),
                            "sources": lambda e: int(e["n_sources"]),
                            "confidence": lambda e: float(e["confidence"])}
    # sorted is stable, reversed or not: ties keep date order
    return sorted(by_date, key=keys[key], reverse=sort.startswith("-"))


CSV_COLUMNS = ("id", "date_start", "date_end", "precision", "date_text", "kind", "title",
               "n_sources", "n_articles", "confidence", "entities")


def csv_row(event: dict[str, Any]) -> list[str]:
    """An event as the CSV's row (``CSV_COLUMNS``); entities are names joined by "; "."""
    values = {k: event.get(k) for k in CSV_COLUMNS}
    values["entities"] = "; ".join(n["name"] for n in event.get("entities", []))
    return ["" if v is None else str(v) for v in (values[k] for k in CSV_COLUMNS)]


SCOPE_SOURCES = 3  # sources named in the scope line; the rest are counted


def scope(store: Store) -> dict[str, Any]:
    """What the dashboard shows: ``database`` (the file's name, never its folder), ``events``
    (active events stored, whatever their confidence), ``sources`` (how many are configured)
    with the first ``SCOPE_SOURCES`` ``source_names``, and ``span`` (the months from the first
    event to the last; None without events)."""
    sources = query.list_sources(store, public=True)
    events = sum(k["events"] for k in query.kinds(store, 0))
    span = reads.event_span(store, EventFilter(min_confidence=0)) if events else None
    return {
        "database": Path(str(store.path)).name,
        "events": events,
        "sources": len(sources),
        "source_names": [s["name"] for s in sources[:SCOPE_SOURCES]],
        "span": _months_label(*span) if span else None,
    }


def _months_label(first: date, last: date) -> str:
    """"January 2022 to May 2025", or the one month: months, because the first or last event
    may be known only to its month or year (a day would claim more than is known)."""
    one = f"{first:%B %Y}"
    return one if (first.year, first.month) == (last.year, last.month) else f"{one} to {last:%B %Y}"
