"""Timeline17: does the tracker tell a story the way journalists' timelines do?

For each topic of ../shared/data/timeline17-dev: ingest its articles (publication date = the
folder name) into a fresh database, then for each gold timeline of the topic ask for
``timeline --top k --sentences L`` (k = the gold timeline's number of dates, L = round(mean
sentences per gold date), candidate days limited to the topic's publication range) and score
it the way timeline-summarization research does (news-tls, Gholipour Ghalandari & Ifrim,
ACL 2020):

- alignment-based ROUGE-1 and ROUGE-2 F (tilse's ``TimelineRougeEvaluator``,
  ``evaluate_align_date_content_costs_many_to_one``, the ROUGE-1.5.5 Perl script it ships);
- Date F1 of the k dates;
- averaged over timelines as news-tls does: mean precision and mean recall, then F.

Beside it, in the same run:

- ``supporting``: the same key events, each summarized by its supporting sentences in export
  order (what the tracker gave before events had summaries);
- Date F1 of two rankings of days: by articles published that day, and by day-precision
  ``dateparser.search_dates`` mentions (``--baseline``, slow);
- how noisy the default views are: events per article, the share of events resting on a single
  article, and the share hidden as low confidence.

    python benchmarks/timeline17.py [--topics H1N1_bbc,...] [--rouge original|reimpl]
                                    [--baseline] [--keep DIR] [--json]

``--rouge reimpl`` uses tilse's approximate Python ROUGE (fast, for development); the figures to
report come from ``original``. tilse is a benchmark-only dependency (``pip install -e
'.[bench]'``); its Perl script needs Debian's ``libxml-parser-perl`` (``make bench`` installs
both). It reads the data where it lies and copies nothing into the project.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.ids import short_hash  # noqa: E402
from tracker.ingest import Ingestor  # noqa: E402
from tracker.models import Article  # noqa: E402
from tracker.query import MIN_CONFIDENCE, get_event, top_events  # noqa: E402
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


Timeline = dict[date, list[str]]


def gold_timelines(topic: Path) -> list[Timeline]:
    """Each gold timeline of the topic: its dates, each with its sentences."""
    timelines = []
    for path in sorted((topic / "timelines").glob("*.txt")):
        timeline: Timeline = {}
        day: date | None = None
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if DATE_LINE.match(line):
                day = date.fromisoformat(line)
                timeline.setdefault(day, [])
            elif line.startswith("-----"):
                day = None
            elif line and day is not None:
                timeline[day].append(detokenize(line))
        timelines.append({d: s for d, s in timeline.items() if s})
    return timelines


def sentences_per_date(timeline: Timeline) -> int:
    return max(1, round(sum(len(s) for s in timeline.values()) / len(timeline)))


@dataclass
class Scores:
    """Precision and recall of one measure on one timeline."""

    precision: float
    recall: float


def f_of(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def date_scores(predicted: Iterable[date], gold: Iterable[date]) -> Scores:
    predicted, gold = set(predicted), set(gold)
    hits = len(predicted & gold)
    return Scores(hits / len(predicted) if predicted else 0.0, hits / len(gold) if gold else 0.0)


class Rouge:
    """tilse's alignment ROUGE (align+ m:1), the measure news-tls reports."""

    def __init__(self, computation: str) -> None:
        from tilse.evaluation import rouge

        logging.getLogger("global").setLevel(logging.WARNING)  # pyrouge's chatter
        self.evaluator = rouge.TimelineRougeEvaluator(
            measures=["rouge_1", "rouge_2"], rouge_computation=computation)

    def score(self, predicted: Timeline, gold: Timeline) -> dict[str, Scores]:
        from tilse.data.timelines import GroundTruth
        from tilse.data.timelines import Timeline as TilseTimeline

        if not predicted:
            return {"rouge_1": Scores(0.0, 0.0), "rouge_2": Scores(0.0, 0.0)}
        result = self.evaluator.evaluate_align_date_content_costs_many_to_one(
            TilseTimeline(predicted), GroundTruth([TilseTimeline(gold)]))
        return {m: Scores(result[m]["precision"], result[m]["recall"])
                for m in ("rouge_1", "rouge_2")}


