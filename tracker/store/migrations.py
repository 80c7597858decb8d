"""Schema migrations: an ordered list of SQL steps, applied once each, tracked by user_version.

A database written by a newer version of the tracker (user_version above what we know) is
refused rather than guessed at. This module holds DDL only; reading and writing rows is in
``tracker.store.db``.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

from tracker.errors import StoreError

# Each step is applied in one transaction. Never edit a step that has shipped: add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: the data model of the design guide.
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('feed', 'page', 'dir', 'jsonl', 'file')),
        url TEXT NOT NULL,
        name TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'en',
        interval INTEGER NOT NULL DEFAULT 3600,
        enabled INTEGER NOT NULL DEFAULT 1,
        fetch_pages INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        next_due_at TEXT,
        last_run_at TEXT,
        last_ok_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        source_id TEXT REFERENCES sources(id) ON DELETE SET NULL,
        source_name TEXT,
        url TEXT,
        canonical_url TEXT,
        title TEXT NOT NULL,
        published_at TEXT,
        published_basis TEXT NOT NULL,
        fetched_at TEXT,
        language TEXT NOT NULL DEFAULT 'en',
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        extractor_version INTEGER NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
        WHERE canonical_url IS NOT NULL;
    CREATE INDEX articles_text_hash ON articles(text_hash);
    CREATE INDEX articles_published_at ON articles(published_at);
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        cluster_key TEXT NOT NULL,
        title TEXT NOT NULL,
        kind TEXT NOT NULL,
        date_start TEXT NOT NULL,
        date_end TEXT NOT NULL,
        precision TEXT NOT NULL,
        date_text TEXT NOT NULL,
        n_mentions INTEGER NOT NULL DEFAULT 0,
        n_articles INTEGER NOT NULL DEFAULT 0,
        n_sources INTEGER NOT NULL DEFAULT 0,
        score REAL NOT NULL DEFAULT 0,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged')),
        merged_into TEXT
    );
    CREATE INDEX events_dates ON events(status, date_start, id);
    CREATE INDEX events_cluster_key ON events(cluster_key);
    CREATE TABLE mentions (
        id TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        event_id TEXT REFERENCES events(id),
        sentence TEXT NOT NULL,
        sentence_start INTEGER NOT NULL,
        sentence_end INTEGER NOT NULL,
        timex_text TEXT,
        timex_type TEXT,
        timex_value TEXT,
        timex_start INTEGER,
        timex_end INTEGER,
        date_start TEXT NOT NULL,
        date_end TEXT NOT NULL,
        precision TEXT NOT NULL,
        date_text TEXT NOT NULL,
        trigger TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        confidence REAL NOT NULL,
        cluster_key TEXT NOT NULL
    );
    CREATE INDEX mentions_article ON mentions(article_id);
    CREATE INDEX mentions_event ON mentions(event_id);
    CREATE INDEX mentions_cluster_key ON mentions(cluster_key);
    CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('person', 'place', 'org')),
        aliases TEXT NOT NULL DEFAULT '[]',
        role TEXT,
        match_key TEXT,
        lat REAL,
        lon REAL
    );
    CREATE INDEX entities_match_key ON entities(kind, match_key);
    CREATE TABLE mention_entities (
        mention_id TEXT NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        entity_id TEXT NOT NULL REFERENCES entities(id),
        surface TEXT NOT NULL,
        PRIMARY KEY (mention_id, entity_id)
    );
    CREATE INDEX mention_entities_entity ON mention_entities(entity_id);
    CREATE TABLE event_entities (
        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        entity_id TEXT NOT NULL REFERENCES entities(id),
        n_mentions INTEGER NOT NULL,
        PRIMARY KEY (event_id, entity_id)
    );
    CREATE INDEX event_entities_entity ON event_entities(entity_id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        source_id TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running'
            CHECK (status IN ('running', 'ok', 'partial', 'failed')),
        n_new INTEGER NOT NULL DEFAULT 0,
        n_unchanged INTEGER NOT NULL DEFAULT 0,
        n_failed INTEGER NOT NULL DEFAULT 0,
        n_events INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        detail TEXT
    );
    CREATE INDEX runs_source ON runs(source_id, started_at);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: every (article, source/outlet, url) an article was seen under, so a syndicated copy
    # adds an outlet to the article it copies instead of a new article; back-filled from the
    # articles' own source. COALESCE in the unique index: NULLs would otherwise never collide.
    """
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source_id TEXT,  -- no foreign key: removing a source must not merge or drop rows
        source_name TEXT,
        url TEXT,
        first_seen_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX article_sources_seen ON article_sources(
        article_id, COALESCE(source_id, ''), COALESCE(source_name, ''), COALESCE(url, ''));
    CREATE INDEX article_sources_source ON article_sources(source_id);
    INSERT OR IGNORE INTO article_sources (article_id, source_id, source_name, url, first_seen_at)
        SELECT id, source_id, source_name, url, ingested_at FROM articles;
    """,
    # 3: the days each article refers to (any sentence, day precision), and an event's own
    # support apart from its score, so importance can count later references to its day.
    """
    CREATE TABLE date_refs (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        PRIMARY KEY (article_id, day)
    ) WITHOUT ROWID;
    CREATE INDEX date_refs_day ON date_refs(day);
    ALTER TABLE events ADD COLUMN support REAL NOT NULL DEFAULT 0;
    UPDATE events SET support = score;
    """,
    # 4: the story, not the noise. Mentions say how they were told (modality), which trigger
    # group and where the trigger is, and which sentence they come from (sentence_key), so that
    # a sentence recurring across an outlet's articles (page furniture) can be set aside: its
    # sightings per outlet are kept in article_sentences, the recurring ones in furniture.
    # Events get a summary and a confidence. Date references name their sentence too. Groups
    # saved but not yet re-clustered are listed in dirty_groups (they were found by mentions
    # without an event, but furniture mentions now rightly have none). The events' full-text
    # index is rebuilt with the summary.
    """
    ALTER TABLE mentions ADD COLUMN modality TEXT NOT NULL DEFAULT 'asserted';
    ALTER TABLE mentions ADD COLUMN trigger_group TEXT NOT NULL DEFAULT '';
    ALTER TABLE mentions ADD COLUMN trigger_start INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mentions ADD COLUMN sentence_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN summary TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE events ADD COLUMN confidence REAL NOT NULL DEFAULT 1;
    ALTER TABLE events ADD COLUMN base_confidence REAL NOT NULL DEFAULT 1;
    ALTER TABLE events ADD COLUMN quality REAL NOT NULL DEFAULT 1;
    CREATE INDEX events_rank ON events(status, precision, score);
    CREATE TABLE date_refs_v4 (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        sentence_key TEXT NOT NULL,
        PRIMARY KEY (article_id, day, sentence_key)
    ) WITHOUT ROWID;
    INSERT INTO date_refs_v4 (article_id, day, sentence_key)
        SELECT article_id, day, '' FROM date_refs;
    DROP TABLE date_refs;
    ALTER TABLE date_refs_v4 RENAME TO date_refs;
    CREATE INDEX date_refs_day ON date_refs(day);
    CREATE INDEX date_refs_sentence ON date_refs(sentence_key);
    CREATE TABLE article_sentences (
        outlet TEXT NOT NULL,
        sentence_key TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (outlet, sentence_key, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_sentences_article ON article_sentences(article_id);
    CREATE TABLE furniture (
        outlet TEXT NOT NULL,
        sentence_key TEXT NOT NULL,
        n_articles INTEGER NOT NULL,
        PRIMARY KEY (outlet, sentence_key)
    ) WITHOUT ROWID;
    CREATE INDEX mentions_sentence ON mentions(sentence_key);
    CREATE TABLE dirty_groups (name TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT OR IGNORE INTO dirty_groups (name)
        SELECT DISTINCT substr(cluster_key, 1, instr(cluster_key, '|') - 1) FROM mentions
        WHERE event_id IS NULL;
    DROP TRIGGER IF EXISTS events_ai;
    DROP TRIGGER IF EXISTS events_ad;
    DROP TRIGGER IF EXISTS events_au;
    DROP TABLE IF EXISTS events_fts;
    """,
    # 5: hardening. An article whose text was cut to the per-article cap records how long it
    # was; an article from a feed entry records the entry's fingerprint, so an unchanged
    # summary-only entry does not fetch its page again; a run records the process that started
    # it, so a run whose process died can be closed as interrupted by whoever starts next.
    """
    ALTER TABLE articles ADD COLUMN truncated_from INTEGER;
    ALTER TABLE articles ADD COLUMN entry_hash TEXT;
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    """,
    # 6: the dashboard at 100,000 events. Covering indexes for counting events per period and
    # kind (``tracker.aggregate``) and for the event list's count: every column the filters and
    # the grouping read, so neither touches the events' rows; one in date order, one per kind.
    """
    CREATE INDEX events_density ON events(
        status, date_start, kind, date_end, confidence, n_sources, precision);
    CREATE INDEX events_density_kind ON events(
        status, kind, date_start, date_end, confidence, n_sources, precision);
    """,
    # 7: incremental sync. Events that disappear are kept as ``removed`` tombstones, so a
    # consumer syncing with ``updated_since`` learns that they went: the status CHECK admits
    # the new value, changed in place as SQLite's ALTER TABLE page describes for loosening a
    # constraint (no row changes, so no table copy); ``_after_step`` moves the schema cookie
    # on, so every connection reads the new definition.
    """
    PRAGMA writable_schema = ON;
    UPDATE sqlite_master SET sql = replace(sql,
        'CHECK (status IN (''active'', ''merged''))',
        'CHECK (status IN (''active'', ''merged'', ''removed''))')
        WHERE type = 'table' AND name = 'events';
    PRAGMA writable_schema = OFF;
    """,
    # 8: change numbers. Each transaction that writes events (new, changed, merged, removed)
    # records itself in ``event_changes`` and stamps the rows it writes with that number.
    # Taken inside the write transaction, which holds SQLite's one write lock until it
    # commits, the numbers follow the order in which changes become visible: a consumer
    # resuming after the last (number, id) it saw misses nothing. A time maps to the first
    # number written at or after it. The rows written before this step share number 0,
    # recorded at the latest of their times. (A step of its own: ALTER TABLE must read the
    # definition step 7 wrote.)
    """
    CREATE TABLE event_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL
    );
    CREATE INDEX event_changes_at ON event_changes(at);
    INSERT INTO event_changes (seq, at)
        SELECT 0, MAX(updated_at) FROM events HAVING COUNT(*) > 0;
    ALTER TABLE events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX events_sync ON events(seq, id);
    """,
    # 9: a million events. A page of one kind's events in (date, id) order, read straight
    # from an index (walking every kind's dates to pick one kind's took twice as long); and
    # the longest span of an event at the end of an expression index (the event list's lower
    # bound on dates), where computing it read every event (0.2 s after each write).
    """
    CREATE INDEX events_kind_dates ON events(status, kind, date_start, id);
    CREATE INDEX events_span ON events(status, julianday(date_end) - julianday(date_start));
    """,
    # 10: one rule for undated articles. A source may carry the publication day that its
    # files and records without one take (``published``, YYYY-MM-DD), as `ingest --published`
    # gives it on the command line.
    """
    ALTER TABLE sources ADD COLUMN published TEXT;
    """,
)

FTS_TABLES: dict[str, tuple[str, ...]] = {
    "events": ("title", "date_text", "summary"),
    "articles": ("title", "text"),
}


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; returns the schema version now in force.

    Safe when several processes open a new or old database at the same moment (`make run`
    starts the worker and the web server together): each step takes the write lock first and
    reads the version again under it, so a step another process has just applied is skipped.
    """
    version = _version(db)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"database schema version {version} is newer than this tracker knows "
            f"({len(MIGRATIONS)}); upgrade the tracker"
        )
    conn = db.conn
    while version < len(MIGRATIONS):
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db)
            if version < len(MIGRATIONS):
                for statement in _statements(MIGRATIONS[version]):
                    conn.execute(statement)
                _after_step(conn, version + 1)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    _ensure_fts(db)
    return len(MIGRATIONS)


def _version(db: sqlite_utils.Database) -> int:
    return int(next(iter(db.execute("PRAGMA user_version").fetchone())))


def _ensure_fts(db: sqlite_utils.Database) -> None:
    """Create the full-text indexes and their triggers where missing.

    sqlite-utils builds them with ``executescript``, which commits, so this cannot share the
    migration's transaction; it is idempotent instead, and a process that loses the race to
    create one finds it made by the other.
    """
    for table, columns in FTS_TABLES.items():
        if db.table(f"{table}_fts").exists():
            continue
        try:
            db.table(table).enable_fts(list(columns), create_triggers=True, tokenize="porter")
        except sqlite3.OperationalError as exc:
            if "already exists" not in str(exc):
                raise


def _after_step(conn: sqlite3.Connection, step: int) -> None:
    """What a step needs beyond its SQL: step 7 edited a table's definition in place, which
    SQLite notices only when the schema cookie moves."""
    if step == 7:
        cookie = int(conn.execute("PRAGMA schema_version").fetchone()[0])
        conn.execute(f"PRAGMA schema_version = {cookie + 1}")


def _statements(script: str) -> list[str]:
    """Split a DDL script on semicolons (our DDL never has semicolons inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
