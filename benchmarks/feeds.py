"""Benchmark the worker: one `--once` pass over many local feeds, then a second pass of 304s.

    .venv/bin/python benchmarks/feeds.py [--quick] [--feeds N] [--entries N] [--threads N]

A threaded HTTP server in a separate process serves N feeds (default 500) of 20 news-like
entries each (1–4 kB of text from ``tests/newsfeed.py`` templates, full text in the feed), with
ETags. A fresh database gets one source per feed; ``jobs.worker.Worker.poll_due`` polls them all
(fetching in threads, one writer, extraction and clustering included), then every source is
made due again and polled a second time, which the server must answer with 304. Prints one row
per pass: sources, HTTP 200/304 counts, failures, new articles, events, seconds, articles/s.
``--quick`` runs 50 feeds. Target (issue 5): the first pass of 500 feeds within 60 s.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.worker import BatchReport, Worker  # noqa: E402
from tests.newsfeed import article, rss  # noqa: E402
from tracker.extract.pool import default_processes  # noqa: E402
from tracker.sources import add_source  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.store import sources as table  # noqa: E402


def serve(port_queue: Any, feeds: int, entries: int) -> None:
    """The feed server (runs in its own process): /feed/<n>.xml with ETag and 304."""
    bodies: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            return  # a client closing a kept-alive connection is not worth a traceback here

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for n in range(feeds):
        items = [article(n * entries + i, base=f"{base}/f{n}",
                         size=1000 + (n * 37 + i * 53) % 3000)
                 for i in range(entries)]
        bodies[f"/feed/{n}.xml"] = rss(items, f"{base}/f{n}", title=f"Feed {n}")
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def run_pass(worker: Worker) -> BatchReport:
    return worker.poll_due()


def main() -> int:
    # The feeds are served on 127.0.0.1, which the URL policy refuses unless told otherwise.
    os.environ["TRACKER_ALLOW_PRIVATE_NETWORKS"] = "1"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 feeds instead of 500")
    parser.add_argument("--feeds", type=int, default=None)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=None,
                        help="extraction processes (default: one per core; 0: in process)")
    args = parser.parse_args()
    feeds = args.feeds or (50 if args.quick else 500)
    logging.basicConfig(level=logging.WARNING)

    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, feeds, args.entries),
                                     daemon=True)
    server.start()
    try:
        port = queue.get(timeout=300)
        with tempfile.TemporaryDirectory() as folder:
            db = str(Path(folder) / "bench.db")
            with Store(db) as store, store.transaction():
                for n in range(feeds):
                    add_source(store, f"http://127.0.0.1:{port}/feed/{n}.xml", kind="feed",
                               name=f"Feed {n}", fetch_pages=False)
            rows = []
            for label in ("first", "second"):
                worker = Worker(db, threads=args.threads, processes=args.processes)
                report = run_pass(worker)
                worker.close()
                rows.append((label, report))
                with Store(db) as store:
                    for source in table.all_sources(store):
                        table.set_next_due(store, source.id, None)
            with Store(db) as store:
                counts = store.counts()
    finally:
        server.terminate()
    processes = default_processes() if args.processes is None else args.processes
    print(f"{feeds} feeds x {args.entries} entries, {args.threads} fetch threads, "
          f"{processes} extraction processes, {multiprocessing.cpu_count()} cores")
    print(f"{'pass':<7} {'sources':>7} {'200':>5} {'304':>5} {'failed':>6} {'new':>6} "
          f"{'events':>7} {'seconds':>8} {'art/s':>7}")
    for label, r in rows:
        rate = r.new / r.seconds if r.seconds else 0.0
        print(f"{label:<7} {r.polled:>7} {r.fetched:>5} {r.not_modified:>5} {r.failed:>6} "
              f"{r.new:>6} {r.events:>7} {r.seconds:>8.1f} {rate:>7.1f}")
    print(f"database: {counts['articles']} articles, {counts['events']} events, "
          f"{counts['mentions']} mentions")
    first = rows[0][1]
    ok = first.failed == 0 and rows[1][1].not_modified == feeds
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
