"""The bundled examples give a meaningful timeline offline: the Istanbul talks, many sources."""

from __future__ import annotations

from pathlib import Path

from tracker.query import EventFilter, export_timeline
from tracker.store import Store


def test_the_istanbul_talks_of_16_may_are_one_event_with_several_outlets(
        examples_db: Path) -> None:
    with Store(examples_db) as store:
        events = export_timeline(store)["events"]
    talks = [e for e in events if e["date_start"] == "2025-05-16" and e["kind"] == "diplomacy"]
    assert len(talks) == 1, [(e["title"], e["date_start"]) for e in events]
    assert "Istanbul" in {n["name"] for n in talks[0]["entities"]}
    assert talks[0]["precision"] == "day"
    # every outlet whose article reports the talks of that Friday is a source of the one event
    outlets = {m["source"] for m in talks[0]["mentions"]}
    assert {"Atlas Report", "Meridian Courier", "Danube Daily", "Continental Wire"} <= outlets
    assert talks[0]["n_sources"] == len(outlets)


def test_the_examples_cover_weeks_of_events_not_just_publication_days(
        examples_db: Path) -> None:
    with Store(examples_db) as store:
        events = export_timeline(store, EventFilter(include_reported=False))["events"]
    days = {e["date_start"] for e in events if e["precision"] == "day"}
    assert len(days) >= 8
    assert "2025-06-02" in days  # the second Istanbul round


def test_example_articles_are_our_own_words() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed" / "istanbul-talks.txt"
    if not seed.exists():
        return
    seed_words = seed.read_text(encoding="utf-8").split()
    shingles = {" ".join(seed_words[i:i + 8]) for i in range(len(seed_words) - 7)}
    ours = (Path(__file__).resolve().parents[1] / "examples" / "spring-2025-talks.jsonl")
    words = ours.read_text(encoding="utf-8").split()
    assert not any(" ".join(words[i:i + 8]) in shingles for i in range(len(words) - 7))
