"""The store: the only code that speaks SQL. Wraps one SQLite file through sqlite-utils.

It opens the file (WAL, busy timeout, foreign keys), applies migrations, and offers typed
methods for articles, mentions, entities, events, sources and runs. It does not decide what
an event is (``tracker.extract``) or how mentions merge (``tracker.cluster``), and returns plain
dicts only to ``tracker.query``, which shapes them for the API.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import sqlite_utils

from tracker import clock
from tracker.cluster import ClusterInput, EventDraft
from tracker.errors import StoreError
from tracker.ids import entity_key, short_hash, text_hash
from tracker.models import Article, EntityMention, Mention
from tracker.store.migrations import migrate

ArticleStatus = Literal["new", "unchanged", "changed"]
# Importance weights (see Store.rescore); tuned on Timeline17 dev with benchmarks/timeline17.py.
LATER_REFERENCE_WEIGHT = 1.0
COVERAGE_WEIGHT = 0.3
SUPPORT_WEIGHT = 0.3
BUSY_TIMEOUT_MS = 10_000


IN_CHUNK = 500  # ids per "IN (...)" list: far below SQLite's limit, keeps statements small


def in_chunks(ids: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """The ids in chunks, each with its ``?,?,...`` placeholder list for an ``IN (...)``."""
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start:start + IN_CHUNK])
        yield chunk, ",".join("?" * len(chunk))


def iso(when: datetime | date | None) -> str | None:
    """ISO-8601 text for the database; datetimes in UTC with seconds."""
    if when is None:
        return None
    if isinstance(when, datetime):
        return when.isoformat(timespec="seconds")
    return when.isoformat()


@dataclass(frozen=True)
class SavedArticle:
    """What saving an article changed: its status and the trigger groups to re-cluster."""

    article_id: str
    status: ArticleStatus
    groups: frozenset[str]


class Store:
    """One open tracker database. Not shared between threads: open one per thread/request."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # Days whose events need their importance recomputed (see ``rescore``).
        self.touched_days: set[str] = set()
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a database file")
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: folder {self.path.parent} does not exist")
        try:
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA foreign_keys = ON")
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.schema_version = migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested calls become savepoints."""
        with self.db.atomic():
            yield

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        return next(iter(self.db.query(sql, params)), None)

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ articles

    def article_status(self, article: Article) -> tuple[ArticleStatus, str]:
        """Whether the article is new, stored unchanged, or stored with other text.

        Returns the id it is (or would be) stored under: a copy with the same canonical URL, or
        a syndicated copy with another URL but the same text (``text_hash`` ignores case,
        spacing and punctuation), is the same article.
        """
        digest = _text_hash(article.text)
        row = self._one("SELECT id, text_hash FROM articles WHERE id = ?", [article.id])
        if row is None and article.canonical_url:
            row = self._one(
                "SELECT id, text_hash FROM articles WHERE canonical_url = ?",
                [article.canonical_url],
            )
        if row is None:
            row = self._one("SELECT id, text_hash FROM articles WHERE text_hash = ?", [digest])
        if row is None:
            return "new", article.id
        return ("unchanged" if row["text_hash"] == digest else "changed"), str(row["id"])

    def save_article(
        self,
        article: Article,
        mentions: Sequence[Mention],
        *,
        extractor_version: int,
        source_id: str | None = None,
    ) -> SavedArticle:
        """Store the article and its mentions in one transaction; the same input twice is a no-op.

        Mentions of a changed article replace its old ones. Every (article, source, URL) seen is
        recorded in ``article_sources``: a syndicated copy of a stored article is "unchanged" but
        adds its outlet, and then the article's groups come back for re-clustering (the events'
        ``n_sources`` grows). Events are not touched here: the returned trigger groups must be
        re-clustered (``recluster``) afterwards.
        """
        status, stored_id = self.article_status(article)
        if status == "unchanged":
            return SavedArticle(stored_id, "unchanged",
                                self.add_article_source(stored_id, article, source_id))
        now = clock.now()
        groups: set[str] = set()
        with self.transaction():
            if status == "changed":
                groups |= self._groups_of_article(stored_id)
                self.db.execute("DELETE FROM mentions WHERE article_id = ?", [stored_id])
            row = {
                "id": stored_id,
                "source_id": source_id,
                "source_name": article.source_name,
                "url": article.url,
                "canonical_url": article.canonical_url,
                "title": article.title,
                "published_at": iso(article.published_at),
                "published_basis": article.published_basis,
                "fetched_at": iso(article.fetched_at),
                "language": article.language,
                "text": article.text,
                "text_hash": _text_hash(article.text),
                "extractor_version": extractor_version,
                "ingested_at": iso(now),
            }
            self.db.table("articles").upsert(row, pk="id")
            groups |= self._insert_mentions(stored_id, mentions)
            self._insert_article_source(stored_id, article, source_id)
        return SavedArticle(stored_id, status, frozenset(groups))

    def _groups_of_article(self, article_id: str) -> set[str]:
        rows = self.db.execute(
            "SELECT DISTINCT cluster_key FROM mentions WHERE article_id = ?", [article_id]
        ).fetchall()
        return {str(r[0]).split("|", 1)[0] for r in rows}

    # ------------------------------------------------------------------ entities

    def _upsert_entity(self, ent: EntityMention) -> str:
        """The id of the entity this mention names, creating or enriching it as needed.

        A person named by surname alone joins the one stored person with that surname's
        spelling key when there is exactly one; a full name absorbs an earlier surname-only
        entity, so the result does not depend on which article came first.
        """
        from tracker.extract.entities import person_match_key

        name = ent.name
        match_key = None
        if ent.kind == "person":
            match_key = person_match_key(name.split()[-1])
            if len(name.split()) == 1:
                full = self.db.execute(
                    "SELECT id FROM entities WHERE kind = 'person' AND match_key = ? "
                    "AND name LIKE '% %'",
                    [match_key],
                ).fetchall()
                if len(full) == 1:
                    self._add_alias(str(full[0][0]), ent.text)
                    return str(full[0][0])
        eid = entity_key(ent.kind, name)
        existing = self._one("SELECT id, aliases, role FROM entities WHERE id = ?", [eid])
        if existing is None:
            self.db.table("entities").insert(
                {
                    "id": eid, "name": name, "kind": ent.kind,
                    "aliases": json.dumps(sorted({ent.text, name})),
                    "role": ent.role, "match_key": match_key, "lat": ent.lat, "lon": ent.lon,
                },
                pk="id",
            )
            if ent.kind == "person" and len(name.split()) > 1:
                self._absorb_surname_entities(eid, match_key)
        else:
            self._add_alias(eid, ent.text)
            if ent.role and not existing["role"]:
                self.db.execute("UPDATE entities SET role = ? WHERE id = ?", [ent.role, eid])
        return eid

    def _add_alias(self, eid: str, alias: str) -> None:
        row = self._one("SELECT aliases FROM entities WHERE id = ?", [eid])
        if row is None:
            return
        aliases = set(json.loads(row["aliases"]))
        if alias not in aliases:
            aliases.add(alias)
            self.db.execute(
                "UPDATE entities SET aliases = ? WHERE id = ?", [json.dumps(sorted(aliases)), eid]
            )

    def _absorb_surname_entities(self, full_id: str, match_key: str | None) -> None:
        if match_key is None:
            return
        fulls = self.db.execute(
            "SELECT COUNT(*) FROM entities WHERE kind = 'person' AND match_key = ? "
            "AND name LIKE '% %'",
            [match_key],
        ).fetchone()[0]
        if fulls != 1:
            return  # two people share the surname: leave bare surnames alone
        for row in list(self.db.query(
            "SELECT id, aliases FROM entities WHERE kind = 'person' AND match_key = ? "
            "AND name NOT LIKE '% %'",
            [match_key],
        )):
            for alias in json.loads(row["aliases"]):
                self._add_alias(full_id, alias)
            self.db.execute(
                "UPDATE OR IGNORE mention_entities SET entity_id = ? WHERE entity_id = ?",
                [full_id, row["id"]],
            )
            self.db.execute("DELETE FROM mention_entities WHERE entity_id = ?", [row["id"]])
            self.db.execute("DELETE FROM event_entities WHERE entity_id = ?", [row["id"]])
            self.db.execute("DELETE FROM entities WHERE id = ?", [row["id"]])

    # ------------------------------------------------------------------ clustering

    def groups(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT substr(cluster_key, 1, instr(cluster_key, '|') - 1) FROM mentions"
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def cluster_inputs(self, group: str) -> list[ClusterInput]:
        """Every stored mention of one trigger group, as clustering needs it.

        A mention of an article seen under several outlets (syndicated copies) comes once per
        outlet, same id, so the event's ``n_sources`` counts every outlet that carried the
        report (and ``n_mentions`` counts reports); ``replace_events`` treats the repeated id
        as one mention.
        """
        rows = self.db.execute(
            """
            SELECT m.id, m.article_id, a.source_name, a.source_id, a.url,
                   COALESCE(a.published_at, a.fetched_at, a.ingested_at),
                   m.cluster_key, m.date_start, m.date_end, m.precision, m.date_text,
                   m.title, m.kind, m.confidence, m.timex_text IS NOT NULL,
                   (SELECT group_concat(entity_id, ' ') FROM mention_entities
                     WHERE mention_id = m.id)
            FROM mentions m JOIN articles a ON a.id = m.article_id
            WHERE m.cluster_key >= ? AND m.cluster_key < ?
            ORDER BY m.id
            """,
            [group + "|", group + "}"],
        ).fetchall()
        outlets = self._outlets_of_group(group)
        inputs = []
        for (mid, aid, source_name, source_id, url, published, key, ds, de, precision,
             date_text, title, kind, confidence, written, entity_ids) in rows:
            anchor = str(key).split("|", 1)[1] or None
            own = _outlet(source_name, source_id, url, aid)
            for outlet in sorted(outlets.get(aid, set()) | {own}):
                inputs.append(ClusterInput(
                    id=mid, article_id=aid, source=outlet,
                    published=date.fromisoformat(str(published)[:10]),
                    group=group, anchor=anchor,
                    date_start=date.fromisoformat(ds), date_end=date.fromisoformat(de),
                    precision=precision, date_text=date_text, title=title, kind=kind,
                    confidence=float(confidence),
                    entity_ids=frozenset(str(entity_ids).split()) if entity_ids else frozenset(),
                    date_written=bool(written),
                ))
        return inputs

    def replace_events(self, group: str, drafts: Sequence[EventDraft]) -> int:
        """Make the group's events exactly ``drafts``; returns how many events changed.

        An event that disappears because its mentions now belong elsewhere is kept as
        ``merged`` with a pointer to its successor, so links to it keep working.
        """
        now = iso(clock.now())
        lo, hi = group + "|", group + "}"
        with self.transaction():
            old_assignment = dict(self.db.execute(
                "SELECT id, event_id FROM mentions WHERE cluster_key >= ? AND cluster_key < ? "
                "AND event_id IS NOT NULL", [lo, hi]
            ).fetchall())
            old_events = {
                r["id"]: r for r in self.db.query(
                    "SELECT * FROM events WHERE cluster_key >= ? AND cluster_key < ?", [lo, hi]
                )
            }
            new_of_mention = {mid: d.id for d in drafts for mid in d.mention_ids}
            changed = 0
            for d in drafts:
                previous = old_events.get(d.id)
                row = {
                    "id": d.id, "cluster_key": d.cluster_key, "title": d.title, "kind": d.kind,
                    "date_start": d.date_start.isoformat(), "date_end": d.date_end.isoformat(),
                    "precision": d.precision, "date_text": d.date_text,
                    "n_mentions": d.n_mentions, "n_articles": d.n_articles,
                    "n_sources": d.n_sources, "score": d.score, "support": d.score,
                    "first_seen_at": previous["first_seen_at"] if previous
                    else self._first_seen(d.mention_ids) or now,
                    "updated_at": now, "status": "active", "merged_into": None,
                }
                if previous is not None and all(
                    previous[k] == v for k, v in row.items() if k not in ("updated_at", "score")
                ) and set(d.mention_ids) == {m for m, e in old_assignment.items() if e == d.id}:
                    continue
                changed += 1
                self.touched_days.add(d.date_start.isoformat())
                self.db.table("events").upsert(row, pk="id")
                self.db.execute("DELETE FROM event_entities WHERE event_id = ?", [d.id])
                self.db.execute(
                    "UPDATE mentions SET event_id = NULL WHERE event_id = ?", [d.id]
                )
                for mid in d.mention_ids:
                    self.db.execute("UPDATE mentions SET event_id = ? WHERE id = ?", [d.id, mid])
                for entity_id, count in d.entity_counts:
                    self.db.execute(
                        "INSERT INTO event_entities (event_id, entity_id, n_mentions) "
                        "VALUES (?, ?, ?)", [d.id, entity_id, count],
                    )
            new_ids = {d.id for d in drafts}
            for old_id in sorted(set(old_events) - new_ids):
                successors = [new_of_mention[m] for m, e in old_assignment.items()
                              if e == old_id and m in new_of_mention]
                if old_events[old_id]["status"] == "merged" and not successors:
                    continue
                changed += 1
                if successors:
                    target = max(sorted(set(successors)), key=successors.count)
                    self.db.execute(
                        "UPDATE events SET status = 'merged', merged_into = ?, updated_at = ? "
                        "WHERE id = ?", [target, now, old_id],
                    )
                    self.db.execute("DELETE FROM event_entities WHERE event_id = ?", [old_id])
                else:
                    self.db.execute("DELETE FROM event_entities WHERE event_id = ?", [old_id])
                    self.db.execute("DELETE FROM events WHERE id = ?", [old_id])
        return changed

    def _first_seen(self, mention_ids: Sequence[str]) -> str | None:
        """When the earliest article reporting these mentions was ingested."""
        first: str | None = None
        for chunk, marks in in_chunks(mention_ids):
            row = self.db.execute(
                f"SELECT MIN(a.ingested_at) FROM mentions m JOIN articles a "
                f"ON a.id = m.article_id WHERE m.id IN ({marks})", chunk
            ).fetchone()
            if row and row[0] and (first is None or row[0] < first):
                first = str(row[0])
        return first

    # ------------------------------------------------------------------ importance

    def save_date_refs(self, article_id: str, days: Iterable[date]) -> None:
        """Record the days an article refers to (replacing what it referred to before)."""
        self.db.execute("DELETE FROM date_refs WHERE article_id = ?", [article_id])
        rows = sorted({d.isoformat() for d in days})
        for day in rows:
            self.db.execute("INSERT INTO date_refs (article_id, day) VALUES (?, ?)",
                            [article_id, day])
        self.touched_days.update(rows)
        published = self.db.execute(
            "SELECT substr(COALESCE(published_at, fetched_at, ingested_at), 1, 10) "
            "FROM articles WHERE id = ?", [article_id]).fetchone()
        if published:
            self.touched_days.add(str(published[0]))

    def rescore(self, days: Iterable[str] | None = None) -> int:
        """Recompute the importance of the events on the given days (default: touched days).

        Importance = LATER_REFERENCE_WEIGHT x articles published after the day that refer to
        it + COVERAGE_WEIGHT x articles published that day + SUPPORT_WEIGHT x the event's own
        support (sources, articles, mentions). Only day-precision events get the day terms: a
        year is not "referred to" the way a day is. Measured on Timeline17 (benchmarks/).
        """
        if days is None:
            days, self.touched_days = self.touched_days, set()
        wanted = sorted(set(days))
        for chunk, marks in in_chunks(wanted):
            self.db.execute(
                f"""
                UPDATE events SET score = round(
                    {SUPPORT_WEIGHT} * support * (CASE precision WHEN 'reported' THEN 0.5
                                                  ELSE 1 END)
                    + CASE WHEN precision IN ('day', 'time') THEN
                        {LATER_REFERENCE_WEIGHT} * (
                            SELECT COUNT(*) FROM date_refs r JOIN articles a
                              ON a.id = r.article_id
                            WHERE r.day = events.date_start
                              AND COALESCE(a.published_at, a.fetched_at)
                                  >= date(events.date_start, '+1 day'))
                        + {COVERAGE_WEIGHT} * (
                            SELECT COUNT(*) FROM articles a
                            WHERE a.published_at >= events.date_start
                              AND a.published_at < date(events.date_start, '+1 day'))
                      ELSE 0 END, 4)
                WHERE status = 'active' AND date_start IN ({marks})
                """,
                chunk,
            )
        return len(wanted)

    # ------------------------------------------------------------------ runs

    def start_run(self, job: str, source_id: str | None = None) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (job, source_id, started_at) VALUES (?, ?, ?)",
            [job, source_id, iso(clock.now())],
        )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, *, status: str, n_new: int = 0, n_unchanged: int = 0,
        n_failed: int = 0, n_events: int = 0, error: str | None = None,
        detail: Iterable[str] = (),
    ) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, n_new = ?, n_unchanged = ?, "
            "n_failed = ?, n_events = ?, error = ?, detail = ? WHERE id = ?",
            [iso(clock.now()), status, n_new, n_unchanged, n_failed, n_events, error,
             json.dumps(list(detail)), run_id],
        )

    # ------------------------------------------------------------------ reads for queries

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts; for ``tracker.query`` and ``tracker.sources`` only."""
        return list(self.db.query(sql, params))

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """A write statement (committed unless inside ``transaction``); returns rows changed."""
        return int(self.db.execute(sql, params).rowcount)

    def counts(self) -> dict[str, int]:
        return {
            table: int(self._scalar(f"SELECT COUNT(*) FROM {table}") or 0)
            for table in ("sources", "articles", "mentions", "entities", "runs")
        } | {"events": int(self._scalar(
            "SELECT COUNT(*) FROM events WHERE status = 'active'") or 0)}

    # ------------------------------------------------------------------ syndication, reprocessing

    def add_article_source(self, article_id: str, article: Article,
                           source_id: str | None) -> frozenset[str]:
        """Record that ``article`` (stored as ``article_id``) was seen again, maybe elsewhere.

        Returns the article's trigger groups when this adds an outlet it did not have (its
        events must be re-clustered to count it), else an empty set.
        """
        rowid = self._insert_article_source(article_id, article, source_id)
        if rowid is None:
            return frozenset()  # seen before under this source and URL: the common re-poll case
        others = self.db.execute(
            "SELECT source_name, source_id, url FROM article_sources "
            "WHERE article_id = ? AND rowid != ? "
            "UNION SELECT source_name, source_id, url FROM articles WHERE id = ?",
            [article_id, rowid, article_id],
        ).fetchall()
        known = {_outlet(name, sid, url, article_id) for name, sid, url in others}
        if _outlet(article.source_name, source_id, article.url, article_id) in known:
            return frozenset()
        return frozenset(self._groups_of_article(article_id))

    def _insert_article_source(self, article_id: str, article: Article,
                               source_id: str | None) -> int | None:
        """Record one sighting; its rowid, or None when it was already recorded."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO article_sources "
            "(article_id, source_id, source_name, url, first_seen_at) VALUES (?, ?, ?, ?, ?)",
            [article_id, source_id, article.source_name, article.url, iso(clock.now())],
        )
        return int(cursor.lastrowid) if cursor.rowcount and cursor.lastrowid else None

    def _outlets_of_group(self, group: str) -> dict[str, set[str]]:
        """The outlets each article with a mention in ``group`` was seen under."""
        rows = self.db.execute(
            "SELECT article_id, source_name, source_id, url FROM article_sources "
            "WHERE article_id IN (SELECT article_id FROM mentions "
            "WHERE cluster_key >= ? AND cluster_key < ?)",
            [group + "|", group + "}"],
        ).fetchall()
        outlets: dict[str, set[str]] = {}
        for aid, name, sid, url in rows:
            outlets.setdefault(str(aid), set()).add(_outlet(name, sid, url, str(aid)))
        return outlets

    def article_outlets(self, article_id: str) -> list[dict[str, Any]]:
        """Where an article was seen: one row per (source, outlet, URL), first seen first."""
        return self.query(
            "SELECT source_id, source_name, url, first_seen_at FROM article_sources "
            "WHERE article_id = ? ORDER BY first_seen_at, rowid", [article_id])

    def articles_to_reprocess(self, extractor_version: int, *, everything: bool = False,
                              batch: int = 200) -> Iterator[Article]:
        """Stored articles extracted by an older extractor (all of them with ``everything``).

        Read in pages by id, so the caller may rewrite each article while iterating.
        """
        last = ""
        while True:
            rows = self.query(
                "SELECT id, title, text, url, canonical_url, published_at, published_basis, "
                "fetched_at, language, source_name FROM articles WHERE id > ? "
                + ("" if everything else "AND extractor_version < ? ")
                + "ORDER BY id LIMIT ?",
                [last, batch] if everything else [last, extractor_version, batch],
            )
            if not rows:
                return
            for r in rows:
                yield Article(
                    id=r["id"], title=r["title"], text=r["text"], url=r["url"],
                    canonical_url=r["canonical_url"],
                    published_at=_datetime(r["published_at"]),
                    published_basis=r["published_basis"],
                    fetched_at=_datetime(r["fetched_at"]), language=r["language"],
                    source_name=r["source_name"],
                )
            last = rows[-1]["id"]

    def count_to_reprocess(self, extractor_version: int, *, everything: bool = False) -> int:
        if everything:
            return int(self._scalar("SELECT COUNT(*) FROM articles") or 0)
        return int(self._scalar("SELECT COUNT(*) FROM articles WHERE extractor_version < ?",
                                [extractor_version]) or 0)

    def replace_mentions(self, article_id: str, mentions: Sequence[Mention], *,
                         extractor_version: int) -> SavedArticle:
        """Re-extraction of a stored article: its mentions become ``mentions``, in one transaction.

        Returns the trigger groups of the old and the new mentions (all need re-clustering).
        """
        with self.transaction():
            groups = self._groups_of_article(article_id)
            self.db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
            groups |= self._insert_mentions(article_id, mentions)
            self.db.execute("UPDATE articles SET extractor_version = ? WHERE id = ?",
                            [extractor_version, article_id])
        return SavedArticle(article_id, "changed", frozenset(groups))


    def unclustered_groups(self) -> list[str]:
        """Groups with mentions no event holds yet: saved, but not re-clustered (a worker was
        killed between the two, or re-clustering was deferred). Re-clustering them repairs it.
        """
        rows = self.db.execute(
            "SELECT DISTINCT substr(cluster_key, 1, instr(cluster_key, '|') - 1) FROM mentions "
            "WHERE event_id IS NULL"
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def _insert_mentions(self, article_id: str, mentions: Sequence[Mention]) -> set[str]:
        """Insert (or update) an article's mentions and their entities; returns their groups.

        One prepared statement per mention, not sqlite-utils' ``upsert``: that re-reads the
        table's columns on every call, which made storing mentions cost as much as extracting
        them (benchmarks/feeds.py).
        """
        groups: set[str] = set()
        for m in mentions:
            groups.add(m.cluster_key.split("|", 1)[0])
            timex = m.timex
            mention_id = "m" + short_hash(
                article_id, str(m.sentence_start), m.trigger, str(timex.start if timex else -1)
            )
            self.db.execute(
                _UPSERT_MENTION,
                [mention_id, article_id, m.sentence, m.sentence_start, m.sentence_end,
                 timex.text if timex else None, timex.type if timex else None,
                 timex.value if timex else None, timex.start if timex else None,
                 timex.end if timex else None, m.date_start.isoformat(), m.date_end.isoformat(),
                 m.precision, m.date_text, m.trigger, m.kind, m.title, m.confidence,
                 m.cluster_key],
            )
            for ent in m.entities:
                entity_id = self._upsert_entity(ent)
                self.db.execute(
                    "INSERT OR IGNORE INTO mention_entities (mention_id, entity_id, surface) "
                    "VALUES (?, ?, ?)",
                    [mention_id, entity_id, ent.text],
                )
        return groups

def _outlet(source_name: str | None, source_id: str | None, url: str | None,
            article_id: str) -> str:
    """Who published a copy: its outlet name, else its source, else its web host."""
    return source_name or source_id or (urlsplit(url).netloc if url else "") or article_id


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_MENTION_COLUMNS = (
    "id", "article_id", "event_id", "sentence", "sentence_start", "sentence_end", "timex_text",
    "timex_type", "timex_value", "timex_start", "timex_end", "date_start", "date_end",
    "precision", "date_text", "trigger", "kind", "title", "confidence", "cluster_key",
)
_UPSERT_MENTION = (
    f"INSERT INTO mentions ({', '.join(_MENTION_COLUMNS)}) "
    f"VALUES (?, ?, NULL{', ?' * (len(_MENTION_COLUMNS) - 3)}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _MENTION_COLUMNS if c != "id")
)


@lru_cache(maxsize=256)
def _text_hash(text: str) -> str:
    """``text_hash``, remembered: one article's text is hashed by several steps of one save."""
    return text_hash(text)
