"""The article the project started from gives the timeline the design guide promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="module")
def seed_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    seed = shared_path("seed", "istanbul-talks.txt")
    db = tmp_path_factory.mktemp("seed") / "seed.db"
    tracker = [sys.executable, "-m", "tracker.cli", "--db", str(db)]
    ingest = subprocess.run([*tracker, "ingest", str(seed), "--published", "2025-05-16"],
                            capture_output=True, text=True, timeout=120)
    assert ingest.returncode == 0, ingest.stderr
    export = subprocess.run([*tracker, "export", "--format", "json"], capture_output=True,
                            text=True, timeout=60)
    assert export.returncode == 0, export.stderr
    document: dict[str, Any] = json.loads(export.stdout)
    return document


def places(event: dict[str, Any]) -> set[str]:
    return {e["name"] for e in event["entities"] if e["kind"] == "place"}


def test_the_istanbul_talks_are_dated_16_may_2025_at_day_precision(seed_export: dict) -> None:
    talks = [e for e in seed_export["events"] if "talks" in e["title"].lower()
             and e["date_start"] == "2025-05-16" and e["precision"] == "day"]
    assert talks, [e["title"] for e in seed_export["events"]]
    assert any("Istanbul" in places(e) for e in talks)
    assert any("Istanbul" in e["title"] for e in talks)


def test_the_previous_talks_are_an_event_at_year_precision_in_2022(seed_export: dict) -> None:
    assert any(e["precision"] == "year" and e["date_start"] == "2022-01-01"
               and e["date_end"] == "2022-12-31" for e in seed_export["events"])


def test_the_fighting_in_the_donetsk_region_is_an_event(seed_export: dict) -> None:
    fighting = [e for e in seed_export["events"] if "fighting" in e["title"].lower()]
    assert fighting and any("Donetsk" in e["title"] for e in fighting)


def test_zelensky_and_zelenskyy_are_one_person(seed_export: dict) -> None:
    people = {e["name"] for ev in seed_export["events"] for e in ev["entities"]
              if e["kind"] == "person"}
    zelensky = {p for p in people if p.lower().startswith(("zelensk", "volodymyr"))}
    assert zelensky == {"Volodymyr Zelenskyy"}


def test_every_event_keeps_its_supporting_sentences(seed_export: dict) -> None:
    seed_text = Path(shared_path("seed", "istanbul-talks.txt")).read_text(encoding="utf-8")
    for event in seed_export["events"]:
        assert event["mentions"]
        for m in event["mentions"]:
            assert seed_text[m["start"]:m["end"]] == m["sentence"]


DESIGN_GUIDE_PEOPLE = {"Donald Trump", "Volodymyr Zelenskyy", "Vladimir Putin", "Hakan Fidan",
                       "Marco Rubio", "Vladimir Medinsky", "Rustem Umerov", "John Healey",
                       "Recep Tayyip Erdogan"}
DESIGN_GUIDE_PLACES = {"Istanbul", "Turkey", "Ukraine", "Russia"}


def test_the_people_and_places_of_the_design_guide_are_attached(seed_export: dict) -> None:
    named = {(e["name"], e["kind"]) for ev in seed_export["events"] for e in ev["entities"]}
    assert {(p, "person") for p in DESIGN_GUIDE_PEOPLE} <= named
    assert {(p, "place") for p in DESIGN_GUIDE_PLACES} <= named
    assert any(kind == "place" and "Donetsk" in name for name, kind in named)


def test_the_istanbul_talks_gather_the_delegations_and_the_host(seed_export: dict) -> None:
    talks = next(e for e in seed_export["events"] if e["title"] == "Istanbul talks"
                 and e["date_start"] == "2025-05-16")
    people = {e["name"] for e in talks["entities"] if e["kind"] == "person"}
    assert {"Hakan Fidan", "Vladimir Medinsky", "Rustem Umerov"} <= people