def mean_f(scores: list[Scores]) -> dict[str, float]:
    """news-tls: the mean precision and mean recall over timelines, then their F."""
    p = sum(s.precision for s in scores) / len(scores)
    r = sum(s.recall for s in scores) / len(scores)
    return {"precision": round(p, 4), "recall": round(r, 4), "f": round(f_of(p, r), 4)}


def timeline_of(entries: list[dict[str, Any]]) -> Timeline:
    return {date.fromisoformat(e["date"]): list(e["summary"]) for e in entries
            if e.get("summary")}


def supporting_summaries(store: Store, entries: list[dict[str, Any]], n: int
                         ) -> list[dict[str, Any]]:
    """The same key events, each told by its first ``n`` supporting sentences (export order)."""
    out = []
    for e in entries:
        event = get_event(store, e["event_id"])
        sentences = [m["sentence"] for m in (event or {}).get("mentions", [])][:n]
        out.append({**e, "summary": sentences})
    return out


def noise(store: Store, n_articles: int) -> dict[str, float]:
    """How much the default views show: events per article, single-article share, hidden."""
    rows = store.query("SELECT n_articles, confidence FROM events WHERE status = 'active'")
    shown = [r for r in rows if r["confidence"] >= MIN_CONFIDENCE]
    return {
        "events": len(rows),
        "shown": len(shown),
        "shown_per_article": round(len(shown) / max(1, n_articles), 3),
        "single_article_share": round(
            sum(1 for r in shown if r["n_articles"] <= 1) / max(1, len(shown)), 3),
        "hidden_share": round((len(rows) - len(shown)) / max(1, len(rows)), 3),
    }


