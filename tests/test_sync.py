"""Incremental sync: ``/api/events?updated_since=`` gives every event written since, in commit
order, tombstones included, so a consumer that applies the pages converges to the server's set.

A consumer here keeps its own copy the way a real one would: it applies each page in order
(an active event replaces its copy, a tombstone removes it), follows ``next_url`` and, when the
list is done, resumes later from ``sync_url``. It runs while another thread ingests articles
(re-clustering merges, splits and rescores events), and must end with exactly what
``/api/events`` lists. Tombstones are also checked one by one on the store: a merge gives
``merged`` with its successor, an event whose evidence went gives ``removed``.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import EXAMPLES
from tracker.ingest import Ingestor
from tracker.models import EventDraft
from tracker.parse import read_jsonl
from tracker.store import Store
from web import create_app

EPOCH = "1970-01-01"


class Consumer:
    """A program keeping a copy of the server's events by ``updated_since``."""

    def __init__(self, client: FlaskClient, query: str = "", page: int = 3) -> None:
        self.client = client
        self.copy: dict[str, dict[str, Any]] = {}
        self.seen: dict[str, int] = {"active": 0, "merged": 0, "removed": 0}
        self.resume = f"/api/events?updated_since={EPOCH}&limit={page}&{query}"

    def sync(self) -> int:
        """Follow the pages from where the last sync ended; returns how many were read."""
        url: str | None = self.resume
        pages = 0
        while url:
            response = self.client.get(url)
            assert response.status_code == 200, response.get_data(as_text=True)
            doc = response.get_json()
            for item in doc["events"]:
                self.seen[item["status"]] += 1
                if item["status"] == "active":
                    self.copy[item["id"]] = {k: v for k, v in item.items() if k != "status"}
                else:
                    assert set(item) <= {"id", "status", "merged_into", "updated_at"}
                    self.copy.pop(item["id"], None)
            assert (response.headers.get("Link") is not None) == (doc["next"] is not None)
            url = doc["next_url"]
            self.resume = doc["sync_url"]
            pages += 1
        return pages


def listed(client: FlaskClient, query: str = "") -> dict[str, dict[str, Any]]:
    """Every event ``/api/events`` lists, following ``next_url``."""
    events: dict[str, dict[str, Any]] = {}
    url: str | None = f"/api/events?limit=7&{query}"
    while url:
        doc = client.get(url).get_json()
        events.update((e["id"], e) for e in doc["events"])
        url = doc["next_url"]
    return events


def test_a_full_sync_is_the_event_list(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    consumer = Consumer(client)
    assert consumer.sync() > 1
    assert consumer.copy == listed(client)
    # nothing changed: resuming gives an empty page and the same token again
    before = consumer.resume
    assert consumer.sync() == 1 and consumer.resume == before


@pytest.mark.parametrize("query", ["kind=diplomacy", "min_confidence=0", "q=talks",
                                   "place=Istanbul", "precision=day"])
def test_a_filtered_sync_is_the_filtered_list(examples_db: Path, query: str) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    consumer = Consumer(client, query)
    consumer.sync()
    assert consumer.copy == listed(client, query)


def test_a_consumer_converges_while_the_worker_ingests(examples_db: Path, tmp_path: Path
                                                      ) -> None:
    # Start from the first four articles; the other ten arrive while the consumer syncs.
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    db = tmp_path / "growing.db"
    first, rest = tmp_path / "first.jsonl", tmp_path / "rest.jsonl"
    first.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    rest.write_text("\n".join(lines[4:]) + "\n", encoding="utf-8")
    with Store(db) as s:
        assert Ingestor(s).ingest(read_jsonl(first)).failed == 0
    client = create_app({"DATABASE": str(db), "TESTING": True}).test_client()
    consumer = Consumer(client, "min_confidence=0", page=2)
    consumer.sync()

    done = threading.Event()
    failures: list[BaseException] = []

    def ingest() -> None:
        try:
            with Store(db) as s:
                ingestor = Ingestor(s)
                for article in read_jsonl(rest):  # one commit per article, as the worker
                    assert ingestor.ingest([article]).failed == 0
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=ingest)
    writer.start()
    for _ in itertools.count():
        consumer.sync()
        if done.is_set():
            break
    writer.join()
    assert not failures, failures
    consumer.sync()  # what the last commits wrote
    assert consumer.copy == listed(client, "min_confidence=0")
    assert consumer.seen["active"] > len(consumer.copy)  # events changed while it synced
    assert consumer.seen["merged"] > 0  # re-clustering merged some: their tombstones came


