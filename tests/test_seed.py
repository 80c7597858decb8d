"""The article the project started from gives the timeline the design guide promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_path


def run_seed(tmp_path_factory: pytest.TempPathFactory, *export_options: str) -> dict[str, Any]:
    seed = shared_path("seed", "istanbul-talks.txt")
    db = tmp_path_factory.mktemp("seed") / "seed.db"
    tracker = [sys.executable, "-m", "tracker.cli", "--db", str(db)]
    ingest = subprocess.run([*tracker, "ingest", str(seed), "--published", "2025-05-16"],
                            capture_output=True, text=True, timeout=120)
    assert ingest.returncode == 0, ingest.stderr
    export = subprocess.run([*tracker, "export", "--format", "json", *export_options],
                            capture_output=True, text=True, timeout=60)
    assert export.returncode == 0, export.stderr
    document: dict[str, Any] = json.loads(export.stdout)
    return document


@pytest.fixture(scope="module")
def seed_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The timeline a reader sees by default."""
    return run_seed(tmp_path_factory)


@pytest.fixture(scope="module")
def seed_evidence(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Everything stored, low-confidence events included."""
    return run_seed(tmp_path_factory, "--min-confidence", "0")


def places(event: dict[str, Any]) -> set[str]:
    return {e["name"] for e in event["entities"] if e["kind"] == "place"}


def triggers(event: dict[str, Any]) -> set[str]:
    return {m["trigger"] for m in event["mentions"]}


TALK_WORDS = {"talks", "negotiations", "delegates", "delegation", "negotiating table", "meet",
              "meeting"}


def test_the_istanbul_talks_are_dated_16_may_2025_at_day_precision(seed_export: dict) -> None:
    talks = [e for e in seed_export["events"] if e["date_start"] == "2025-05-16"
             and e["precision"] == "day" and triggers(e) & TALK_WORDS]
    assert len(talks) == 1, [e["title"] for e in talks]
    assert "Istanbul" in places(talks[0])
    assert "Istanbul" in talks[0]["title"]


def test_the_previous_talks_are_talks_at_year_precision_in_2022_not_in_istanbul(
        seed_export: dict) -> None:
    earlier = [e for e in seed_export["events"] if e["precision"] == "year"
               and e["date_start"] == "2022-01-01" and e["date_end"] == "2022-12-31"]
    assert len(earlier) == 1, [e["title"] for e in earlier]
    assert triggers(earlier[0]) <= TALK_WORDS
    assert "Istanbul" not in places(earlier[0])
    assert {"Russia", "Ukraine"} <= places(earlier[0])


def test_the_fighting_in_the_donetsk_region_is_an_event_of_the_publication_day(
        seed_export: dict) -> None:
    fighting = [e for e in seed_export["events"] if "fighting" in triggers(e)]
    assert len(fighting) == 1, [e["title"] for e in fighting]
    event = fighting[0]
    assert (event["date_start"], event["date_end"], event["precision"]) == (
        "2025-05-16", "2025-05-16", "day")
    assert event["kind"] == "conflict"
    assert any("Donetsk" in p for p in places(event))


def test_the_seed_gives_a_short_timeline_of_what_happened(seed_export: dict) -> None:
    assert 3 <= len(seed_export["events"]) <= 6, [e["title"] for e in seed_export["events"]]
    for event in seed_export["events"]:
        assert event["summary"] and event["title"]


def test_zelensky_and_zelenskyy_are_one_person(seed_evidence: dict) -> None:
    people = {e["name"] for ev in seed_evidence["events"] for e in ev["entities"]
              if e["kind"] == "person"}
    zelensky = {p for p in people if p.lower().startswith(("zelensk", "volodymyr"))}
    assert zelensky == {"Volodymyr Zelenskyy"}


def test_every_event_keeps_its_supporting_sentences(seed_evidence: dict) -> None:
    seed_text = Path(shared_path("seed", "istanbul-talks.txt")).read_text(encoding="utf-8")
    for event in seed_evidence["events"]:
        assert event["mentions"]
        for m in event["mentions"]:
            assert seed_text[m["start"]:m["end"]] == m["sentence"]


DESIGN_GUIDE_PEOPLE = {"Donald Trump", "Volodymyr Zelenskyy", "Vladimir Putin", "Hakan Fidan",
                       "Marco Rubio", "Vladimir Medinsky", "Rustem Umerov", "John Healey",
                       "Recep Tayyip Erdogan"}
DESIGN_GUIDE_PLACES = {"Istanbul", "Turkey", "Ukraine", "Russia"}


def test_the_people_and_places_of_the_design_guide_are_attached(seed_evidence: dict) -> None:
    named = {(e["name"], e["kind"]) for ev in seed_evidence["events"] for e in ev["entities"]}
    assert {(p, "person") for p in DESIGN_GUIDE_PEOPLE} <= named
    assert {(p, "place") for p in DESIGN_GUIDE_PLACES} <= named
    assert any(kind == "place" and "Donetsk" in name for name, kind in named)


def test_the_istanbul_talks_gather_the_delegations_and_the_host(seed_export: dict) -> None:
    talks = next(e for e in seed_export["events"] if "Istanbul" in e["title"]
                 and e["date_start"] == "2025-05-16")
    people = {e["name"] for e in talks["entities"] if e["kind"] == "person"}
    assert {"Hakan Fidan", "Vladimir Medinsky", "Rustem Umerov"} <= people