def search_dates_ranking(articles: list[Article], first: date, last: date) -> list[date]:
    """Days by count of day-precision mentions found by naive ``search_dates``."""
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    parser = DateDataParser(languages=["en"])
    counts: Counter[date] = Counter()
    for a in articles:
        base = a.published_at.replace(tzinfo=None) if a.published_at else None
        found = search_dates(a.text, languages=["en"], settings={"RELATIVE_BASE": base}) or []
        for text, when in found:
            data = parser.get_date_data(text)
            if data and data.period == "day" and first <= when.date() <= last:
                counts[when.date()] += 1
    return [d for d, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def published_ranking(articles: list[Article]) -> list[date]:
    counts = Counter(a.published_at.date() for a in articles if a.published_at)
    return [d for d, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


SYSTEMS = ("tracker", "supporting")


def run(topics: list[Path], rouge: Rouge, *, baseline: bool, keep: Path | None
        ) -> dict[str, Any]:
    per_system: dict[str, dict[str, list[Scores]]] = {
        s: {"rouge_1": [], "rouge_2": [], "date": []} for s in SYSTEMS}
    day_rankings: dict[str, list[Scores]] = {"published": [], "search_dates": []}
    rows = []
    for topic in topics:
        articles = topic_articles(topic)
        golds = gold_timelines(topic)
        days = sorted(a.published_at.date() for a in articles if a.published_at)
        first, last = days[0], days[-1]
        with tempfile.TemporaryDirectory() as tmp:
            path = (keep / f"{topic.name}.db") if keep else Path(tmp) / "t17.db"
            if keep:
                path.unlink(missing_ok=True)
            with Store(path) as store:
                started = time.perf_counter()
                Ingestor(store).ingest(articles)
                seconds = time.perf_counter() - started
                row: dict[str, Any] = {"topic": topic.name, "articles": len(articles),
                                       "ingest_s": round(seconds, 1),
                                       **noise(store, len(articles))}
                for gold in golds:
                    k, n = len(gold), sentences_per_date(gold)
                    entries = top_events(store, k, sentences=n, date_from=first, date_to=last)
                    systems = {"tracker": entries,
                               "supporting": supporting_summaries(store, entries, n)}
                    for name, timeline_entries in systems.items():
                        predicted = timeline_of(timeline_entries)
                        scores = rouge.score(predicted, gold)
                        per_system[name]["rouge_1"].append(scores["rouge_1"])
                        per_system[name]["rouge_2"].append(scores["rouge_2"])
                        per_system[name]["date"].append(date_scores(
                            [date.fromisoformat(e["date"]) for e in timeline_entries], gold))
                    row["k"], row["L"] = k, n
                    row["tracker_r1"] = round(f_of(scores["rouge_1"].precision,
                                                   scores["rouge_1"].recall), 3)
                    published = published_ranking(articles)
                    in_range = [d for d in published if first <= d <= last]
                    day_rankings["published"].append(date_scores(in_range[:k], gold))
                    if baseline:
                        ranked = search_dates_ranking(articles, first, last)
                        day_rankings["search_dates"].append(date_scores(ranked[:k], gold))
                row["tracker_date_f"] = round(f_of(per_system["tracker"]["date"][-1].precision,
                                                   per_system["tracker"]["date"][-1].recall), 3)
        rows.append(row)
        print(_row_text(row), file=sys.stderr, flush=True)
    result: dict[str, Any] = {"topics": rows}
    for name, measures in per_system.items():
        result[name] = {m: mean_f(s) for m, s in measures.items()}
    result["day_rankings"] = {name: mean_f(s) for name, s in day_rankings.items() if s}
    n_articles = sum(r["articles"] for r in rows)
    result["noise"] = {
        "articles": n_articles,
        "shown_per_article": round(sum(r["shown"] for r in rows) / max(1, n_articles), 3),
        "single_article_share": round(
            sum(r["single_article_share"] * r["shown"] for r in rows)
            / max(1, sum(r["shown"] for r in rows)), 3),
        "hidden_share": round(sum(r["events"] - r["shown"] for r in rows)
                              / max(1, sum(r["events"] for r in rows)), 3),
    }
    result["ingest_s_total"] = round(sum(r["ingest_s"] for r in rows), 1)
    return result


def _row_text(row: dict[str, Any]) -> str:
    return (f"{row['topic']:22} {row['articles']:4} articles  ingest {row['ingest_s']:5.1f}s  "
            f"k={row['k']:3} L={row['L']}  AR1-F {row['tracker_r1']:.3f}  "
            f"Date F1 {row['tracker_date_f']:.3f}  shown/article {row['shown_per_article']:.2f}  "
            f"single {row['single_article_share']:.2f}  hidden {row['hidden_share']:.2f}")


def report(result: dict[str, Any], n_topics: int) -> str:
    lines = [f"Timeline17 dev, {n_topics} topics (news-tls averaging: mean P, mean R, then F)",
             f"{'summaries':12} {'AR1-F':>7} {'AR2-F':>7} {'Date F1':>8}"]
    for name in SYSTEMS:
        r = result[name]
        lines.append(f"{name:12} {r['rouge_1']['f']:7.3f} {r['rouge_2']['f']:7.3f} "
                     f"{r['date']['f']:8.3f}")
    for name, r in result["day_rankings"].items():
        lines.append(f"{'days by ' + name:24} Date F1 {r['f']:.3f}")
    n = result["noise"]
    lines.append(f"default views: {n['shown_per_article']:.2f} events per article, "
                 f"{n['single_article_share']:.0%} single-article, "
                 f"{n['hidden_share']:.0%} hidden as low confidence "
                 f"({n['articles']} articles); ingest {result['ingest_s_total']}s")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", help="comma-separated topic folder names (default: all)")
    parser.add_argument("--rouge", choices=["original", "reimpl"], default="original",
                        help="ROUGE-1.5.5 Perl (default) or tilse's fast approximation")
    parser.add_argument("--baseline", action="store_true",
                        help="also rank days by search_dates mentions (slow)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each topic's database in DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"timeline17: {DATA} is absent; nothing to measure", file=sys.stderr)
        return 0
    try:
        rouge = Rouge(args.rouge)
    except ImportError:
        print("timeline17: needs tilse (pip install -e '.[bench]')", file=sys.stderr)
        return 1
    topics = sorted(p for p in DATA.iterdir() if (p / "InputDocs").is_dir())
    if args.topics:
        wanted = set(args.topics.split(","))
        topics = [t for t in topics if t.name in wanted]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    result = run(topics, rouge, baseline=args.baseline, keep=args.keep)
    print(json.dumps(result, indent=1) if args.json else report(result, len(topics)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
