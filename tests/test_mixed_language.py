"""A story told in four languages is one timeline: reports in English, Russian, Ukrainian and
Turkish of the same happening become one event, and different happenings stay apart.

The feed (``tests/data/languages/mixed_feed.xml``, written for these tests) is served by a real
local HTTP server, polled as a source, stored in a real SQLite file and clustered: the whole
pipeline, nothing mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import LocalServer
from tracker.fetch import Fetcher
from tracker.query import EventFilter, export_timeline
from tracker.sources import add_source, poll
from tracker.store import Store

FEED = Path(__file__).parent / "data" / "languages" / "mixed_feed.xml"
ALL = EventFilter(min_confidence=0)


@pytest.fixture
def timeline(server: LocalServer, db_path: Path) -> Iterator[tuple[list[dict[str, Any]],
                                                                    dict[str, str]]]:
    """The events of the polled feed, and each article's stored language by article id."""
    server.add("/wire.xml", body=FEED.read_bytes(),
               headers={"Content-Type": "application/atom+xml; charset=utf-8"})
    with Store(db_path) as store:
        source = add_source(store, server.url("/wire.xml"), name="Mixed wire")
        result = poll(store, source, Fetcher())
        assert result.status == "ok", result
        events = list(export_timeline(store, ALL)["events"])
        languages = {r["id"]: r["language"] for r in
                     store.query("SELECT id, language FROM articles")}
    yield events, languages


def _languages_of(event: dict[str, Any], languages: dict[str, str]) -> set[str]:
    return {languages[m["article_id"]] for m in event["mentions"]}


def _events_on(events: list[dict[str, Any]], day: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["date_start"] == day and e["kind"] == kind]


def test_every_article_gets_its_language_declared_or_detected(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    _, languages = timeline
    # 13 entries: five English (undeclared), two Russian (declared), three Ukrainian (two
    # declared, one detected) and three Turkish (one declared, two detected); the source,
    # added without a language, sets none.
    counts = {lang: list(languages.values()).count(lang) for lang in set(languages.values())}
    assert counts == {"en": 5, "ru": 2, "uk": 3, "tr": 3}


def test_the_istanbul_talks_of_16_may_are_one_event_told_in_four_languages(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    events, languages = timeline
    talks = _events_on(events, "2025-05-16", "diplomacy")
    assert len(talks) == 1, [(e["title"], e["date_start"]) for e in talks]
    assert _languages_of(talks[0], languages) == {"en", "ru", "uk", "tr"}
    assert talks[0]["precision"] == "day"
    assert "Istanbul" in {n["name"] for n in talks[0]["entities"]}


def test_the_sumy_attack_is_one_event_in_english_ukrainian_and_turkish(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    events, languages = timeline
    attacks = _events_on(events, "2025-05-17", "conflict")
    assert len(attacks) == 1, [(e["title"], e["date_start"]) for e in attacks]
    assert _languages_of(attacks[0], languages) == {"en", "uk", "tr"}
    assert "Sumy Oblast" in {n["name"] for n in attacks[0]["entities"]}


def test_the_prisoner_exchange_of_23_may_is_one_event_in_three_languages(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    events, languages = timeline
    exchange = _events_on(events, "2025-05-23", "diplomacy")
    assert len(exchange) == 1, [(e["title"], e["date_start"]) for e in exchange]
    assert _languages_of(exchange[0], languages) == {"en", "ru", "tr"}


def test_different_happenings_stay_apart_whatever_their_language(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    events, languages = timeline
    first = _events_on(events, "2025-05-16", "diplomacy")
    second = _events_on(events, "2025-06-02", "diplomacy")
    assert len(second) == 1 and second[0]["id"] != first[0]["id"]
    assert _languages_of(second[0], languages) == {"en", "uk"}
    # The second round's reports are not in the first round's event, nor the reverse.
    assert not {m["article_id"] for m in first[0]["mentions"]} & {
        m["article_id"] for m in second[0]["mentions"]}
    dated = {(e["date_start"], e["kind"]) for e in events if e["precision"] == "day"}
    assert {("2025-05-16", "diplomacy"), ("2025-05-17", "conflict"),
            ("2025-05-23", "diplomacy"), ("2025-06-02", "diplomacy")} <= dated


def test_an_event_told_in_several_languages_is_titled_in_english(
        timeline: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
    events, _ = timeline
    talks = _events_on(events, "2025-05-16", "diplomacy")[0]
    assert talks["title"].isascii(), talks["title"]
