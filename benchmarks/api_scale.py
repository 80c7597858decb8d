"""``/api/events`` at 1,000,000 events: a page of 500 by date and by ``updated_since``.

    .venv/bin/python benchmarks/api_scale.py [--events 1000000] [--requests 200] [--db FILE]

1. Builds the synthetic database of ``benchmarks/dashboard_scale.py`` (``--db`` keeps it, built
   once and reused), then numbers its events' changes the way ingestion writes them
   (``number_changes``): in commits of 1,000 events, a minute apart, each with its
   ``event_changes`` row, so ``updated_since`` has a history to page through.
2. Times, through Flask's test client with the response cache emptied before each request,
   ``--requests`` requests of each kind:

   - ``list``: ``/api/events?limit=500`` from a random place in the timeline (the cursor of a
     random event), a third with a kind, a sixth with a date range, a sixth with
     ``min_sources``: each page as a consumer reaches it by following ``next_url``;
   - ``sync``: ``/api/events?updated_since=<token>&limit=500`` from a random change, and from a
     random time;
   - ``baseline``: the same pages as ``list`` read the naive way, by ``OFFSET`` (what keyset
     paging replaces), in the same run.

Prints p50/p95/max per kind and the baseline's p95 over the list's; exits 1 when a target is
missed (``list`` and ``sync`` p95 at most 50 ms).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.dashboard_scale import KINDS, ready, summary, timed  # noqa: E402
from tracker.query import encode_cursor, encode_position  # noqa: E402

P95_MS = 50.0
PAGE = 500
COMMIT = 1000  # events per numbered change, as ingestion commits them


def number_changes(db: Path) -> int:
    """Give every event a change number in commits of ``COMMIT`` events (in id order), a
    minute apart from 2026-01-01, with ``updated_at`` to match; returns the commits. Skipped
    when the events are numbered already."""
    conn = sqlite3.connect(db)
    try:
        if conn.execute("SELECT COUNT(*) FROM event_changes WHERE seq > 0").fetchone()[0]:
            return int(conn.execute("SELECT MAX(seq) FROM event_changes").fetchone()[0])
        ids = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
        commits = 0
        for start in range(0, len(ids), COMMIT):
            commits += 1
            minute = commits - 1
            at = f"2026-01-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}" \
                 f":00+00:00"
            conn.execute("INSERT INTO event_changes (seq, at) VALUES (?, ?)", [commits, at])
            conn.executemany("UPDATE events SET seq = ?, updated_at = ? WHERE id = ?",
                             [(commits, at, i) for i in ids[start:start + COMMIT]])
        conn.commit()
        return commits
    finally:
        conn.close()


def list_pages(db: Path, rng: random.Random, n: int) -> list[tuple[dict[str, Any], int]]:
    """``n`` pages a consumer reaches: (query parameters, rows before the page in the same
    order, for the OFFSET baseline)."""
    conn = sqlite3.connect(db)
    try:
        out = []
        for _ in range(n):
            params: dict[str, Any] = {"limit": PAGE}
            where, args = ["status = 'active'", "confidence >= 0.55"], []
            extra = rng.random()
            if extra < 0.33:
                params["kind"] = rng.choice(KINDS[:4])
                where.append("kind = ?")
                args.append(params["kind"])
            elif extra < 0.5:
                first = f"{rng.randint(2020, 2024)}-{rng.randint(1, 12):02d}-01"
                params.update({"from": first, "to": f"{int(first[:4]) + 1}{first[4:]}"})
                where += ["date_end >= ?", "date_start <= ?"]
                args += [params["from"], params["to"]]
            elif extra < 0.67:
                params["min_sources"] = 2
                where.append("n_sources >= 2")
            sql = f"FROM events WHERE {' AND '.join(where)}"
            total = conn.execute(f"SELECT COUNT(*) {sql}", args).fetchone()[0]
            offset = rng.randrange(max(1, total - PAGE))
            row = conn.execute(f"SELECT date_start, id {sql} ORDER BY date_start, id "
                               f"LIMIT 1 OFFSET ?", [*args, offset]).fetchone()
            if row is not None:
                params["after"] = encode_cursor(row[0], row[1])
            out.append((params, offset + 1))
        return out
    finally:
        conn.close()


def run(db: Path, n_requests: int, *, seed: int = 13) -> dict[str, Any]:
    from web import create_app
    from web.cache import response_cache

    app = create_app({"DATABASE": str(db), "TESTING": True})
    client = app.test_client()
    rng = random.Random(seed)
    commits = number_changes(db)

    def get(url: str) -> Any:
        def call() -> None:
            with app.app_context():
                response_cache().changed()  # the database answers, not the cache
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
            assert len(response.get_json()["events"]) <= PAGE
        return call

    client.get("/api/events?limit=1")  # open the thread's connection
    pages = list_pages(db, rng, n_requests)
    results: dict[str, Any] = {"commits": commits}
    results["list"] = summary(timed([get("/api/events?" + urlencode(p)) for p, _ in pages]))
    sync_urls = []
    for i in range(n_requests):
        if i % 2:
            position = encode_position(rng.randint(1, commits), "")
        else:
            minute = rng.randrange(commits)
            position = f"2026-01-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:" \
                       f"{minute % 60:02d}:00Z"
        sync_urls.append("/api/events?" + urlencode({"updated_since": position,
                                                     "limit": PAGE}))
    results["sync"] = summary(timed([get(u) for u in sync_urls]))

    conn = sqlite3.connect(db)

    def offset_page(params: dict[str, Any], offset: int) -> Any:
        def call() -> None:
            where, args = ["status = 'active'", "confidence >= 0.55"], []
            if "kind" in params:
                where.append("kind = ?")
                args.append(params["kind"])
            if "from" in params:
                where += ["date_end >= ?", "date_start <= ?"]
                args += [params["from"], params["to"]]
            if "min_sources" in params:
                where.append("n_sources >= 2")
            conn.execute(f"SELECT * FROM events WHERE {' AND '.join(where)} "
                         f"ORDER BY date_start, id LIMIT ? OFFSET ?",
                         [*args, PAGE, offset]).fetchall()
        return call

    results["baseline"] = summary(timed([offset_page(p, o) for p, o in pages]))
    conn.close()
    results["ratio_p95_baseline_over_list"] = round(
        results["baseline"]["p95"] / max(results["list"]["p95"], 1e-6), 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", type=Path, help="keep the database here (reused if present)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = ready(args.db or Path(tmp) / "api.db", args.events)
        results = run(db, args.requests)
    print(f"{args.events} events, {results['commits']} numbered commits")
    for name in ("list", "sync", "baseline"):
        r = results[name]
        print(f"{name:9} n={r['n']:4}  p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  "
              f"max {r['max']:7.2f} ms")
    print(f"baseline p95 / list p95: {results['ratio_p95_baseline_over_list']}x")
    misses = [f"{name} p95 {results[name]['p95']} ms > {P95_MS}" for name in ("list", "sync")
              if results[name]["p95"] > P95_MS]
    print("targets: " + ("met" if not misses else "MISSED: " + "; ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