def draft(event_id: str, mention_ids: list[str], title: str = "talks") -> EventDraft:
    return EventDraft(
        id=event_id, cluster_key=f"g|{event_id}", title=title, kind="diplomacy",
        date_start=date(2025, 5, 16), date_end=date(2025, 5, 16), precision="day",
        date_text="16 May 2025", n_mentions=len(mention_ids), n_articles=1, n_sources=1,
        score=1.0, mention_ids=tuple(mention_ids), entity_counts=(), summary=(title,),
        confidence=0.9, quality=0.9)


def test_merges_and_removals_leave_tombstones(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    with Store(examples_db) as s:
        mentions = [r["id"] for r in s.query("SELECT id FROM mentions ORDER BY id LIMIT 4")]
        # four mentions of a clustering group of their own ("g"), for drafts to share out
        s.execute(f"UPDATE mentions SET cluster_key = 'g|x' WHERE id IN "
                  f"({','.join('?' * len(mentions))})", mentions)
        s.replace_events("g", [draft("ev-a", mentions[:2]), draft("ev-b", mentions[2:3]),
                               draft("ev-c", mentions[3:])])
    consumer = Consumer(client, "min_confidence=0")
    consumer.sync()
    assert {"ev-a", "ev-b", "ev-c"} <= set(consumer.copy)
    with Store(examples_db) as s:  # b joins a; c's evidence is gone
        s.replace_events("g", [draft("ev-a", mentions[:3])])
    changed = client.get(consumer.resume).get_json()["events"]
    by_id = {e["id"]: e for e in changed}
    assert set(by_id) == {"ev-a", "ev-b", "ev-c"}
    assert by_id["ev-b"]["status"] == "merged" and by_id["ev-b"]["merged_into"] == "ev-a"
    assert by_id["ev-c"]["status"] == "removed" and "merged_into" not in by_id["ev-c"]
    assert by_id["ev-a"]["status"] == "active" and by_id["ev-a"]["n_mentions"] == 3
    consumer.sync()
    assert consumer.copy == listed(client, "min_confidence=0")
    # a merged event's page follows the merge; a removed one is gone
    assert client.get("/api/events/ev-b").get_json()["event"]["id"] == "ev-a"
    assert client.get("/api/events/ev-c").status_code == 404
    # the same event back (deterministic ids): active again, with a later change number
    with Store(examples_db) as s:
        s.replace_events("g", [draft("ev-a", mentions[:2]), draft("ev-c", mentions[3:])])
    consumer.sync()
    assert "ev-c" in consumer.copy and "ev-b" not in consumer.copy
    assert consumer.copy == listed(client, "min_confidence=0")


def test_a_time_maps_to_the_changes_written_since(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    everything = client.get(f"/api/events?updated_since={EPOCH}&limit=1000&min_confidence=0")
    updated = sorted(e["updated_at"] for e in everything.get_json()["events"])
    later = client.get("/api/events?limit=1000&min_confidence=0&updated_since="
                       + updated[-1].replace("+00:00", "Z")).get_json()["events"]
    assert later and all(e["updated_at"] >= updated[-1] for e in later)
    future = client.get("/api/events?updated_since=2999-01-01").get_json()
    assert future["events"] == [] and future["next"] is None and future["sync_token"]


@pytest.mark.parametrize("query", ["updated_since=yesterday", "updated_since=2025-13-01",
                                   "updated_since=2025-01-01&key=1",
                                   "updated_since=2025-01-01&after=x"])
def test_bad_sync_parameters_are_400(examples_db: Path, query: str) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 400
    assert response.get_json()["ok"] is False and response.get_json()["error"]


def test_tokens_are_opaque_but_stable(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    a = client.get(f"/api/events?updated_since={EPOCH}&limit=2").get_json()
    b = client.get(f"/api/events?updated_since={EPOCH}&limit=2").get_json()
    assert a == b
    assert json.dumps(a["sync_token"]).isascii()
