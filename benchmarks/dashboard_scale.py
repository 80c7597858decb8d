"""Dashboard at scale: ``/api/aggregate`` and the zoom-in ``/api/events`` on 100,000 events.

    .venv/bin/python benchmarks/dashboard_scale.py [--events 100000] [--requests 200]
                                                   [--db FILE] [--json FILE]

1. Builds a synthetic database (``build``): ``--events`` events written straight into the
   ``events`` table by SQL (about 95% active, the rest merged; kinds, precisions, confidences,
   source counts spread over about six years), 300 entities and one to three
   ``event_entities`` links per event, so every filter of the API has rows to work on.
   ``--db`` keeps the file (built once, reused when it exists). No planner statistics are
   gathered unless ``--analyze`` (the tracker never runs ANALYZE, so that is the shipped case).
2. Times, through Flask's test client, ``--requests`` requests of each route with the response
   cache emptied before each one (so the database answers, not the cache):

   - ``aggregate``: ``/api/aggregate`` over ranges from a week to everything, with and without a
     kind, an entity, ``min_sources`` or a search, ``bucket=auto``;
   - ``overview``: ``/api/overview``;
   - ``zoom``: ``/api/events?from=&to=&limit=500`` (the detail a zoom loads);
   - ``baseline``: the naive way to the same counts, in the same run: every matching row
     fetched (``SELECT *``) and counted per week and kind in Python.

Prints p50/p95/max per route and the aggregate's p95 against the baseline's; exits 1 when a
target is missed (aggregate and overview p95 at most 50 ms, zoom p95 at most 300 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.store import Store  # noqa: E402

# The extractor's kinds (``tracker.models.EVENT_KINDS``), most frequent first: the API refuses
# any other with a 400.
KINDS = ("diplomacy", "conflict", "politics", "economy", "health", "legal", "other", "disaster")
PRECISIONS = (("day", 70), ("time", 5), ("week", 8), ("month", 7), ("year", 2),
              ("reported", 8))
FIRST_DAY = date(2020, 1, 1)
DAYS = 6 * 365
AGGREGATE_P95_MS = 50.0
ZOOM_P95_MS = 300.0
WORDS = ("talks", "ceasefire", "summit", "sanctions", "strike", "delegation", "vote",
         "agreement", "flood", "court", "ministers", "exchange", "prisoners", "grain", "port")


def build(path: Path, n_events: int = 100_000, *, seed: int = 7, n_entities: int = 300,
          analyze: bool = False, evidence: bool = False, merged_share: float = 0.05) -> Path:
    """A tracker database at ``path`` with ``n_events`` synthetic events (and entities), written
    straight into the tables; deterministic for a ``seed``. ``analyze``: also gather the query
    planner's statistics (the tracker itself never runs ANALYZE). ``evidence``: also write
    articles from a few sources and one to three mentions per event (``add_evidence``), so an
    export has sentences and links to read; the events are the same with or without it.
    ``merged_share``: the share of events written as merged into another (0: all active).
    Returns ``path``."""
    rng = random.Random(seed)
    Store(path).close()  # the schema, every migration step included
    conn = sqlite3.connect(path)
    try:
        entities = [(f"nsyn{i:05d}", f"Entity {i}", ("person", "place", "org")[i % 3],
                     json.dumps([f"Entity {i}", f"Alias{i}"])) for i in range(n_entities)]
        conn.executemany("INSERT INTO entities (id, name, kind, aliases) VALUES (?, ?, ?, ?)",
                         entities)
        precisions = [p for p, _ in PRECISIONS]
        weights = [w for _, w in PRECISIONS]
        events, links = [], []
        # Busier periods and quieter ones, as a story has: days drawn from a lumpy density.
        for i in range(n_events):
            centre = rng.choice((0.1, 0.3, 0.45, 0.5, 0.7, 0.9))
            offset = min(DAYS - 1, max(0, int(rng.gauss(centre, 0.12) * DAYS)))
            start = FIRST_DAY + timedelta(days=offset)
            precision = rng.choices(precisions, weights)[0]
            end = start + timedelta(days={"week": 6, "month": 29, "year": 364}.get(precision, 0))
            kind = KINDS[min(len(KINDS) - 1, int(rng.expovariate(0.6)))]
            event_id = f"esyn{i:07d}"
            title = " ".join(rng.sample(WORDS, 4))
            stamp = f"{start.isoformat()}T12:00:00+00:00"
            merged = rng.random() < merged_share
            events.append((
                event_id, f"{kind}|{i}", title, kind, start.isoformat(), end.isoformat(),
                precision, start.isoformat(), rng.randint(1, 9), rng.randint(1, 6),
                rng.choices((1, 2, 3, 4, 5), (50, 25, 12, 8, 5))[0], round(rng.random(), 4),
                stamp, stamp, "merged" if merged else "active", None,
                round(rng.random(), 4), json.dumps([f"{title}."])))
            for entity in rng.sample(range(n_entities), rng.randint(1, 3)):
                links.append((event_id, entities[entity][0], rng.randint(1, 4)))
        conn.executemany(
            "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
            "date_text, n_mentions, n_articles, n_sources, score, first_seen_at, updated_at, "
            "status, merged_into, confidence, summary) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
        conn.executemany("INSERT INTO event_entities (event_id, entity_id, n_mentions) "
                         "VALUES (?, ?, ?)", links)
        if evidence:
            # Its own random sequence, so the events above stay those of the same seed without.
            add_evidence(conn, [(e[0], e[3], e[4], e[5], e[6], e[7], e[2]) for e in events],
                         seed=seed + 1)
        conn.commit()
        if analyze:
            conn.execute("ANALYZE")
            conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


def ready(db: Path, n_events: int, **options: Any) -> Path:
    """The benchmark database at ``db``: built with ``build(db, n_events, **options)`` when
    absent, else reused with its schema brought up to date (``--db`` keeps one between runs)."""
    if db.exists():
        Store(db).close()
        return db
    t0 = time.perf_counter()
    build(db, n_events, **options)
    print(f"built {n_events:,} events in {time.perf_counter() - t0:.1f} s: {db}")
    return db


SOURCES = ("Harbour Herald", "Valley Times", "Coast Wire", "Capital Ledger", "Border Post")
EVENTS_PER_ARTICLE = 20  # about: each article reports this many events' worth of mentions


def add_evidence(conn: sqlite3.Connection,
                 events: list[tuple[str, str, str, str, str, str, str]], *, seed: int) -> None:
    """Sources, articles and one to three mentions per event for ``events`` (id, kind,
    date_start, date_end, precision, date_text, title), written through ``conn``: one article
    for about every ``EVENTS_PER_ARTICLE`` events, each from one of ``SOURCES`` (with its
    ``article_sources`` row), published a day or two after the events it reports; each mention
    a sentence of its article naming its event's title. Not committed."""
    rng = random.Random(seed)
    stamp = "2026-01-01T00:00:00+00:00"
    sources = [(f"ssyn{i}", "feed", f"https://{name.lower().replace(' ', '-')}.example/rss",
                name, stamp) for i, name in enumerate(SOURCES)]
    conn.executemany("INSERT INTO sources (id, kind, url, name, created_at) "
                     "VALUES (?, ?, ?, ?, ?)", sources)
    n_articles = max(1, len(events) // EVENTS_PER_ARTICLE)
    ordered = sorted(events, key=lambda e: (e[2], e[0]))
    articles, seen, mentions = [], [], []
    for a in range(n_articles):
        group = ordered[a * len(ordered) // n_articles:(a + 1) * len(ordered) // n_articles]
        if not group:
            continue
        source = sources[rng.randrange(len(sources))]
        published = (date.fromisoformat(group[-1][2]) + timedelta(days=rng.randint(1, 2)))
        url = f"https://{source[2].split('/')[2]}/{published:%Y/%m/%d}/story-{a}"
        article_id = f"asyn{a:07d}"
        articles.append((article_id, source[0], source[3], url, url, f"Story {a}",
                         f"{published.isoformat()}T08:00:00+00:00", "given",
                         f"{published.isoformat()}T09:00:00+00:00", "synthetic", f"h{a}", 1,
                         stamp))
        seen.append((article_id, source[0], source[3], url, stamp))
        offset = 0
        for event_id, kind, start, end, precision, date_text, title in group:
            for k in range(rng.choices((1, 2, 3), (50, 30, 20))[0]):
                sentence = f"{title.capitalize()} on {date_text}, officials said ({k})."
                mentions.append((
                    f"msyn{len(mentions):08d}", article_id, event_id, sentence, offset,
                    offset + len(sentence), start, end, precision, date_text,
                    title.split()[0], kind, title, round(rng.uniform(0.5, 1.0), 4),
                    f"{kind}|{event_id}", "asserted", f"k{event_id}{k}"))
                offset += len(sentence) + 1
    conn.executemany(
        "INSERT INTO articles (id, source_id, source_name, url, canonical_url, title, "
        "published_at, published_basis, fetched_at, text, text_hash, extractor_version, "
        "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
    conn.executemany("INSERT INTO article_sources (article_id, source_id, source_name, url, "
                     "first_seen_at) VALUES (?, ?, ?, ?, ?)", seen)
    conn.executemany(
        "INSERT INTO mentions (id, article_id, event_id, sentence, sentence_start, "
        "sentence_end, date_start, date_end, precision, date_text, trigger, kind, title, "
        "confidence, cluster_key, modality, sentence_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mentions)


def _ranges(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` (from, to) ranges: a week, a month, a quarter, a year, three years, everything."""
    out = []
    for _ in range(n):
        length = rng.choice((7, 31, 92, 365, 3 * 365, DAYS))
        first = FIRST_DAY + timedelta(days=rng.randint(0, max(0, DAYS - length)))
        out.append((first.isoformat(), (first + timedelta(days=length - 1)).isoformat()))
    return out


def aggregate_urls(rng: random.Random, n: int) -> list[str]:
    urls = []
    for first, last in _ranges(rng, n):
        params: dict[str, Any] = {"from": first, "to": last, "bucket": "auto"}
        extra = rng.random()
        if extra < 0.3:
            params["kind"] = rng.choice(KINDS)
        elif extra < 0.4:
            params["entity"] = f"Entity {rng.randrange(300)}"
        elif extra < 0.5:
            params["min_sources"] = 2
        elif extra < 0.55:
            params["q"] = rng.choice(WORDS)
        elif extra < 0.6:
            params.pop("from")
            params.pop("to")
        urls.append("/api/aggregate?" + urlencode(params))
    return urls


def zoom_urls(rng: random.Random, n: int) -> list[str]:
    urls = []
    for _ in range(n):
        length = rng.choice((7, 14, 31, 92))
        first = FIRST_DAY + timedelta(days=rng.randint(0, DAYS - length))
        params: dict[str, Any] = {"from": first.isoformat(),
                                  "to": (first + timedelta(days=length - 1)).isoformat(),
                                  "limit": 500}
        if rng.random() < 0.3:
            params["kind"] = rng.choice(KINDS)
        urls.append("/api/events?" + urlencode(params))
    return urls


def naive_counts(db: Path, first: str, last: str, kind: str | None) -> Counter[tuple[str, str]]:
    """The baseline: every matching event fetched whole and counted per week and kind."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        sql = ("SELECT * FROM events WHERE status = 'active' AND confidence >= 0.55 "
               "AND date_end >= ? AND date_start <= ?")
        params: list[Any] = [first, last]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        counts: Counter[tuple[str, str]] = Counter()
        for row in conn.execute(sql, params):
            day = max(date.fromisoformat(row["date_start"]), date.fromisoformat(first))
            monday = day - timedelta(days=day.weekday())
            counts[(monday.isoformat(), row["kind"])] += 1
        return counts
    finally:
        conn.close()


def timed(calls: list[Callable[[], Any]]) -> list[float]:
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"n": len(ms), "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            "max": round(ordered[-1], 2)}


def run(db: Path, n_requests: int, *, seed: int = 11) -> dict[str, Any]:
    from web import create_app
    from web.cache import response_cache

    app = create_app({"DATABASE": str(db), "TESTING": True})
    client = app.test_client()
    rng = random.Random(seed)

    def get(url: str) -> Callable[[], Any]:
        def call() -> Any:
            with app.app_context():
                response_cache().changed()  # the database answers, not the cache
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code} {response.get_data()!r}")
            return response.get_json()
        return call

    client.get("/api/overview")  # open the thread's connection, warm the page cache
    results: dict[str, Any] = {}
    results["aggregate"] = summary(timed([get(u) for u in aggregate_urls(rng, n_requests)]))
    results["overview"] = summary(timed([get("/api/overview")] * n_requests))
    results["zoom"] = summary(timed([get(u) for u in zoom_urls(rng, n_requests)]))
    # Baseline and the same questions asked of the aggregate, range for range.
    pairs = []
    for first, last in _ranges(rng, n_requests):
        kind = rng.choice((None, None, *KINDS))
        params = {"from": first, "to": last, "bucket": "week", **({"kind": kind} if kind else {})}
        pairs.append(((first, last, kind), "/api/aggregate?" + urlencode(params)))
    results["baseline"] = summary(timed(
        [(lambda a=args: naive_counts(db, *a)) for args, _ in pairs]))
    results["aggregate_same_ranges"] = summary(timed([get(u) for _, u in pairs]))
    # The two agree.
    (first, last, kind), url = pairs[0]
    served = get(url)()
    assert Counter({(b["start"], b["kind"]): b["count"] for b in served["buckets"]}) \
        == naive_counts(db, first, last, kind), "aggregate and baseline disagree"
    results["ratio_p95_baseline_over_aggregate"] = round(
        results["baseline"]["p95"] / max(results["aggregate_same_ranges"]["p95"], 1e-6), 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", type=Path, help="keep the database here (reused if present)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE on the new database (planner statistics)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = ready(args.db or Path(tmp) / "scale.db", args.events, analyze=args.analyze)
        results = run(db, args.requests)
    results["events"] = args.events
    for name in ("aggregate", "overview", "zoom", "baseline", "aggregate_same_ranges"):
        r = results[name]
        print(f"{name:22} n={r['n']:4}  p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  "
              f"max {r['max']:7.2f} ms")
    print(f"baseline p95 / aggregate p95 (same ranges): "
          f"{results['ratio_p95_baseline_over_aggregate']}x")
    misses = []
    if results["aggregate"]["p95"] > AGGREGATE_P95_MS:
        misses.append(f"aggregate p95 {results['aggregate']['p95']} ms > {AGGREGATE_P95_MS}")
    if results["overview"]["p95"] > AGGREGATE_P95_MS:
        misses.append(f"overview p95 {results['overview']['p95']} ms > {AGGREGATE_P95_MS}")
    if results["zoom"]["p95"] > ZOOM_P95_MS:
        misses.append(f"zoom p95 {results['zoom']['p95']} ms > {ZOOM_P95_MS}")
    print("targets: " + ("met" if not misses else "MISSED: " + "; ".join(misses)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
