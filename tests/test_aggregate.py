"""``/api/aggregate`` and ``/api/overview``: events counted per period and kind.

On the bundled examples: the counts add up to what ``/api/events`` lists for the same filter,
``min_confidence`` is respected, weeks start on Monday, bad parameters are 400s. On generated
databases (``benchmarks/dashboard_scale.build``): the period ``auto`` chooses, and the counts
against a plain count in Python.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from benchmarks.dashboard_scale import build
from tracker import aggregate as agg
from tracker.store import Store
from web import create_app


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("generated") / "gen.db", 3000, seed=3)


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def listed(client: FlaskClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event ``/api/events`` lists for ``params``, page by page."""
    events: list[dict[str, Any]] = []
    after = None
    total = None
    while True:
        page = get_json(client, "/api/events?" + urlencode(
            {**params, "limit": 7, **({"after": after} if after else {})}))
        total = page["total"] if total is None else total  # the first page counts them
        events += page["events"]
        after = page["next"]
        if not after:
            assert len(events) == total
            return events


FILTERS = [
    {},
    {"min_confidence": 0},
    {"min_confidence": 0.7},
    {"from": "2025-05-10", "to": "2025-05-25"},
    {"from": "2025-05-14", "to": "2025-05-20", "min_confidence": 0},
    {"kind": "diplomacy"},
    {"entity": "Istanbul", "min_confidence": 0},
    {"q": "talks", "min_confidence": 0},
    {"min_sources": 2},
    {"key": 1},
]


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize("bucket", ["auto", "day", "week", "month"])
def test_counts_add_up_to_the_event_list(client: FlaskClient, params: dict[str, Any],
                                         bucket: str) -> None:
    doc = get_json(client, "/api/aggregate?" + urlencode({**params, "bucket": bucket}))
    events = listed(client, params)
    assert doc["ok"] is True
    assert doc["total"] == len(events) == sum(b["count"] for b in doc["buckets"])
    per_kind = Counter(e["kind"] for e in events)
    assert Counter({k: sum(b["count"] for b in doc["buckets"] if b["kind"] == k)
                    for k in doc["kinds"]}) == per_kind
    assert doc["kinds"] == sorted(per_kind, key=lambda k: (-per_kind[k], k))
    if bucket != "auto":
        assert doc["bucket"] == bucket
    # Each event sits in the period holding its first day (or the range's first day).
    start = date.fromisoformat(params["from"]) if "from" in params else date.min
    expected = Counter(
        (agg.bucket_start(max(date.fromisoformat(e["date_start"]), start), doc["bucket"])
         .isoformat(), e["kind"]) for e in events)
    assert Counter({(b["start"], b["kind"]): b["count"] for b in doc["buckets"]}) == expected


def test_the_examples_count_by_day_when_auto(client: FlaskClient) -> None:
    # The examples run from 2022 to June 2025: over 400 days, fewer than 400 weeks.
    doc = get_json(client, "/api/aggregate?min_confidence=0")
    assert doc["bucket"] == "week"
    assert doc["from"] == "2022-01-01"
    doc = get_json(client, "/api/aggregate?from=2025-05-01&to=2025-06-30")
    assert (doc["bucket"], doc["from"], doc["to"]) == ("day", "2025-05-01", "2025-06-30")


def test_weeks_start_on_monday_and_end_on_sunday(client: FlaskClient) -> None:
    doc = get_json(client, "/api/aggregate?bucket=week&min_confidence=0")
    assert doc["buckets"]
    for b in doc["buckets"]:
        start, end = date.fromisoformat(b["start"]), date.fromisoformat(b["end"])
        assert start.weekday() == 0 and end - start == timedelta(days=6), b
    assert {"start": "2025-05-12", "end": "2025-05-18", "kind": "diplomacy"}.items() <= \
        next(b for b in doc["buckets"] if b["start"] == "2025-05-12"
             and b["kind"] == "diplomacy").items()


def test_months_run_from_the_first_to_the_last_day(client: FlaskClient) -> None:
    doc = get_json(client, "/api/aggregate?bucket=month&min_confidence=0")
    for b in doc["buckets"]:
        start, end = date.fromisoformat(b["start"]), date.fromisoformat(b["end"])
        assert start.day == 1 and (end + timedelta(days=1)).day == 1 and end.month == start.month


def test_min_confidence_is_respected(client: FlaskClient, examples_db: Path) -> None:
    with Store(examples_db) as store:
        rows = store.query("SELECT confidence FROM events WHERE status = 'active'")
    for threshold in (0, 0.3, 0.55, 0.8, 1):
        doc = get_json(client, f"/api/aggregate?min_confidence={threshold}")
        assert doc["total"] == sum(1 for r in rows if r["confidence"] >= threshold)
    assert get_json(client, "/api/aggregate")["total"] == \
        sum(1 for r in rows if r["confidence"] >= agg.MIN_CONFIDENCE)


@pytest.mark.parametrize("query", [
    "bucket=year", "bucket=hour", "from=2025-13-01", "from=2025-06-01&to=2025-05-01",
    "min_confidence=2", "min_confidence=x", "min_sources=-1", "kind=%00",
    "max_buckets=0", "max_buckets=401", "max_buckets=ten",
])
def test_bad_parameters_are_400(client: FlaskClient, query: str) -> None:
    doc = get_json(client, f"/api/aggregate?{query}", 400)
    assert doc["ok"] is False and doc["status"] == 400 and doc["error"]


def test_nothing_matching_is_an_empty_answer(client: FlaskClient) -> None:
    doc = get_json(client, "/api/aggregate?kind=health")  # a kind the examples never tell
    assert (doc["total"], doc["kinds"], doc["buckets"]) == (0, [], [])
    doc = get_json(client, "/api/aggregate?from=1990-01-01&to=1990-12-31")
    assert (doc["total"], doc["bucket"], doc["buckets"]) == (0, "day", [])


