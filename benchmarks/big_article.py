"""Benchmark one oversized article: a generated 5 MB page ingested end to end, against baselines.

    .venv/bin/python benchmarks/big_article.py [--size BYTES] [--dense] [--json]

Generates news-like text (the templates of ``tests/newsfeed.py``, paragraphs of made-up
dispatches; ``--dense``: a ticker of short sentences each naming people, a place and a date, the
shape that made extraction quadratic) and times, each in a fresh process so that its peak memory
is its own (``ru_maxrss`` of the process plus that of its children):

- the big article ingested through the real ``Ingestor`` into a temporary SQLite database
  (extraction, storage, clustering; the text is cut to ``MAX_TEXT_CHARS`` first);
- ``extract_all`` on the whole text, uncut: extraction alone is linear in the length;
- baselines measured in the same run: 20 normal 5 kB articles of the same text ingested the same
  way, and naive ``dateparser.search_dates`` on a 100 kB slice; their seconds per byte, scaled to
  the big article's size, give the ratios.

Targets: the 5 MB article ingested in at most 30 s, with at most 400 MB peak memory.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.newsfeed import article as news_article  # noqa: E402
from tracker.extract.mentions import extract_all  # noqa: E402
from tracker.ids import article_id  # noqa: E402
from tracker.ingest import MAX_TEXT_CHARS, Ingestor  # noqa: E402
from tracker.models import Article  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.timex.baseline import naive_search_dates  # noqa: E402

PUBLISHED = datetime(2025, 5, 16, 9, tzinfo=UTC)
NORMAL_SIZE = 5_000
NORMAL_COUNT = 20
DATEPARSER_SLICE = 100_000
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 400.0

NAMES = ["Vladimir Putin", "Recep Tayyip Erdogan", "Ms. Keller", "President Zelenskyy",
         "Gen. Ana Ruiz", "Kenji Sato", "Maria Keller", "Tomas Novak"]
PLACES = ["Istanbul", "Kyiv", "the Donetsk region", "Geneva", "Washington", "Ankara", "Oslo"]
WHEN = ["on Friday", "on May 5, 2025", "last week", "two days ago", "in March", "on Tuesday"]
VERBS = ["met", "held talks with", "said talks with", "condemned an attack on"]


def news_text(size: int, seed: int = 0) -> str:
    """About ``size`` characters of dispatches, each a news-like article of about 4 kB."""
    parts: list[str] = []
    total = 0
    while total < size:
        text = news_article(seed, size=4000).text
        parts.append(text)
        total += len(text) + 2
        seed += 1
    return "\n\n".join(parts)[:size]


def dense_text(size: int, seed: int = 0) -> str:
    """A ticker: short eventful sentences, each naming two people, a place and a date."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = (f"{rng.choice(NAMES)} {rng.choice(VERBS)} {rng.choice(NAMES)} in "
                    f"{rng.choice(PLACES)} {rng.choice(WHEN)}. ")
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)[:size]


def make_article(text: str, n: int = 0) -> Article:
    url = f"https://wire.example.org/2025/05/16/live-{n}"
    return Article(id=article_id(url, text), title=f"Live: day {n}", text=text, url=url,
                   canonical_url=url, published_at=PUBLISHED, published_basis="given",
                   source_name="Example Wire")


