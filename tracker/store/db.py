"""The store: the only code that speaks SQL. Wraps one SQLite file through sqlite-utils.

It opens the file (WAL, busy timeout, foreign keys), applies migrations, and offers typed
methods for articles, mentions, entities, events, sources and runs. It does not decide what
an event is (``tracker.extract``) or how mentions merge (``tracker.cluster``), and returns plain
dicts only to ``tracker.query``, which shapes them for the API.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import sqlite_utils

from tracker import clock, confidence, importance
from tracker.errors import StoreError
from tracker.ids import entity_key, short_hash, text_hash
from tracker.models import (
    Article,
    ClusterInput,
    EntityMention,
    EventDraft,
    Extraction,
    Mention,
)
from tracker.store.migrations import migrate

ArticleStatus = Literal["new", "unchanged", "changed"]
BUSY_TIMEOUT_MS = 10_000
# Index entries ANALYZE samples per index (``Store.optimize``): statistics good enough for the
# planner in milliseconds, whatever the size of the file.
ANALYSIS_LIMIT = 400
# A sentence found in this many articles of one outlet is page furniture (a teaser, a promo,
# boilerplate), not part of any of them: three, because two versions of one story may share
# sentences, and a sentence copied into three different stories no longer reports any of them.
FURNITURE_MIN_ARTICLES = 3
UNKNOWN_OUTLET = "unknown source"


IN_CHUNK = 500  # ids per "IN (...)" list: far below SQLite's limit, keeps statements small


def in_chunks(ids: Sequence[str], size: int = IN_CHUNK) -> Iterator[tuple[list[str], str]]:
    """The ids in chunks of at most ``size``, each with its ``?,?,...`` placeholder list for
    an ``IN (...)``."""
    for start in range(0, len(ids), size):
        chunk = list(ids[start:start + size])
        yield chunk, ",".join("?" * len(chunk))


# What SQLite says when the file cannot take a write, and what the user can do about it.
_DATABASE_TROUBLE = (
    (("readonly", "read-only"), "it is read-only: check the permissions of the file, its "
                                "folder and its -wal and -shm files, and the disk's mount"),
    (("disk is full",), "the disk is full: free some space and run again (what was stored "
                        "is kept; the article in hand was rolled back)"),
    (("disk i/o",), "the disk reported an I/O error: check it, then `tracker backup`"),
    (("locked", "busy"), "another process held it locked for more than "
                         f"{BUSY_TIMEOUT_MS // 1000} s; try again"),
    (("malformed", "not a database"), "the file is damaged: restore a backup with "
                                      "`tracker restore`"),
    (("unable to open",), "the file or its folder cannot be opened: check they exist and "
                          "are readable"),
)


def describe_database_error(exc: sqlite3.Error, path: str | Path) -> str | None:
    """One line for a user about why the database refused, or None for a programming error."""
    text = str(exc).lower()
    for signs, advice in _DATABASE_TROUBLE:
        if any(sign in text for sign in signs):
            return f"database {path}: {advice} (SQLite: {exc})"
    return None


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


MMAP_BYTES = 1 << 30  # the most of the file reads map (``PRAGMA mmap_size``)


class Store:
    """One open tracker database. Not shared between threads: open one per thread/request."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # Days whose events need their importance recomputed (see ``rescore``).
        self.touched_days: set[str] = set()
        self._seq: int | None = None  # this transaction's change number (``_change_seq``)
        self._units = 0  # open ``_change_unit``s
        # Entities whose shown fields changed (a role learnt), and events that lost one (a
        # surname absorbed by the full name): their events are written again (``_restamp``).
        self._touched_entities: set[str] = set()
        self._touched_events: set[str] = set()
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
            # Savepoints (a save inside the caller's transaction) journal every page they touch
            # first; in a temporary file that made each row written in one cost four.
            self.db.execute("PRAGMA temp_store = MEMORY")
            # Reads map the file instead of copying each page into the connection's cache:
            # pages of a million events read a third faster, and every connection (the web
            # server's threads) shares the one copy the OS keeps. Address space, not memory.
            self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            # Ingestion commits once per article, some 60 pages each: checkpointing every 8000
            # pages (32 MB of log) instead of SQLite's 1000 copies a page rewritten by many
            # articles once, and syncs the file eight times less often.
            self.db.execute("PRAGMA wal_autocheckpoint = 8000")
            self.schema_version = migrate(self.db)
            # Rows written from here on: only a connection that wrote refreshes statistics.
            self._changes_at_open = conn.total_changes
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc

    def close(self) -> None:
        if self.db.conn.total_changes != self._changes_at_open:
            # Statistics are an optimisation: a busy or read-only file goes without.
            with suppress(sqlite3.Error):
                self.optimize()
        self.db.close()

    def optimize(self) -> None:
        """Keep the query planner's statistics current, cheaply (a few milliseconds).

        Without statistics SQLite guesses, and some of its guesses on the events are slow
        (a filter's subquery scanned for every event). ``analysis_limit`` makes ANALYZE sample
        each index instead of reading it whole. SQLite 3.46 and later decide themselves which
        tables need it (``PRAGMA optimize=0x10002``: every table, not only those this
        connection queried); older versions only look at tables whose statistics this
        connection used, never at tables not analyzed yet, so the events are analyzed here when
        they have no statistics or have grown to twice what those describe.
        """
        self.db.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        if sqlite3.sqlite_version_info >= (3, 46, 0):
            self.db.execute("PRAGMA optimize=0x10002")
            return
        analyzed = 0
        if self._scalar("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
            for (stat,) in self.db.execute(
                    "SELECT stat FROM sqlite_stat1 WHERE tbl = 'events'").fetchall():
                head = str(stat or "").split(" ", 1)[0]
                analyzed = max(analyzed, int(head) if head.isdigit() else 0)
        rows = int(self._scalar("SELECT MAX(rowid) FROM events") or 0)  # an index's end
        if rows and (not analyzed or rows > 2 * analyzed):
            self.db.execute("ANALYZE")
        else:
            self.db.execute("PRAGMA optimize")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested calls become savepoints."""
        conn = self.db.conn
        if not conn.in_transaction:
            with self.db.atomic():
                yield
            return
        # One fixed savepoint name, not sqlite-utils' random one per call: same-named savepoints
        # nest as a stack, and the statements stay in the connection's prepared-statement cache
        # (ingestion opens one per article).
        conn.execute("SAVEPOINT store_nested")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # an error may have ended the whole transaction already
                conn.execute("ROLLBACK TO store_nested")
                conn.execute("RELEASE store_nested")
            raise
        conn.execute("RELEASE store_nested")

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        # Not ``db.query``: that wraps every read in a savepoint, three statements for one.
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One prepared statement for many rows; outside ``transaction`` it commits, like
        ``db.execute`` (the driver would otherwise leave its implicit transaction open)."""
        conn = self.db.conn
        was_in_transaction = conn.in_transaction
        conn.executemany(sql, rows)
        if not was_in_transaction and conn.in_transaction:
            conn.execute("COMMIT")

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
        # One statement for the three look-ups, in order of preference; among copies with the
        # same text, the first stored.
        row = self.db.execute(
            "SELECT id, text_hash FROM ("
            " SELECT 0 AS pref, rowid AS seq, id, text_hash FROM articles WHERE id = ?"
            " UNION ALL SELECT 1, rowid, id, text_hash FROM articles WHERE canonical_url = ?"
            " UNION ALL SELECT 2, rowid, id, text_hash FROM articles WHERE text_hash = ?"
            ") ORDER BY pref, seq LIMIT 1",
            [article.id, article.canonical_url or None, digest],
        ).fetchone()
        if row is None:
            return "new", article.id
        return ("unchanged" if row[1] == digest else "changed"), str(row[0])

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
            self.db.execute(_UPSERT_ARTICLE, [
                stored_id, source_id, article.source_name, article.url, article.canonical_url,
                article.title, iso(article.published_at), article.published_basis,
                iso(article.fetched_at), article.language, article.text,
                _text_hash(article.text), extractor_version, iso(now), article.truncated_from,
                article.entry_hash,
            ])
            groups |= self._insert_mentions(stored_id, mentions)
            self._insert_article_source(stored_id, article, source_id)
            self._mark_dirty(groups)
        return SavedArticle(stored_id, status, frozenset(groups))

    def _mark_dirty(self, groups: Iterable[str]) -> None:
        """Record groups whose events are stale until re-clustered (survives a crash)."""
        self._write_many("INSERT OR IGNORE INTO dirty_groups (name) VALUES (?)",
                         [(g,) for g in sorted(groups)])

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
        name = ent.name
        match_key = None
        if ent.kind == "person":
            match_key = ent.match_key
            if len(name.split()) == 1:
                full = self.db.execute(
                    "SELECT id, aliases FROM entities WHERE kind = 'person' AND match_key = ? "
                    "AND name LIKE '% %'",
                    [match_key],
                ).fetchall()
                if len(full) == 1:
                    self._add_alias(str(full[0][0]), ent.text, str(full[0][1]))
                    return str(full[0][0])
        eid = _entity_key(ent.kind, name)
        existing = self.db.execute(
            "SELECT aliases, role FROM entities WHERE id = ?", [eid]).fetchone()
        if existing is None:
            self.db.execute(
                "INSERT INTO entities (id, name, kind, aliases, role, match_key, lat, lon) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [eid, name, ent.kind, json.dumps(sorted({ent.text, name})), ent.role,
                 match_key, ent.lat, ent.lon],
            )
            if ent.kind == "person" and len(name.split()) > 1:
                self._absorb_surname_entities(eid, match_key)
        else:
            self._add_alias(eid, ent.text, str(existing[0]))
            if ent.role and not existing[1]:
                self.db.execute("UPDATE entities SET role = ? WHERE id = ?", [ent.role, eid])
                self._touched_entities.add(eid)
        return eid

    def _add_alias(self, eid: str, alias: str, stored: str | None = None) -> None:
        """Add ``alias`` to the entity's aliases (``stored``: their JSON, when just read)."""
        if stored is None:
            row = self._one("SELECT aliases FROM entities WHERE id = ?", [eid])
            if row is None:
                return
            stored = str(row["aliases"])
        aliases = set(json.loads(stored))
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
            self._touched_events.update(str(r[0]) for r in self.db.execute(
                "SELECT event_id FROM event_entities WHERE entity_id = ?", [row["id"]]))
            self.db.execute("DELETE FROM event_entities WHERE entity_id = ?", [row["id"]])
            self.db.execute("DELETE FROM entities WHERE id = ?", [row["id"]])

    # ------------------------------------------------------------------ clustering

    def groups(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT substr(cluster_key, 1, instr(cluster_key, '|') - 1) FROM mentions"
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def cluster_inputs(self, group: str) -> list[ClusterInput]:
        """Every stored mention of one clustering group (an event kind), as clustering needs it.

        A mention of an article seen under several outlets (syndicated copies) comes once per
        outlet, same id, so the event's ``n_sources`` counts every outlet that carried the
        report (and ``n_mentions`` counts reports); ``replace_events`` treats the repeated id
        as one mention. A mention whose sentence is page furniture of its outlet (see
        ``refresh_furniture``) is marked so.
        """
        rows = self.db.execute(
            """
            SELECT m.id, m.article_id, a.source_name, a.source_id, a.url,
                   COALESCE(a.published_at, a.fetched_at, a.ingested_at),
                   m.cluster_key, m.date_start, m.date_end, m.precision, m.date_text,
                   m.title, m.kind, m.confidence, m.timex_text IS NOT NULL,
                   (SELECT group_concat(entity_id, ' ') FROM mention_entities
                     WHERE mention_id = m.id),
                   m.sentence, m.sentence_key, m.sentence_start, m.trigger_start,
                   length(m.trigger), m.timex_start, m.timex_end, m.modality, m.trigger_group
            FROM mentions m JOIN articles a ON a.id = m.article_id
            WHERE m.cluster_key >= ? AND m.cluster_key < ?
            ORDER BY m.id
            """,
            [group + "|", group + "}"],
        )  # read row by row: a big group's rows need not all be held at once
        outlets = self._outlets_of_group(group)
        # Furniture is recorded under each article's own outlet (``save_references``).
        furniture = set(self.db.execute("SELECT outlet, sentence_key FROM furniture").fetchall())
        # A group is re-read whole at every re-clustering: what repeats across its rows (an
        # article's outlets and date, dates, entity sets) is worked out once per read.
        of_article: dict[str, tuple[list[str], date, str, str, str]] = {}
        days: dict[str, date] = {}
        # The words repeated across rows (titles, dates as written, kinds) are kept once each.
        shared: dict[str, str] = {}
        entity_sets: dict[str | None, frozenset[str]] = {None: frozenset()}
        inputs = []
        for (mid, aid, source_name, source_id, url, published, key, ds, de, precision,
             date_text, title, kind, mention_confidence, written, entity_ids, sentence, skey,
             sentence_start, trigger_start, trigger_length, timex_start, timex_end, modality,
             trigger_group) in rows:
            if aid not in of_article:
                own = article_outlet(source_name, source_id, url)
                of_article[aid] = (sorted(outlets.get(aid, set()) | {own}),
                                   date.fromisoformat(str(published)[:10]), aid,
                                   str(published), own)
            article_outlets, published_day, aid, published, own = of_article[aid]
            if ds not in days:
                days[ds] = date.fromisoformat(ds)
            if de not in days:
                days[de] = date.fromisoformat(de)
            if entity_ids not in entity_sets:
                entity_sets[entity_ids] = frozenset(str(entity_ids).split())
            anchor = str(key).split("|", 1)[1] or None
            for outlet in article_outlets:
                inputs.append(ClusterInput(
                    id=mid, article_id=aid, source=outlet, published=published_day,
                    group=group, anchor=anchor, date_start=days[ds], date_end=days[de],
                    precision=precision,
                    date_text=shared.setdefault(date_text, date_text),
                    title=shared.setdefault(title, title), kind=shared.setdefault(kind, kind),
                    confidence=float(mention_confidence), entity_ids=entity_sets[entity_ids],
                    date_written=bool(written), sentence=sentence, sentence_key=skey,
                    trigger_start=trigger_start, trigger_end=trigger_start + trigger_length,
                    timex_start=None if timex_start is None else timex_start - sentence_start,
                    timex_end=None if timex_end is None else timex_end - sentence_start,
                    modality=modality,
                    trigger_group=shared.setdefault(trigger_group, trigger_group),
                    furniture=(own, skey) in furniture, published_at=published,
                ))
        return inputs

    def replace_events(self, group: str, drafts: Sequence[EventDraft]) -> int:
        """Make the group's events exactly ``drafts``; returns how many events changed.

        An event that disappears because its mentions now belong elsewhere is kept as
        ``merged`` with a pointer to its successor, so links to it keep working. Only changes
        are written, a statement per kind of row: re-clustering a big group mostly finds its
        events and their mentions as they were.
        """
        now = clock.now().isoformat(timespec="seconds")  # as ``iso`` writes it
        lo, hi = group + "|", group + "}"
        with self._change_unit():
            old_assignment: dict[str, str] = dict(self.db.execute(
                "SELECT id, event_id FROM mentions WHERE cluster_key >= ? AND cluster_key < ? "
                "AND event_id IS NOT NULL", [lo, hi]
            ).fetchall())
            old_members: dict[str, set[str]] = {}
            for mid, eid in old_assignment.items():
                old_members.setdefault(eid, set()).add(mid)
            cursor = self.db.execute(
                "SELECT * FROM events WHERE cluster_key >= ? AND cluster_key < ?", [lo, hi])
            columns = [d[0] for d in cursor.description]
            old_events = {r["id"]: r for r in (dict(zip(columns, row, strict=True))
                                                for row in cursor)}
            new_of_mention = {mid: d.id for d in drafts for mid in d.mention_ids}
            changed = 0
            upserts: list[tuple[Any, ...]] = []
            entity_rows: dict[str, list[tuple[str, str, int]]] = {}
            for d in drafts:
                previous = old_events.get(d.id)
                row = {
                    "id": d.id, "cluster_key": d.cluster_key, "title": d.title, "kind": d.kind,
                    "date_start": d.date_start.isoformat(), "date_end": d.date_end.isoformat(),
                    "precision": d.precision, "date_text": d.date_text,
                    "n_mentions": d.n_mentions, "n_articles": d.n_articles,
                    "n_sources": d.n_sources, "score": d.score, "support": d.score,
                    "summary": json.dumps(list(d.summary), ensure_ascii=False),
                    "confidence": previous["confidence"] if previous
                    and previous["base_confidence"] == d.confidence
                    and previous["quality"] == d.quality else d.confidence,
                    "base_confidence": d.confidence, "quality": d.quality,
                    "first_seen_at": previous["first_seen_at"] if previous
                    else self._first_seen(d.mention_ids) or now,
                    "updated_at": now, "status": "active", "merged_into": None, "seq": 0,
                }
                if previous is not None and all(
                    previous[k] == v for k, v in row.items()
                    if k not in ("updated_at", "score", "seq")
                ) and set(d.mention_ids) == old_members.get(d.id, set()):
                    continue
                row["seq"] = self._change_seq(now)
                changed += 1
                self.touched_days.add(d.date_start.isoformat())
                upserts.append(tuple(row[c] for c in _EVENT_COLUMNS))
                entity_rows[d.id] = [(d.id, entity_id, n) for entity_id, n in d.entity_counts]
            self._write_many(_UPSERT_EVENT, upserts)
            self._write_many("DELETE FROM event_entities WHERE event_id = ?",
                             [(eid,) for eid in entity_rows])
            self._write_many(
                "INSERT INTO event_entities (event_id, entity_id, n_mentions) VALUES (?, ?, ?)",
                [r for rows in entity_rows.values() for r in rows])
            # Every mention of the group goes where clustering put it; page furniture nowhere.
            # (Mentions of the group point at events of the group only: a mention that changes
            # group is saved again, which clears its event.)
            self._write_many(
                "UPDATE mentions SET event_id = ? WHERE id = ?",
                [(new_of_mention.get(mid), mid)
                 for mid in sorted(set(old_assignment) | set(new_of_mention))
                 if new_of_mention.get(mid) != old_assignment.get(mid)])
            new_ids = {d.id for d in drafts}
            for old_id in sorted(set(old_events) - new_ids):
                successors = [new_of_mention[m] for m in old_members.get(old_id, ())
                              if m in new_of_mention]
                status = old_events[old_id]["status"]
                if status in ("merged", "removed") and not successors:
                    continue  # already a tombstone
                target = (max(sorted(set(successors)), key=successors.count)
                          if successors else None)
                if status == "merged" and old_events[old_id]["merged_into"] == target:
                    continue
                changed += 1
                self.db.execute("DELETE FROM event_entities WHERE event_id = ?", [old_id])
                # Kept as a tombstone, so a consumer syncing with ``updated_since`` learns that
                # it went, and where (a merge), and links to it keep working.
                self.db.execute(
                    "UPDATE events SET status = ?, merged_into = ?, updated_at = ?, seq = ? "
                    "WHERE id = ?",
                    ["merged" if target else "removed", target, now, self._change_seq(now),
                     old_id],
                )
            self.db.execute("DELETE FROM dirty_groups WHERE name = ?", [group])
        return changed

    @contextmanager
    def _change_unit(self) -> Iterator[None]:
        """A transaction whose event writes share one change number (``_change_seq``)."""
        self._seq = None
        self._units += 1
        try:
            with self.transaction():
                yield
        finally:
            self._units -= 1
            self._seq = None  # a number never outlives its transaction

    def _change_seq(self, now: str) -> int:
        """The change number of the events this unit of work writes at ``now`` (their
        ``updated_at``): a new ``event_changes`` row, taken once per ``_change_unit``. Taken
        inside the write transaction, which holds SQLite's one write lock until it commits,
        so the numbers follow the order in which changes become visible (schema step 8)."""
        if not self._units:
            raise RuntimeError("event changes are numbered inside _change_unit only")
        if self._seq is None:
            cursor = self.db.execute("INSERT INTO event_changes (at) VALUES (?)", [now])
            self._seq = int(cursor.lastrowid or 0)
        return self._seq

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

    def save_references(self, article_id: str, extraction: Extraction) -> None:
        """Record the days an article refers to and the sentences it is made of (its mentions'
        and its date references'), replacing what it had before.

        Sentences are recorded under the article's outlet, so ``refresh_furniture`` can find
        the ones an outlet repeats across its articles.
        """
        self.db.execute("DELETE FROM date_refs WHERE article_id = ?", [article_id])
        self.db.execute("DELETE FROM article_sentences WHERE article_id = ?", [article_id])
        refs = sorted({(r.day.isoformat(), r.sentence_key) for r in extraction.refs})
        self._write_many("INSERT INTO date_refs (article_id, day, sentence_key) VALUES (?, ?, ?)",
                         [(article_id, day, key) for day, key in refs])
        row = self.db.execute(
            "SELECT source_name, source_id, url, "
            "substr(COALESCE(published_at, fetched_at, ingested_at), 1, 10) "
            "FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            return
        outlet = article_outlet(row[0], row[1], row[2])
        keys = {key for _, key in refs} | {m.sentence_key for m in extraction.mentions}
        if outlet == UNKNOWN_OUTLET:
            keys = set()  # articles of unknown origin may come from anywhere: no furniture
        self._write_many(
            "INSERT OR IGNORE INTO article_sentences (outlet, sentence_key, article_id) "
            "VALUES (?, ?, ?)", [(outlet, key, article_id) for key in sorted(keys) if key])
        self.touched_days.update(day for day, _ in refs)
        # An article published on a day changes the burst of the days around it too.
        published = date.fromisoformat(str(row[3]))
        self.touched_days.update(
            (published + timedelta(days=n)).isoformat()
            for n in range(-importance.BURST_DAYS, importance.BURST_DAYS + 1))

    def refresh_furniture(self) -> set[str]:
        """Bring the ``furniture`` table up to date: the sentences found in at least
        ``FURNITURE_MIN_ARTICLES`` articles of one outlet. Returns the clustering groups whose
        mentions changed status (they must be re-clustered); the days those sentences refer to
        are marked for rescoring.
        """
        found = dict(((outlet, key), n) for outlet, key, n in self.db.execute(
            "SELECT outlet, sentence_key, COUNT(*) FROM article_sentences "
            "GROUP BY outlet, sentence_key HAVING COUNT(*) >= ?", [FURNITURE_MIN_ARTICLES]))
        stored = dict(((outlet, key), n) for outlet, key, n in self.db.execute(
            "SELECT outlet, sentence_key, n_articles FROM furniture"))
        added = [k for k in found if k not in stored]
        removed = [k for k in stored if k not in found]
        with self.transaction():
            self._write_many("DELETE FROM furniture WHERE outlet = ? AND sentence_key = ?",
                             removed)
            self._write_many(
                "INSERT OR REPLACE INTO furniture (outlet, sentence_key, n_articles) "
                "VALUES (?, ?, ?)",
                [(o, k, n) for (o, k), n in found.items() if stored.get((o, k)) != n])
        changed_keys = sorted({k for _, k in added + removed})
        groups: set[str] = set()
        for chunk, marks in in_chunks(changed_keys):
            groups.update(str(r[0]) for r in self.db.execute(
                f"SELECT DISTINCT substr(cluster_key, 1, instr(cluster_key, '|') - 1) "
                f"FROM mentions WHERE sentence_key IN ({marks})", chunk))
            self.touched_days.update(str(r[0]) for r in self.db.execute(
                f"SELECT DISTINCT day FROM date_refs WHERE sentence_key IN ({marks})", chunk))
        return groups

    def rescore(self, days: Iterable[str] | None = None) -> int:
        """Recompute the importance of the events on the given days (default: touched days).

        The formula and its weights are ``tracker.importance``'s. References from page
        furniture do not count.
        """
        if days is None:
            days, self.touched_days = self.touched_days, set()
        wanted = sorted(set(days))
        for chunk, marks in in_chunks(wanted):
            # The day terms are counted once per day (a day has many events), then the scores
            # computed and written only where they moved: most scores of a touched day stay,
            # and every write of an event also rewrites its full-text entry (a trigger).
            # MATERIALIZED: inlined, the per-day counts would run again for every event.
            rows = self.db.execute(
                f"""
                WITH day_terms AS MATERIALIZED (
                    SELECT day, (
                        SELECT COUNT(DISTINCT CASE WHEN EXISTS (
                              SELECT 1 FROM article_sentences s JOIN furniture f
                                ON f.outlet = s.outlet AND f.sentence_key = s.sentence_key
                              WHERE s.article_id = r.article_id
                                AND s.sentence_key = r.sentence_key)
                            THEN 'furniture:' || r.sentence_key ELSE r.article_id END)
                        FROM date_refs r JOIN articles a ON a.id = r.article_id
                        WHERE r.day = days.day
                          AND COALESCE(a.published_at, a.fetched_at) >= date(days.day, '+1 day')
                    ) AS later, (
                        SELECT COUNT(*) FROM articles a
                        WHERE a.published_at >= days.day
                          AND a.published_at < date(days.day, '+1 day')
                    ) - (
                        SELECT COUNT(*) FROM articles a
                        WHERE a.published_at >= date(days.day, '-{importance.BURST_DAYS} days')
                          AND a.published_at < date(days.day,
                                                    '+{importance.BURST_DAYS + 1} days')
                          AND NOT (a.published_at >= days.day
                                   AND a.published_at < date(days.day, '+1 day'))
                    ) / {2.0 * importance.BURST_DAYS} AS burst
                    FROM (SELECT DISTINCT date_start AS day FROM events
                          WHERE status = 'active' AND precision IN ('day', 'time')
                            AND date_start IN ({marks})) AS days
                )
                SELECT e.id, e.score, round(
                    CASE WHEN e.precision IN ('day', 'time') THEN
                        {importance.LATER_REFERENCE_WEIGHT} * t.later
                        + {importance.BURST_WEIGHT} * max(0, t.burst)
                      ELSE {importance.SUPPORT_WEIGHT} * e.support END, 4),
                    e.confidence, e.quality, e.base_confidence,
                    -- later references corroborate one happening: the day's best-supported
                    -- of those that could be shown
                    CASE WHEN e.precision IN ('day', 'time') AND ROW_NUMBER() OVER (
                        PARTITION BY e.date_start, e.precision IN ('day', 'time')
                        ORDER BY e.quality >= {confidence.MIN_CONFIDENCE} DESC,
                                 e.support * e.quality DESC, e.id) = 1
                    THEN COALESCE(t.later, 0) ELSE 0 END
                FROM events e LEFT JOIN day_terms t ON t.day = e.date_start
                WHERE e.status = 'active' AND e.date_start IN ({marks})
                """,
                chunk + chunk,
            ).fetchall()
            updates = []
            for eid, old, new, old_sure, quality, base, later in rows:
                sure = confidence.with_day_references(quality, base, later)
                if (new, sure) != (old, old_sure):
                    updates.append((new, sure, eid))
            if updates:  # a change a syncing consumer must see: a new change number
                with self._change_unit():
                    now = clock.now().isoformat(timespec="seconds")
                    seq = self._change_seq(now)
                    self._write_many(
                        "UPDATE events SET score = ?, confidence = ?, updated_at = ?, seq = ? "
                        "WHERE id = ?", [(new, sure, now, seq, eid) for new, sure, eid in updates])
        return len(wanted)

    # ------------------------------------------------------------------ runs

    def start_run(self, job: str, source_id: str | None = None) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (job, source_id, started_at, pid) VALUES (?, ?, ?, ?)",
            [job, source_id, iso(clock.now()), os.getpid()],
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

    def get_setting(self, key: str) -> str | None:
        """A value of the ``meta`` table: settings that the database carries for every process
        using it (the worker reads the network policy written by `tracker source sync`)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str | None) -> None:
        """Write (or, with None, remove) a ``meta`` value."""
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", [key])
            return
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])

    def integrity_errors(self) -> list[str]:
        """What ``PRAGMA integrity_check`` finds wrong; empty when the file is sound."""
        rows = self.db.execute("PRAGMA integrity_check").fetchall()
        found = [str(r[0]) for r in rows]
        return [] if found == ["ok"] else found

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
        known = {article_outlet(name, sid, url) for name, sid, url in others}
        if article_outlet(article.source_name, source_id, article.url) in known:
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
            outlets.setdefault(str(aid), set()).add(article_outlet(name, sid, url))
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
            self._mark_dirty(groups)
        return SavedArticle(article_id, "changed", frozenset(groups))


    def unclustered_groups(self) -> list[str]:
        """Groups saved but not re-clustered since (a worker was killed between the two, or
        re-clustering was deferred). Re-clustering them repairs it.
        """
        rows = self.db.execute("SELECT name FROM dirty_groups").fetchall()
        return sorted(str(r[0]) for r in rows)

    def _insert_mentions(self, article_id: str, mentions: Sequence[Mention]) -> set[str]:
        """Insert (or update) an article's mentions and their entities; returns their groups.

        Prepared statements, not sqlite-utils' ``upsert``: that re-reads the table's columns on
        every call, which made storing mentions cost as much as extracting them
        (benchmarks/feeds.py). The mentions go in first, all at once; their entities after, in
        the same order as before, since resolving one may merge entities named earlier.
        """
        groups: set[str] = set()
        rows = []
        named: list[tuple[str, EntityMention]] = []
        for m in mentions:
            groups.add(m.cluster_key.split("|", 1)[0])
            timex = m.timex
            mention_id = "m" + short_hash(
                article_id, str(m.sentence_start), m.trigger, str(timex.start if timex else -1)
            )
            rows.append(
                (mention_id, article_id, m.sentence, m.sentence_start, m.sentence_end,
                 timex.text if timex else None, timex.type if timex else None,
                 timex.value if timex else None, timex.start if timex else None,
                 timex.end if timex else None, m.date_start.isoformat(), m.date_end.isoformat(),
                 m.precision, m.date_text, m.trigger, m.kind, m.title, m.confidence,
                 m.cluster_key, m.modality, m.group, m.trigger_start, m.sentence_key))
            named += [(mention_id, ent) for ent in m.entities]
        self._write_many(_UPSERT_MENTION, rows)
        for mention_id, ent in named:
            entity_id = self._upsert_entity(ent)
            self.db.execute(
                "INSERT OR IGNORE INTO mention_entities (mention_id, entity_id, surface) "
                "VALUES (?, ?, ?)",
                [mention_id, entity_id, ent.text],
            )
        self._restamp()
        return groups

    def _restamp(self) -> None:
        """Give the events shown with a changed entity (or that lost one) a new change
        number: to a syncing consumer they changed, though their own rows did not."""
        if not self._touched_entities and not self._touched_events:
            return
        entities, events = sorted(self._touched_entities), sorted(self._touched_events)
        self._touched_entities, self._touched_events = set(), set()
        with self._change_unit():
            now = clock.now().isoformat(timespec="seconds")
            seq = self._change_seq(now)
            for chunk, marks in in_chunks(entities):
                self.db.execute(
                    f"UPDATE events SET updated_at = ?, seq = ? WHERE status = 'active' AND id IN "
                    f"(SELECT event_id FROM event_entities WHERE entity_id IN ({marks}))",
                    [now, seq, *chunk])
            for chunk, marks in in_chunks(events):
                self.db.execute(f"UPDATE events SET updated_at = ?, seq = ? "
                                f"WHERE status = 'active' AND id IN ({marks})", [now, seq, *chunk])


def article_outlet(source_name: str | None, source_id: str | None, url: str | None) -> str:
    """Who published a copy: its outlet name, else its source, else its web host; articles
    with none of these are all one unknown source, not a source each."""
    return source_name or source_id or (urlsplit(url).netloc if url else "") or UNKNOWN_OUTLET


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _upsert_sql(table: str, columns: Sequence[str], *, literal: dict[str, str] | None = None
                ) -> str:
    """``INSERT ... ON CONFLICT(id) DO UPDATE`` of every column: what sqlite-utils' ``upsert``
    runs, prepared once instead of rebuilt (with a schema read) for every row."""
    literal = literal or {}
    values = ", ".join(literal.get(c, "?") for c in columns)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
            "ON CONFLICT(id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id"))


_UPSERT_ARTICLE = _upsert_sql("articles", (
    "id", "source_id", "source_name", "url", "canonical_url", "title", "published_at",
    "published_basis", "fetched_at", "language", "text", "text_hash", "extractor_version",
    "ingested_at", "truncated_from", "entry_hash",
))
_EVENT_COLUMNS = (
    "id", "cluster_key", "title", "kind", "date_start", "date_end", "precision", "date_text",
    "n_mentions", "n_articles", "n_sources", "score", "support", "summary", "confidence",
    "base_confidence", "quality", "first_seen_at", "updated_at", "status", "merged_into", "seq",
)
_UPSERT_EVENT = _upsert_sql("events", _EVENT_COLUMNS)
_MENTION_COLUMNS = (
    "id", "article_id", "event_id", "sentence", "sentence_start", "sentence_end", "timex_text",
    "timex_type", "timex_value", "timex_start", "timex_end", "date_start", "date_end",
    "precision", "date_text", "trigger", "kind", "title", "confidence", "cluster_key",
    "modality", "trigger_group", "trigger_start", "sentence_key",
)
# A re-saved mention loses its event: re-clustering its group assigns it again.
_UPSERT_MENTION = _upsert_sql("mentions", _MENTION_COLUMNS, literal={"event_id": "NULL"})


# Entity ids are hashes of folded names, and the same few names recur in every article.
_entity_key = lru_cache(maxsize=4096)(entity_key)


@lru_cache(maxsize=256)
def _text_hash(text: str) -> str:
    """``text_hash``, remembered: one article's text is hashed by several steps of one save."""
    return text_hash(text)
