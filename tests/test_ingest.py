"""Ingestion end to end: any order gives the same events; importance follows later references."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES
from tracker.ids import article_id
from tracker.ingest import Ingestor
from tracker.models import Article
from tracker.parse import read_jsonl
from tracker.query import export_timeline, top_events
from tracker.store import Store


def events_of(path: Path, articles: list[Any]) -> set[tuple[Any, ...]]:
    with Store(path) as store:
        Ingestor(store, recluster_every=3).ingest(articles)
        events = export_timeline(store)["events"]
    return {
        (e["id"], e["title"], e["date_start"], e["precision"], e["n_articles"], e["n_sources"],
         tuple(sorted(x["name"] for x in e["entities"])))
        for e in events
    }


def test_the_same_articles_in_any_order_give_the_same_events(tmp_path: Path) -> None:
    articles = list(read_jsonl(EXAMPLES))
    expected = events_of(tmp_path / "forward.db", articles)
    assert expected
    assert events_of(tmp_path / "backward.db", articles[::-1]) == expected
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    assert events_of(tmp_path / "shuffled.db", shuffled) == expected


def article(day: int, text: str) -> Article:
    url = f"https://valley.example.org/{day}/{abs(hash(text))}"
    return Article(id=article_id(url, text), title=text[:40], text=text, url=url,
                   canonical_url=url, published_at=datetime(2025, 4, day, tzinfo=UTC),
                   published_basis="given", source_name="Valley Times")


def test_a_day_that_later_articles_keep_referring_to_ranks_first(store: Store) -> None:
    Ingestor(store).ingest([
        article(2, "Floods hit the town of Trento on Tuesday, April 1, after heavy rain."),
        article(3, "A protest took place in Bolzano on Wednesday, April 2."),
        article(5, "Rebuilding began in Trento after the floods of April 1."),
        article(9, "A week on, Trento counts the cost of the April 1 floods."),
        article(12, "Insurers say the floods on April 1 were the costliest in decades."),
    ])
    top = top_events(store, 2)
    assert top[0]["date"] == "2025-04-01"
    assert [t["score"] for t in top] == sorted((t["score"] for t in top), reverse=True)