def test_overview_is_the_whole_timeline_unfiltered(client: FlaskClient) -> None:
    overview = get_json(client, "/api/overview")
    assert overview == get_json(client, "/api/aggregate")
    assert get_json(client, "/api/overview?min_confidence=0") == \
        get_json(client, "/api/aggregate?min_confidence=0")
    get_json(client, "/api/overview?min_confidence=3", 400)
    # Served again from the response cache: the same document.
    assert get_json(client, "/api/overview") == overview


@pytest.mark.parametrize(("first", "last", "bucket"), [
    ("2024-01-01", "2024-01-01", "day"),
    ("2024-01-01", "2025-02-03", "day"),  # 400 days
    ("2024-01-01", "2025-02-04", "week"),  # 401 days
    ("2020-01-01", "2027-08-01", "week"),
    ("2020-01-01", "2028-01-01", "month"),
    ("1900-01-01", "2025-01-01", "month"),
])
def test_auto_keeps_within_the_bucket_limit(first: str, last: str, bucket: str) -> None:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    assert agg.choose_bucket(a, b) == bucket
    if bucket != "month":
        assert agg.n_buckets(a, b, bucket) <= agg.MAX_BUCKETS


@pytest.mark.parametrize(("params", "bucket"), [
    ({}, "week"),  # six years
    ({"from": "2021-03-01", "to": "2021-03-31"}, "day"),
    ({"from": "2021-01-01", "to": "2022-06-30"}, "week"),
    ({"from": "2019-01-01", "to": "2027-12-31"}, "month"),
])
def test_generated_database(generated_db: Path, params: dict[str, Any], bucket: str) -> None:
    client = create_app({"DATABASE": str(generated_db), "TESTING": True}).test_client()
    doc = get_json(client, "/api/aggregate?" + urlencode(params))
    assert doc["bucket"] == bucket
    assert len({b["start"] for b in doc["buckets"]}) <= agg.MAX_BUCKETS
    assert doc["total"] == get_json(client, "/api/events?" + urlencode(params))["total"]
    with Store(generated_db) as store:
        rows = store.query("SELECT kind, date_start, date_end FROM events WHERE status = "
                           "'active' AND confidence >= ?", [agg.MIN_CONFIDENCE])
    first = date.fromisoformat(params.get("from", "0001-01-01"))
    last = params.get("to", "9999-12-31")
    expected = Counter(
        (agg.bucket_start(max(date.fromisoformat(r["date_start"]), first), bucket).isoformat(),
         r["kind"]) for r in rows if r["date_end"] >= first.isoformat()
        and r["date_start"] <= last)
    assert Counter({(b["start"], b["kind"]): b["count"] for b in doc["buckets"]}) == expected


@pytest.mark.parametrize(("params", "max_buckets", "bucket"), [
    ({"from": "2021-01-01", "to": "2021-12-31"}, 400, "day"),
    ({"from": "2021-01-01", "to": "2021-12-31"}, 200, "week"),  # a chart 1,000 px wide
    ({"from": "2021-01-01", "to": "2021-12-31"}, 40, "month"),
    ({}, 60, "month"),
])
def test_a_chart_asks_for_no_more_periods_than_it_has_room_for(
        generated_db: Path, params: dict[str, Any], max_buckets: int, bucket: str) -> None:
    client = create_app({"DATABASE": str(generated_db), "TESTING": True}).test_client()
    query = urlencode({**params, "max_buckets": max_buckets})
    doc = get_json(client, "/api/aggregate?" + query)
    assert doc["bucket"] == bucket
    assert doc["total"] == get_json(client, "/api/aggregate?" + urlencode(params))["total"]
    if not params:
        assert get_json(client, f"/api/overview?max_buckets={max_buckets}")["bucket"] == bucket


@pytest.mark.parametrize("params", [{}, {"kind": "diplomacy"}, {"from": "2025-05-01"},
                                    {"min_confidence": "0"}])
def test_lanes_by_entity_count_each_person_and_place(client: FlaskClient,
                                                     params: dict[str, Any]) -> None:
    doc = get_json(client, "/api/aggregate?" + urlencode({**params, "group": "entity"}))
    assert doc["group"] == "entity"
    assert doc["total"] == get_json(client, "/api/events?" + urlencode(params))["total"]
    lanes = doc["entities"]
    assert 0 < len(lanes) <= agg.ENTITY_LANES
    assert {n["kind"] for n in lanes} <= set(agg.ENTITY_KINDS)
    assert [n["count"] for n in lanes] == sorted((n["count"] for n in lanes), reverse=True)
    per_entity = Counter[str]()
    for b in doc["buckets"]:
        per_entity[b["entity"]] += b["count"]
    for n in lanes:  # each lane counts exactly the events the list gives for that entity
        listed_total = get_json(client, "/api/events?" + urlencode({**params, "entity": n["id"]}))
        assert per_entity[n["id"]] == n["count"] == listed_total["total"], n
    # the busiest people and places: no one left out has more events than a lane's
    every = Counter(x["id"] for e in listed(client, params) for x in e["entities"]
                    if x["kind"] in agg.ENTITY_KINDS)
    if len(every) > len(lanes):
        assert max(c for i, c in every.items() if i not in per_entity) <= lanes[-1]["count"]


def test_lanes_by_entity_with_nothing_matching(client: FlaskClient) -> None:
    doc = get_json(client, "/api/aggregate?group=entity&kind=health")
    assert (doc["total"], doc["entities"], doc["buckets"]) == (0, [], [])
    get_json(client, "/api/aggregate?group=place", 400)
