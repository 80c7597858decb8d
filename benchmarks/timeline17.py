"""Timeline17 Date F1: does the tracker put the important events on the right days?

For each topic of ../shared/data/timeline17-dev: ingest its articles (publication date = the
folder name) into a fresh database, take the top K days of ``tracker timeline`` (K = number of
dates in the gold timeline, candidate days limited to the topic's publication-date range),
and score Date F1 against each gold timeline. Beside it, in the same run, baselines that rank
days by day-precision ``dateparser.search_dates`` mentions and by articles published per day.
Reports ingest time per topic too.

    python benchmarks/timeline17.py [--topics H1N1_bbc,...] [--no-baseline] [--json]

It reads the data where it lies and copies nothing into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.ids import short_hash  # noqa: E402
from tracker.ingest import Ingestor  # noqa: E402
from tracker.models import Article  # noqa: E402
from tracker.query import top_events  # noqa: E402
from tracker.store import Store  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "timeline17-dev"
DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The corpus is PTB-tokenized ("-LRB- 5,000 feet -RRB-", "`` probable ''"); news as published
# is not, and the tracker is built for the latter, so undo the tokenization first.
_DETOK = [
    (re.compile(r"-LRB-\s*"), "("), (re.compile(r"\s*-RRB-"), ")"),
    (re.compile(r"-LSB-\s*"), "["), (re.compile(r"\s*-RSB-"), "]"),
    (re.compile(r"-LCB-\s*"), "{"), (re.compile(r"\s*-RCB-"), "}"),
    (re.compile(r"``\s*"), '"'), (re.compile(r"\s*''"), '"'),
    (re.compile(r" ([.,;:!?%])(?=\s|$)"), r"\1"), (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"),
                                                   r"\1"),
    (re.compile(r"\\/"), "/"), (re.compile(r"\$ (?=\d)"), "$"),
]


def detokenize(text: str) -> str:
    for pattern, replacement in _DETOK:
        text = pattern.sub(replacement, text)
    return text


def topic_articles(topic: Path) -> list[Article]:
    articles = []
    for day_dir in sorted((topic / "InputDocs").iterdir()):
        published = datetime.combine(date.fromisoformat(day_dir.name), datetime.min.time(), UTC)
        for path in sorted(day_dir.glob("*.txt")):
            text = detokenize(path.read_text(encoding="utf-8", errors="replace"))
            if not text.strip():
                continue
            title = text.strip().splitlines()[0][:120]
            articles.append(Article(
                id="a" + short_hash("timeline17", topic.name, day_dir.name, path.name),
                title=title, text=text, published_at=published, published_basis="given",
                source_name=topic.name.split("_", 1)[-1],
            ))
    return articles


def gold_timelines(topic: Path) -> list[set[str]]:
    timelines = []
    for path in sorted((topic / "timelines").glob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        timelines.append({line.strip() for line in lines if DATE_LINE.match(line.strip())})
    return timelines


def date_f1(predicted: Iterable[str], gold: set[str]) -> float:
    predicted = set(predicted)
    hits = len(predicted & gold)
    if not hits:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def top_days(ranked: Iterable[str], k: int) -> list[str]:
    out: list[str] = []
    for day in ranked:
        if day not in out:
            out.append(day)
        if len(out) == k:
            break
    return out


def tracker_ranking(articles: list[Article], first: date, last: date, k: int
                    ) -> tuple[list[str], float]:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "t17.db") as store:
        started = time.perf_counter()
        Ingestor(store).ingest(articles)
        seconds = time.perf_counter() - started
        ranked = [e["date"] for e in top_events(store, k, date_from=first, date_to=last)]
    return ranked, seconds


def search_dates_ranking(articles: list[Article], first: date, last: date) -> list[str]:
    """Days by count of day-precision mentions found by naive ``search_dates``."""
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    parser = DateDataParser(languages=["en"])
    counts: Counter[str] = Counter()
    for a in articles:
        base = a.published_at.replace(tzinfo=None) if a.published_at else None
        found = search_dates(a.text, languages=["en"], settings={"RELATIVE_BASE": base}) or []
        for text, when in found:
            data = parser.get_date_data(text)
            if data and data.period == "day" and first <= when.date() <= last:
                counts[when.date().isoformat()] += 1
    return [d for d, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def published_ranking(articles: list[Article]) -> list[str]:
    counts = Counter(a.published_at.date().isoformat() for a in articles if a.published_at)
    return [d for d, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def run(topics: list[Path], baseline: bool) -> dict[str, Any]:
    rows = []
    for topic in topics:
        articles = topic_articles(topic)
        golds = gold_timelines(topic)
        days = sorted(a.published_at.date() for a in articles if a.published_at)
        first, last = days[0], days[-1]
        k_max = max(len(g) for g in golds)
        ranked, seconds = tracker_ranking(articles, first, last, k_max)
        row: dict[str, Any] = {
            "topic": topic.name, "articles": len(articles), "ingest_s": round(seconds, 1),
            "tracker": sum(date_f1(top_days(ranked, len(g)), g) for g in golds) / len(golds),
            "published": sum(date_f1(top_days(published_ranking(articles), len(g)), g)
                             for g in golds) / len(golds),
        }
        if baseline:
            sd = search_dates_ranking(articles, first, last)
            row["search_dates"] = sum(date_f1(top_days(sd, len(g)), g) for g in golds) / len(golds)
        rows.append(row)
        print(_row_text(row), file=sys.stderr, flush=True)
    keys = ["tracker", "published"] + (["search_dates"] if baseline else [])
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in keys}
    return {"topics": rows, "mean": mean,
            "ingest_s_total": round(sum(r["ingest_s"] for r in rows), 1)}


def _row_text(row: dict[str, Any]) -> str:
    scores = "  ".join(f"{k}={row[k]:.3f}" for k in ("tracker", "search_dates", "published")
                       if k in row)
    return (f"{row['topic']:24} {row['articles']:4} articles  "
            f"ingest {row['ingest_s']:6.1f}s  {scores}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", help="comma-separated topic folder names (default: all)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the slow search_dates baseline")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"timeline17: {DATA} is absent; nothing to measure", file=sys.stderr)
        return 0
    topics = sorted(p for p in DATA.iterdir() if (p / "InputDocs").is_dir())
    if args.topics:
        wanted = set(args.topics.split(","))
        topics = [t for t in topics if t.name in wanted]
    result = run(topics, baseline=not args.no_baseline)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        mean = "  ".join(f"{k}={v:.3f}" for k, v in result["mean"].items())
        print(f"Timeline17 dev, mean Date F1 over {len(topics)} topics: {mean}; "
              f"ingest total {result['ingest_s_total']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