def peak_rss_mb() -> float:
    """Peak resident memory of this process plus its largest child, in MB (Linux: kB units)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / scale


# --- the cases, each run in a process of its own -----------------------------------------------


def case_ingest(texts: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.db") as store:
        articles = [make_article(text, n) for n, text in enumerate(texts)]
        started = time.perf_counter()
        report = Ingestor(store).ingest(articles)
        seconds = time.perf_counter() - started
        counts = store.counts()
    return {"seconds": seconds, "chars": sum(map(len, texts)), "mentions": counts["mentions"],
            "events": counts["events"], "failed": report.failed, "cut": report.cut}


def case_extract(text: str) -> dict[str, Any]:
    started = time.perf_counter()
    extraction = extract_all(make_article(text))
    return {"seconds": time.perf_counter() - started, "chars": len(text),
            "mentions": len(extraction.mentions)}


def case_dateparser(text: str) -> dict[str, Any]:
    started = time.perf_counter()
    found = naive_search_dates(text, date(2025, 5, 16))
    return {"seconds": time.perf_counter() - started, "chars": len(text), "mentions": len(found)}


def run_case(name: str, size: int, dense: bool) -> dict[str, Any]:
    """One case, here (called in the child process)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    make = dense_text if dense else news_text
    # Warm up (gazetteer, compiled patterns) outside the clock, as a long-running worker is.
    extract_all(make_article("Talks opened in Geneva on Friday, May 16."))
    if name == "big":
        result = case_ingest([make(size)])
    elif name == "uncut":
        result = case_extract(make(size))
    elif name == "normal":
        result = case_ingest([make(NORMAL_SIZE, seed=1000 + n) for n in range(NORMAL_COUNT)])
    elif name == "dateparser":
        result = case_dateparser(make(DATEPARSER_SLICE))
    else:
        raise SystemExit(f"unknown case {name}")
    result["rss_mb"] = peak_rss_mb()
    return result


def in_child(name: str, size: int, dense: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--case", name, "--size", str(size)]
    command += ["--dense"] if dense else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5_000_000, help="the big article's size")
    parser.add_argument("--dense", action="store_true", help="a ticker of short sentences")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # run one case (in a child process)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.size, args.dense)))
        return 0

    results = {name: in_child(name, args.size, args.dense)
               for name in ("normal", "dateparser", "big", "uncut")}
    if args.json:
        print(json.dumps(results, indent=2))
    normal, naive, big = results["normal"], results["dateparser"], results["big"]
    per_byte = normal["seconds"] / normal["chars"]
    naive_per_byte = naive["seconds"] / naive["chars"]
    kept = min(args.size, MAX_TEXT_CHARS)
    labels = {
        "normal": f"{NORMAL_COUNT} normal articles of {NORMAL_SIZE // 1000} kB, ingested",
        "dateparser": f"dateparser.search_dates, {DATEPARSER_SLICE // 1000} kB slice",
        "big": f"one {args.size / 1e6:g} MB article, ingested (cut to the cap)",
        "uncut": f"extract_all on all {args.size / 1e6:g} MB, uncut",
    }
    kind = "ticker of short sentences" if args.dense else "news dispatches"
    print(f"big article benchmark: {kind}; text cap {MAX_TEXT_CHARS:,} characters")
    print(f"{'case':<48} {'chars':>10} {'seconds':>8} {'s/MB':>6} {'peak MB':>8} "
          f"{'mentions':>8} {'vs 5 kB':>8} {'vs dp':>6}")
    for name, r in results.items():
        seconds, chars = r["seconds"], r["chars"]
        print(f"{labels[name]:<48} {chars:>10,} {seconds:>8.2f} {seconds / chars * 1e6:>6.2f} "
              f"{r['rss_mb']:>8.0f} {r['mentions']:>8} {seconds / (per_byte * chars):>8.2f} "
              f"{seconds / (naive_per_byte * chars):>6.2f}")
    print("vs 5 kB: seconds over those of the normal articles' rate for as many characters;"
          " vs dp: the same against dateparser's rate")
    print(f"the big article against the normal rate for the {kept:,} characters kept: "
          f"{big['seconds'] / (per_byte * kept):.2f}")
    for line in big["cut"]:
        print(f"cut: {line}")
    ok_time = big["seconds"] <= TARGET_SECONDS
    ok_rss = big["rss_mb"] <= TARGET_RSS_MB
    print(f"target: ingested in <= {TARGET_SECONDS:.0f} s: {big['seconds']:.1f} s "
          f"{'ok' if ok_time else 'MISSED'}; peak memory <= {TARGET_RSS_MB:.0f} MB: "
          f"{big['rss_mb']:.0f} MB {'ok' if ok_rss else 'MISSED'}")
    return 0 if ok_time and ok_rss and big["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
