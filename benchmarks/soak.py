"""Soak test: the real web server under 20 steady readers, first alone, then while articles pour in.

    .venv/bin/python benchmarks/soak.py [--seconds 300] [--clients 20] [--articles 3000]
                                        [--batch 25] [--threads N] [--views 1000]
                                        [--json FILE]

1. Seeds a fresh database with ``--articles`` news-like articles (``tests/newsfeed.py``) through
   `tracker ingest`.
2. Starts `tracker serve` on 127.0.0.1 at a free port (its default waitress settings unless
   ``--threads`` is given).
3. Phase "read only": ``--clients`` threads each keep one connection and alternate
   ``GET /api/events`` and ``GET /`` for ``--seconds``, each request with one of ``--views``
   query strings (date windows, kinds, searches, page sizes) picked at random, so that the
   server's response cache does not answer for the database.
4. Phase "during ingest": the same readers while a writer runs `tracker ingest` on batch after
   batch of new generated articles (``--batch`` each), for ``--seconds`` again.

Prints p50/p99/max latency per route and phase, 5xx answers, "database is locked" (in
answers, and in the server's and the writer's logs) and connection errors; then the targets:
``/api/events`` p99 at most 250 ms when reading only, and during ingestion no errors and p99 at
most 1 s. Exits 1 when a target is missed. Every process it starts runs with
``TRACKER_ALLOW_PRIVATE_NETWORKS=1``, and it never sends a request beyond 127.0.0.1. It does not
measure the export (``tests/test_web_security.py`` does).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.newsfeed import article  # noqa: E402

HOST = "127.0.0.1"  # the only address this benchmark talks to
ROUTES = ("/api/events", "/")
OUTLETS = ["Harbour Times", "Continental Wire", "Valley Courier", "Morning Ledger"]
READ_ONLY_P99_MS = 250
INGEST_P99_MS = 1000
ENV = {**os.environ, "TRACKER_ALLOW_PRIVATE_NETWORKS": "1", "PYTHONUNBUFFERED": "1"}
LOCKED = b"database is locked"


def tracker(*args: str) -> list[str]:
    return [sys.executable, "-m", "tracker.cli", *args]


def write_articles(path: Path, first: int, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(first, first + n):
            a = article(i)
            out.write(json.dumps({"url": a.url, "title": a.title, "text": a.text,
                                  "published": a.published.isoformat(),
                                  "source": OUTLETS[i % len(OUTLETS)]}) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Tally:
    """What the readers saw on one route in one phase."""

    latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    locked: int = 0
    failures: int = 0  # connection errors, timeouts

    def row(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        if not ms:  # no answer at all counts as infinitely slow
            ms = [float("inf")]
        return {"requests": len(self.latencies), "p50_ms": round(statistics.median(ms), 1),
                "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 1),
                "max_ms": round(ms[-1], 1), "5xx": self.server_errors,
                "locked": self.locked, "errors": self.failures}


def views(count: int) -> list[str]:
    """``count`` different questions to ask of each route: date windows, kinds, page sizes and
    searches, as many readers with their own filters would. One view is everyone asking the
    same thing (the server's response cache then answers nearly all); thousands defeat it."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    kinds = ["", "diplomacy", "conflict", "politics", "economy", "disaster", "legal"]
    queries = ["", "ceasefire", "minister", "port", "election"]
    limits = [20, 50, 100]
    found: list[str] = []
    for n in range(count):
        parts = {"from": f"{months[n % 12]}-01", "to": f"{months[(n // 12) % 12]}-28",
                 "kind": kinds[(n // 144) % len(kinds)], "q": queries[(n // 7) % len(queries)],
                 "limit": str(limits[(n // 35) % len(limits)])}
        if parts["from"] > parts["to"]:
            parts["from"], parts["to"] = parts["to"], parts["from"]
        found.append("?" + urlencode({k: v for k, v in parts.items() if v}) if n else "")
    return found


def reader(port: int, stop: threading.Event, tallies: dict[str, Tally], lock: threading.Lock,
           offset: int, questions: list[str]) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    rng = random.Random(offset)
    i = offset
    while not stop.is_set():
        route = ROUTES[i % len(ROUTES)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", route + rng.choice(questions),
                         headers={"Accept-Encoding": "identity"})
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            with lock:
                tallies[route].failures += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        with lock:
            tally = tallies[route]
            tally.latencies.append(elapsed)
            if status >= 500:
                tally.server_errors += 1
            if LOCKED in body:
                tally.locked += 1
    conn.close()


def run_phase(port: int, clients: int, seconds: float,
              questions: list[str]) -> dict[str, Tally]:
    tallies = {route: Tally() for route in ROUTES}
    lock, stop = threading.Lock(), threading.Event()
    threads = [threading.Thread(target=reader, args=(port, stop, tallies, lock, n, questions),
                                daemon=True)
               for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(35)
    return tallies


class Writer(threading.Thread):
    """`tracker ingest` of one fresh batch after another until stopped."""

    def __init__(self, db: Path, folder: Path, first: int, batch: int) -> None:
        super().__init__(daemon=True)
        self.db, self.folder, self.next, self.batch = db, folder, first, batch
        self.stop = threading.Event()
        self.batches = self.articles = self.failed_runs = self.locked = 0
        self.log: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            path = self.folder / f"batch-{self.next}.jsonl"
            write_articles(path, self.next, self.batch)
            self.next += self.batch
            result = subprocess.run(
                tracker("--db", str(self.db), "ingest", str(path), "--no-progress",
                        "--processes", "0"),
                capture_output=True, text=True, env=ENV, cwd=ROOT)
            self.batches += 1
            self.articles += self.batch
            self.locked += result.stderr.count("database is locked")
            if result.returncode != 0:
                self.failed_runs += 1
                self.log.append(result.stderr[-500:])
            path.unlink()


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("tracker serve exited before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tracker serve did not answer within 60 s")


def print_table(results: dict[str, dict[str, Tally]]) -> None:
    print(f"{'phase':15} {'route':12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'5xx':>5} {'locked':>6} {'errors':>6}")
    for phase, tallies in results.items():
        for route, tally in tallies.items():
            r = tally.row()
            print(f"{phase:15} {route:12} {r['requests']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} "
                  f"{r['max_ms']:>8} {r['5xx']:>5} {r['locked']:>6} {r['errors']:>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="length of each phase")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--articles", type=int, default=3000, help="articles seeded first")
    parser.add_argument("--batch", type=int, default=25, help="articles per ingest run")
    parser.add_argument("--threads", type=int, default=None,
                        help="waitress threads (default: tracker serve's own)")
    parser.add_argument("--views", type=int, default=1000,
                        help="different questions per route, picked at random by each reader "
                             "(1: all ask the same and the response cache answers)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(tmp)
        db = folder / "soak.db"
        seed = folder / "seed.jsonl"
        write_articles(seed, 0, args.articles)
        started = time.monotonic()
        subprocess.run(tracker("--db", str(db), "ingest", str(seed), "--no-progress"),
                       check=True, env=ENV, cwd=ROOT, stderr=subprocess.DEVNULL)
        print(f"seeded {args.articles} articles in {time.monotonic() - started:.0f} s "
              f"({db.stat().st_size / 1e6:.0f} MB)", flush=True)

        port = free_port()
        server_log = (folder / "serve.log").open("w+b")
        options = ["--threads", str(args.threads)] if args.threads else []
        server = subprocess.Popen(tracker("--db", str(db), "serve", "--host", HOST, "--port",
                                          str(port), *options),
                                  env=ENV, cwd=ROOT, stdout=server_log, stderr=server_log)
        results: dict[str, dict[str, Tally]] = {}
        writer = Writer(db, folder, args.articles, args.batch)
        try:
            wait_ready(port, server)
            print(f"phase 1: {args.clients} readers, no ingestion, {args.seconds:.0f} s",
                  flush=True)
            results["read only"] = run_phase(port, args.clients, args.seconds, views(args.views))
            print(f"phase 2: {args.clients} readers while ingesting, {args.seconds:.0f} s",
                  flush=True)
            writer.start()
            results["during ingest"] = run_phase(port, args.clients, args.seconds,
                                                 views(args.views))
        finally:
            writer.stop.set()
            writer.join(300)
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        server_log.seek(0)
        log = server_log.read()
        server_log.close()

    server_locked = log.count(LOCKED)
    tracebacks = log.count(b"Traceback")
    print()
    print_table(results)
    print(f"\ningestion: {writer.batches} runs of `tracker ingest`, {writer.articles} articles "
          f"({writer.articles / args.seconds:.1f}/s), {writer.failed_runs} failed runs, "
          f"'database is locked' {writer.locked} times in its logs")
    print(f"server log: 'database is locked' {server_locked} times, {tracebacks} tracebacks")

    events_p99 = results["read only"]["/api/events"].row()["p99_ms"]
    during = [t.row() for t in results["during ingest"].values()]
    ingest_errors = sum(r["5xx"] + r["locked"] + r["errors"] for r in during) \
        + writer.failed_runs + writer.locked + server_locked
    ingest_p99 = max(r["p99_ms"] for r in during)
    checks = [
        (f"read only: /api/events p99 {events_p99} ms <= {READ_ONLY_P99_MS} ms",
         events_p99 <= READ_ONLY_P99_MS),
        (f"during ingest: {ingest_errors} errors == 0", ingest_errors == 0),
        (f"during ingest: worst route p99 {ingest_p99} ms <= {INGEST_P99_MS} ms",
         ingest_p99 <= INGEST_P99_MS),
    ]
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seconds": args.seconds, "clients": args.clients, "articles": args.articles,
            "phases": {p: {r: t.row() for r, t in ts.items()} for p, ts in results.items()},
            "ingest": {"runs": writer.batches, "articles": writer.articles,
                       "failed_runs": writer.failed_runs, "locked": writer.locked},
            "server_log": {"locked": server_locked, "tracebacks": tracebacks},
            "targets_met": all(ok for _, ok in checks)}, indent=1))
    for failure in writer.log[:3]:
        print(f"ingest failure: {failure}", file=sys.stderr)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
