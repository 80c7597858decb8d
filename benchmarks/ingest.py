"""Benchmark bulk ingestion: a JSON-lines file of news-like 4 kB articles, end to end.

    .venv/bin/python benchmarks/ingest.py [--quick] [--articles N] [--size BYTES] [--tracemalloc]

Writes N articles (default 10,000; ``--quick``: 2,000) made from the templates of
``tests/newsfeed.py`` to a temporary ``.jsonl`` file, then times ``Ingestor.ingest(read_jsonl())``
on a fresh database: parsing, extraction, storage and clustering included. Prints the rate at
checkpoints (10 %, 50 %, 100 % of the articles) with the process's resident memory (RSS) there,
and the ratio of the last to the first checkpoint's memory: flat memory means a ratio near 1.
``--tracemalloc`` also reports Python's traced peak per interval (slower: tracing costs ~2x).
``--profile`` runs under cProfile and prints where the time goes, stage by stage.
Target (issue 5): at least 40 articles/s, memory flat over 10,000 articles.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.newsfeed import article  # noqa: E402
from tracker.extract.pool import ExtractionPool, default_processes  # noqa: E402
from tracker.ingest import Ingestor, IngestReport  # noqa: E402
from tracker.parse import read_jsonl  # noqa: E402
from tracker.store import Store  # noqa: E402


def rss_mb(pid: int | str = "self") -> float:
    """Current resident memory of a process, in MB (Linux /proc; else this one's peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def descendants_rss_mb() -> float:
    """Resident memory of every process below this one (the extraction processes and the
    forkserver that starts them), in MB; 0 where /proc is missing."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    below, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return sum(rss_mb(pid) for pid in below)


def write_corpus(path: Path, n: int, size: int) -> float:
    """N articles as JSON lines; returns their mean text size in bytes."""
    total = 0
    outlets = ["Harbour Times", "Continental Wire", "Valley Courier", "Morning Ledger"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            a = article(i, size=size)
            total += len(a.text.encode())
            out.write(json.dumps({"url": a.url, "title": a.title, "text": a.text,
                                  "published": a.published.isoformat(),
                                  "source": outlets[i % len(outlets)]}) + "\n")
    return total / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 articles")
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--size", type=int, default=4000, help="text size per article")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python memory")
    parser.add_argument("--profile", action="store_true", help="time each pipeline stage")
    parser.add_argument("--processes", type=int, default=None,
                        help="extraction processes (default: one per core; 0: in process)")
    args = parser.parse_args()
    n = args.articles or (2000 if args.quick else 10_000)
    checkpoints = sorted({max(1, n // 10), n // 2, n})
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.jsonl"
        mean = write_corpus(corpus, n, args.size)
        rows: list[tuple[int, float, float, float, float | None]] = []
        started = time.monotonic()
        if args.tracemalloc:
            tracemalloc.start()

        def progress(report: IngestReport) -> None:
            if report.seen in checkpoints and len(rows) < len(checkpoints) and (
                    not rows or rows[-1][0] != report.seen):
                peak = None
                if args.tracemalloc:
                    peak = tracemalloc.get_traced_memory()[1] / 1e6
                    tracemalloc.reset_peak()
                rows.append((report.seen, time.monotonic() - started, rss_mb(),
                             descendants_rss_mb(), peak))

        profiler = cProfile.Profile() if args.profile else None
        processes = default_processes() if args.processes is None else args.processes
        extraction = ExtractionPool(processes)
        with Store(Path(folder) / "bench.db") as store:
            if profiler:
                profiler.enable()
            report = Ingestor(store, progress=progress, extraction=extraction).ingest(
                read_jsonl(corpus))
            if profiler:
                profiler.disable()
            extraction.close()
            elapsed = time.monotonic() - started
            counts = store.counts()
    print(f"{n} articles of {mean / 1000:.1f} kB mean text, end to end "
          f"(read_jsonl -> extract -> store -> cluster), {processes} extraction processes")
    print(f"{'articles':>8} {'seconds':>8} {'art/s':>7} {'RSS MB':>7} {'extractors MB':>13}"
          + (f" {'traced peak MB':>15}" if args.tracemalloc else ""))
    for seen, at, rss, children, peak in rows:
        line = f"{seen:>8} {at:>8.1f} {seen / at:>7.1f} {rss:>7.1f} {children:>13.1f}"
        if peak is not None:
            line += f" {peak:>15.1f}"
        print(line)
    print(f"total {elapsed:.1f} s, {n / elapsed:.1f} articles/s; new={report.new} "
          f"failed={report.failed} events={counts['events']} mentions={counts['mentions']}")
    if rows:
        first, last = rows[0], rows[-1]
        print(f"memory ratio last/first checkpoint: RSS {last[2] / first[2]:.2f}"
              + (f", with extraction processes {(last[2] + last[3]) / (first[2] + first[3]):.2f}"
                 if first[3] else "")
              + (f", traced peak {last[4] / first[4]:.2f}" if first[4] and last[4] else ""))
    if profiler:
        print_stages(profiler, elapsed)
    return 0 if report.failed == 0 else 1


# (file suffix, function) -> label: the stages of ``Ingestor.ingest`` worth naming.
STAGES = [
    ("tracker/parse/jsonl.py", "_records", "read_jsonl (parse lines)"),
    ("tracker/extract/mentions.py", "extract_all", "extract_all (whole extraction)"),
    ("tracker/timex/tagger.py", "tag", "  timex tag"),
    ("tracker/extract/entities.py", "find_entities", "  find_entities"),
    ("tracker/store/db.py", "article_status", "Store.article_status"),
    ("tracker/store/db.py", "save_article", "Store.save_article"),
    ("tracker/store/db.py", "save_references", "Store.save_references"),
    ("tracker/ingest.py", "recluster", "Ingestor.recluster (all)"),
    ("tracker/store/db.py", "cluster_inputs", "  Store.cluster_inputs"),
    ("tracker/cluster.py", "cluster_group", "  cluster_group"),
    ("tracker/store/db.py", "replace_events", "  Store.replace_events"),
    ("tracker/store/db.py", "rescore", "  Store.rescore"),
]


def print_stages(profiler: cProfile.Profile, elapsed: float) -> None:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    print(f"{'stage':<34} {'calls':>7} {'seconds':>8} {'share':>6}")
    for suffix, name, label in STAGES:
        hits = [(v[1], v[3]) for (path, _line, func), v in stats.items()
                if func == name and path.endswith(suffix)]
        if hits:
            calls, cumulative = sum(h[0] for h in hits), sum(h[1] for h in hits)
            print(f"{label:<34} {calls:>7} {cumulative:>8.1f} {cumulative / elapsed:>6.0%}")


if __name__ == "__main__":
    sys.exit(main())
