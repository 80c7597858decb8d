"""The web app through Flask's test client, on a real database of the bundled examples.

Covers the JSON API (filters, keyset pagination, the error shape, key events), the vendored
Plotly asset, and the server-rendered pages: the dashboard's story view (the key events as a
timeline, without JavaScript), its chart view, events, entities and sources. The browser-driven
dashboard is in ``test_dashboard.py``.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import HOSTILE_ARTICLE
from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.store import Store
from web import create_app
from web.api import KEY_EVENTS


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.is_json
    return response.get_json()


def all_events(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    body = get_json(client, f"/api/events?limit=1000&{query}")
    assert body["next"] is None
    return list(body["events"])


def assert_error(body: dict[str, Any], status: int) -> None:
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]


def page(client: FlaskClient, url: str, status: int = 200) -> Any:
    """The parsed HTML of a page (``lxml.html``), after checking its status."""
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(node: Any) -> str:
    return " ".join(node.text_content().split())


def story(doc: Any) -> list[dict[str, Any]]:
    """The entries of the story view as a reader sees them."""
    entries = []
    for li in doc.xpath('//ol[@id="story-list"]/li'):
        headline = li.xpath(".//h2/a")[0]
        time = li.xpath(".//time")[0]
        entries.append({
            "id": li.get("data-event-id"),
            "date_label": text(time),
            "datetime": time.get("datetime"),
            "when": text(li.xpath('.//*[@class="story-when"]')[0]),
            "headline": text(headline),
            "href": headline.get("href"),
            "summary": [text(s) for s in li.xpath('.//ul[@class="summary"]/li')],
            "meta": text(li.xpath('.//*[@class="story-meta"]')[0]),
            "evidence": li.xpath('.//a[@class="evidence"]')[0].get("href"),
        })
    return entries


def key_events(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    """The key events the story view and ``key=1`` promise: ``/api/top`` with the dashboard's
    ``KEY_EVENTS``, best first."""
    return list(get_json(client, f"/api/top?k={KEY_EVENTS}&{query}")["events"])


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- dashboard and asset


def test_dashboard_loads_plotly_from_our_own_server(client: FlaskClient) -> None:
    html = client.get("/?view=chart").get_data(as_text=True)
    assert 'src="/static/vendor/plotly.min.js?v=' in html
    for url in ("/?view=chart", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "cdn" not in html.lower()
        assert 'src="http' not in html and 'href="http' not in html


def test_plotly_asset_is_served_with_long_cache(client: FlaskClient) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert len(response.data) > 1_000_000
    assert b"plotly.js" in response.data[:200]
    assert response.cache_control.max_age is not None
    assert response.cache_control.max_age >= 30 * 24 * 3600

    packed = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(response.data) / 2
    assert gzip.decompress(packed.data) == response.data

    again = client.get("/static/vendor/plotly.min.js",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_chart_view_lists_events_without_javascript(client: FlaskClient) -> None:
    doc = page(client, "/?view=chart&min_confidence=0")
    events = all_events(client, "min_confidence=0")
    rows = doc.xpath('//ol[@id="event-list"]/li')
    assert len(rows) == len(events)
    for event, row in zip(events, rows, strict=True):
        assert text(row.xpath('.//*[@class="when"]')[0]) == event["date_label"]
        link = row.xpath(".//a")[0]
        assert link.get("href") == f"/events/{event['id']}"
        assert text(link) == event["title"]
        # the headline, then its first summary sentence in smaller type
        if event["summary"]:
            assert text(row.xpath('.//small[@class="gist"]')[0]) == event["summary"][0]
    # a year-precision event reads as its year, never as 1 January
    years = [e for e in events if e["precision"] == "year"]
    assert years, "the examples mention the 2022 talks"
    assert "1 January" not in text(doc)


def test_chart_view_list_follows_the_filter_form(client: FlaskClient) -> None:
    html = client.get("/?view=chart&q=Istanbul").get_data(as_text=True)
    assert 'value="Istanbul"' in html
    for event in all_events(client, "q=Istanbul")[:5]:
        assert f'/events/{event["id"]}' in html
    for url in ("/?from=tomorrow", "/?view=chart&from=tomorrow"):
        bad = client.get(url)
        assert bad.status_code == 400
        assert "not a date" in bad.get_data(as_text=True)


def test_chart_view_keeps_the_low_confidence_choice(client: FlaskClient) -> None:
    doc = page(client, "/?view=chart")
    box = doc.xpath('//form[@id="filters"]//input[@name="min_confidence"]')[0]
    assert box.get("type") == "checkbox" and box.get("value") == "0"
    assert box.get("checked") is None
    shown = len(doc.xpath('//ol[@id="event-list"]/li'))
    doc = page(client, "/?view=chart&min_confidence=0")
    assert doc.xpath('//form[@id="filters"]//input[@name="min_confidence"]')[0].get("checked") \
        is not None
    assert len(doc.xpath('//ol[@id="event-list"]/li')) > shown
    # the form stays on the chart view when sent without JavaScript
    assert doc.xpath('//form[@id="filters"]//input[@name="view"]')[0].get("value") == "chart"


# ---------------------------------------------------------------- /api/events


def test_events_are_listed_in_date_order(client: FlaskClient) -> None:
    body = get_json(client, "/api/events")
    assert body["ok"] is True
    assert body["total"] >= 10
    assert 0 < len(body["events"]) <= 100
    starts = [e["date_start"] for e in body["events"]]
    assert starts == sorted(starts)
    first = body["events"][0]
    for key in ("id", "title", "kind", "date_start", "date_end", "precision", "date_text",
                "date_label", "n_sources", "entities"):
        assert key in first


def test_from_and_to_narrow_the_list(client: FlaskClient) -> None:
    everything = all_events(client)
    day = all_events(client, "from=2025-05-16&to=2025-05-16")
    assert 0 < len(day) < len(everything)
    for e in day:
        assert e["date_start"] <= "2025-05-16" <= e["date_end"]
    later = all_events(client, "from=2025-06-01")
    assert later and all(e["date_end"] >= "2025-06-01" for e in later)


def test_text_query_finds_istanbul(client: FlaskClient) -> None:
    found = all_events(client, "q=Istanbul")
    assert found
    assert any("Istanbul" in e["title"] for e in found)
    assert len(found) < len(all_events(client))


def test_query_of_only_quotes_is_no_query(client: FlaskClient) -> None:
    body = get_json(client, "/api/events?q=%22&limit=1")
    assert body["total"] == len(all_events(client))


def test_kind_filter(client: FlaskClient) -> None:
    kinds = get_json(client, "/api/kinds")["kinds"]
    kind = kinds[0]["kind"]
    found = all_events(client, f"kind={kind}")
    assert len(found) == kinds[0]["events"]
    assert {e["kind"] for e in found} == {kind}


def test_entity_filter_by_name(client: FlaskClient) -> None:
    everything = all_events(client)
    entity = next(n for e in everything for n in e["entities"] if n["name"] == "Istanbul")
    found = all_events(client, "entity=istanbul")
    assert found
    assert len(found) == sum(1 for e in everything if entity in e["entities"])
    assert all(any(n["id"] == entity["id"] for n in e["entities"]) for e in found)


def test_pagination_walks_every_event_exactly_once(client: FlaskClient) -> None:
    expected = [e["id"] for e in all_events(client)]
    seen: list[str] = []
    url = "/api/events?limit=2"
    pages = 0
    while True:
        body = get_json(client, url)
        assert len(body["events"]) <= 2
        # the first page counts the events; later ones do not, unless asked (count=1)
        assert body["total"] == (len(expected) if pages == 0 else None)
        seen += [e["id"] for e in body["events"]]
        pages += 1
        if body["next"] is None:
            break
        assert body["next_url"] == f"/api/events?limit=2&after={body['next']}"
        url = body["next_url"]
    assert seen == expected
    assert pages == (len(expected) + 1) // 2
    later = get_json(client, f"{url}&count=1")
    assert later["total"] == len(expected)


@pytest.mark.parametrize("query", [
    "from=2025-13-01", "to=yesterday", "from=2025-06-01&to=2025-05-01", "limit=0",
    "limit=1001", "limit=ten", "after=not-a-cursor", "min_sources=-1",
    "min_confidence=1.5", "min_confidence=-0.1", "min_confidence=sure",
])
def test_bad_parameters_give_the_json_error_shape(client: FlaskClient, query: str) -> None:
    body = get_json(client, f"/api/events?{query}", status=400)
    assert_error(body, 400)
    assert query.split("=")[0] in body["error"]


# ---------------------------------------------------------------- one event, export, others


def test_event_has_mentions_with_sentences(client: FlaskClient) -> None:
    event_id = all_events(client)[0]["id"]
    event = get_json(client, f"/api/events/{event_id}")["event"]
    assert event["id"] == event_id
    assert event["mentions"]
    for m in event["mentions"]:
        assert m["sentence"].strip()
        assert m["source"]
        assert m["article_url"].startswith("https://")


def test_unknown_event_and_unknown_path_are_json_404s(client: FlaskClient) -> None:
    body = get_json(client, "/api/events/e-does-not-exist", status=404)
    assert_error(body, 404)
    assert body["error"] == "event not found"
    assert_error(get_json(client, "/api/no/such/thing", status=404), 404)
    assert_error(client.post("/api/events").get_json(), 405)


def test_export_has_every_event_with_mentions(client: FlaskClient) -> None:
    response = client.get("/api/export")
    assert "Content-Disposition" not in response.headers
    doc = response.get_json()
    ids = [e["id"] for e in all_events(client)]
    assert doc["ok"] is True
    assert doc["count"] == len(ids)
    assert [e["id"] for e in doc["events"]] == ids
    assert all(e["mentions"] for e in doc["events"])

    download = client.get("/api/export?download=1")
    assert download.headers["Content-Disposition"] == "attachment; filename=timeline.json"
    assert json.loads(download.data)["count"] == len(ids)


def test_top_summaries_have_at_most_the_sentences_asked_for(client: FlaskClient) -> None:
    three = key_events(client)
    assert any(len(e["summary"]) > 1 for e in three)
    assert all(1 <= len(e["summary"]) <= 3 for e in three)
    one = key_events(client, "sentences=1")
    assert [e["event_id"] for e in one] == [e["event_id"] for e in three]
    assert all(len(e["summary"]) == 1 for e in one)
    assert [e["summary"][0] for e in one] == [e["summary"][0] for e in three]


@pytest.mark.parametrize("url", [
    "/api/top?min_confidence=2", "/api/top?min_confidence=-1", "/api/top?min_confidence=x",
    "/api/kinds?min_confidence=1.01", "/api/export?min_confidence=-3",
])
def test_min_confidence_out_of_range_is_a_400_naming_it(client: FlaskClient, url: str) -> None:
    body = get_json(client, url, status=400)
    assert_error(body, 400)
    assert "min_confidence" in body["error"]


def test_low_confidence_events_come_back_with_min_confidence_0(client: FlaskClient) -> None:
    shown, every = all_events(client), all_events(client, "min_confidence=0")
    assert {e["id"] for e in shown} < {e["id"] for e in every}
    assert all(0 <= e["confidence"] <= 1 for e in every)
    assert min(e["confidence"] for e in every) < min(e["confidence"] for e in shown)


def test_top_kinds_and_sources(client: FlaskClient) -> None:
    top = get_json(client, "/api/top?k=3")
    assert top["ok"] is True and 0 < len(top["events"]) <= 3
    assert {"date", "title", "score", "event_id"} <= set(top["events"][0])
    kinds = get_json(client, "/api/kinds")["kinds"]
    assert sum(k["events"] for k in kinds) == len(all_events(client))
    assert get_json(client, "/api/sources") == {"ok": True, "sources": []}
    assert_error(get_json(client, "/api/top?k=0", status=400), 400)


@pytest.mark.parametrize("make_bad", [
    lambda tmp: tmp / "missing" / "tracker.db",
    lambda tmp: tmp,
    lambda tmp: (tmp / "junk.db").write_bytes(b"not a database" * 500) and tmp / "junk.db",
])
def test_unopenable_database_is_a_clear_503(tmp_path: Path, make_bad: Any) -> None:
    client = create_app({"DATABASE": str(make_bad(tmp_path)), "TESTING": True}).test_client()
    body = get_json(client, "/api/events", status=503)
    assert_error(body, 503)
    assert "database" in body["error"]
    page = client.get("/")
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)


def test_database_path_defaults_to_the_environment(
    monkeypatch: pytest.MonkeyPatch, examples_db: Path
) -> None:
    monkeypatch.setenv("TRACKER_DB", str(examples_db))
    assert create_app().config["DATABASE"] == str(examples_db)
    monkeypatch.delenv("TRACKER_DB")
    monkeypatch.chdir(examples_db.parent)
    assert create_app().config["DATABASE"] == str(examples_db.parent / "tracker.db")


# ---------------------------------------------------------------- HTML pages


def test_event_page_shows_evidence(client: FlaskClient) -> None:
    event = next(e for e in all_events(client) if e["n_sources"] >= 2)
    detail = get_json(client, f"/api/events/{event['id']}")["event"]
    html = client.get(f"/events/{event['id']}").get_data(as_text=True)
    assert event["date_label"] in html
    assert event["precision"] in html
    for m in detail["mentions"]:
        assert m["source"] in html
        assert f'href="{m["article_url"]}"' in html
    for n in detail["entities"]:
        assert n["name"] in html
    doc = lxml.html.fromstring(html)
    assert text(doc.xpath("//h1")[0]) == event["title"]
    assert [text(li) for li in doc.xpath('//ul[@class="summary"]/li')] == event["summary"]
    assert doc.xpath('//h2[@id="evidence"]')


def test_unknown_event_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/events/e-nope")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "No event with id" in response.get_data(as_text=True)


def test_merged_event_ids_keep_working(client: FlaskClient, examples_db: Path) -> None:
    target = all_events(client)[0]
    with Store(examples_db) as store:
        store.execute(
            "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
            "date_text, first_seen_at, updated_at, status, merged_into) VALUES "
            "('e-old', 'x|', 'Old', 'other', '2025-05-01', '2025-05-01', 'day', 'then', "
            "'2025-05-01', '2025-05-01', 'merged', ?)", [target["id"]],
        )
    assert get_json(client, "/api/events/e-old")["event"]["id"] == target["id"]
    html = client.get("/events/e-old").get_data(as_text=True)
    assert target["title"] in html
    assert "merged into this one" in html


def test_sources_page_shows_health_and_runs(client: FlaskClient, examples_db: Path) -> None:
    assert "No sources configured" in client.get("/sources").get_data(as_text=True)
    with Store(examples_db) as store:
        store.execute(
            "INSERT INTO sources (id, kind, url, name, created_at, last_error, last_error_at, "
            "consecutive_failures) VALUES ('s1', 'feed', 'https://feeds.example.org/rss', "
            "'Harbour Feed', '2025-05-01T00:00:00+00:00', 'HTTP 503 from feeds.example.org', "
            "'2025-05-02T10:00:00+00:00', 3)"
        )
        run = store.start_run("poll", "s1")
        store.finish_run(run, status="failed", n_failed=1, error="HTTP 503 from feeds.example.org")
    html = client.get("/sources").get_data(as_text=True)
    assert "Harbour Feed" in html
    # anonymous readers see what kind of failure it was, not where (test_web_security.py)
    assert "HTTP 503" in html and "HTTP 503 from feeds.example.org" not in html
    assert "3 failures in a row" in html
    assert "Recent runs" in html and "poll" in html and "failed" in html
    sources = get_json(client, "/api/sources")["sources"]
    assert sources[0]["last_run"]["status"] == "failed"
    assert sources[0]["last_run"]["error"] == "HTTP 503"


def test_an_entity_has_a_page_and_an_api_record_listing_its_events(examples_db: Path) -> None:
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    listing = client.get("/api/entities?q=Zelensk").get_json()
    assert [e["name"] for e in listing["entities"]] == ["Volodymyr Zelenskyy"]
    zelenskyy = listing["entities"][0]
    assert {"Zelensky", "Volodymyr Zelensky"} <= set(zelenskyy["aliases"])
    record = client.get(f"/api/entities/{zelenskyy['id']}").get_json()["entity"]
    dates = [e["date_start"] for e in record["events"]]
    assert dates == sorted(dates) and len(dates) == zelenskyy["n_events"] > 1
    assert client.get("/api/entities/Zelensky").get_json()["entity"]["id"] == zelenskyy["id"]
    page = client.get(f"/entities/{zelenskyy['id']}")
    assert page.status_code == 200 and b"Volodymyr Zelenskyy" in page.data
    assert b"Events over time" in page.data
    assert client.get("/api/entities/nobody-at-all").status_code == 404
    assert client.get("/entities?kind=place").status_code == 200


# ---------------------------------------------------------------- the story view


def test_the_dashboard_opens_on_the_story_of_the_key_events_in_date_order(
    client: FlaskClient,
) -> None:
    doc = page(client, "/")
    entries = story(doc)
    expected = sorted(key_events(client), key=lambda e: e["date"])
    assert len(entries) == len(expected) > 5
    assert [e["id"] for e in entries] == [e["event_id"] for e in expected]
    for entry, event in zip(entries, expected, strict=True):
        assert entry["date_label"] == event["date_label"]
        assert entry["datetime"] == event["date"]
        assert entry["headline"] == event["title"]
        assert entry["href"] == f"/events/{event['event_id']}"
        assert entry["summary"] == event["summary"] and entry["summary"]
        assert entry["evidence"] == f"/events/{event['event_id']}#evidence"
        assert event["kind"] in entry["meta"]
        assert (f"{plural(event['n_sources'], 'source')} · "
                f"{plural(event['n_articles'], 'article')}") in entry["meta"]
        if event["date_text"] and event["precision"] != "reported":
            assert f"as written: “{event['date_text']}”" in entry["when"]
    # accessible markup: an ordered list of headed entries, the view named by the h1
    assert text(doc.xpath("//h1")[0]) == "Key events"
    assert doc.xpath('//section[@id="story"]')[0].get("aria-labelledby") == "view-title"
    # a headline leads to the event's page with all its evidence
    first = expected[0]
    evidence = client.get(entries[0]["href"]).get_data(as_text=True)
    assert "Supporting sentences" in evidence and first["title"] in evidence


def test_the_story_view_works_without_javascript(client: FlaskClient) -> None:
    doc = page(client, "/")
    assert doc.xpath("//script") == [], "the story needs no script (nor the 4 MB chart library)"
    assert story(doc)
    switch = doc.xpath('//nav[@class="view-switch"]//a')
    current = [(text(a), a.get("aria-current")) for a in switch]
    assert current == [("Story", "page"), ("Chart", None), ("Map", None)]
    chart = page(client, switch[1].get("href"))
    assert chart.xpath('//div[@id="timeline"]') and not chart.xpath('//ol[@id="story-list"]')
    switch = chart.xpath('//nav[@class="view-switch"]//a')
    current = [(text(a), a.get("aria-current")) for a in switch]
    assert current == [("Story", None), ("Chart", "page"), ("Map", None)]
    back = page(client, switch[0].get("href"))
    assert [e["id"] for e in story(back)] == [e["id"] for e in story(doc)]


def test_chart_view_is_one_link_away_and_keeps_the_filters(client: FlaskClient) -> None:
    doc = page(client, "/?view=chart&q=Istanbul&min_confidence=0")
    assert doc.xpath('//div[@id="timeline"]')
    assert doc.xpath('//form[@id="filters"]//input[@name="q"]')[0].get("value") == "Istanbul"
    assert text(doc.xpath("//h1")[0]) == "All events"
    story_link = doc.xpath('//nav[@class="view-switch"]//a[@data-view="story"]')[0].get("href")
    assert "view=" not in story_link and "min_confidence=0" in story_link
    back = page(client, story_link)
    chart_link = back.xpath('//nav[@class="view-switch"]//a[@data-view="chart"]')[0].get("href")
    assert "view=chart" in chart_link and "q=Istanbul" in chart_link
    # nothing a visitor types is turned into url_for's own keywords (_external, _scheme)
    doc = page(client, "/?_external=1&_scheme=javascript")
    for a in doc.xpath('//nav[@class="view-switch"]//a'):
        assert a.get("href").startswith("/?")


def test_story_and_key_events_toggle_are_the_same_selection(client: FlaskClient) -> None:
    for query in ("", "min_confidence=0", "from=2025-05-10&to=2025-05-31"):
        story_ids = [e["id"] for e in story(page(client, f"/?{query}"))]
        toggled = [e["id"] for e in all_events(client, f"key=1&{query}")]
        assert story_ids and sorted(story_ids) == sorted(toggled), query
        assert story_ids == [e["event_id"] for e in
                             sorted(key_events(client, query), key=lambda e: e["date"])]


def test_story_follows_dates_and_low_confidence(client: FlaskClient) -> None:
    entries = story(page(client, "/?from=2025-05-15&to=2025-05-20"))
    assert entries
    assert all("2025-05-15" <= e["datetime"] <= "2025-05-20" for e in entries)
    assert len(story(page(client, "/?min_confidence=0"))) >= len(story(page(client, "/")))
    bad = client.get("/?min_confidence=2")
    assert bad.status_code == 400
    assert "min_confidence" in bad.get_data(as_text=True)


def test_an_unknown_kind_is_a_400_that_lists_the_kinds(client: FlaskClient) -> None:
    for url in ("/api/events?kind=sports", "/api/export?kind=sports",
                "/api/aggregate?kind=sports"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "kind must be one of diplomacy, conflict" in response.get_json()["error"]
    assert client.get("/api/events?kind=conflict").status_code == 200


def test_an_empty_database_shows_how_to_add_events(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db"):
        pass
    client = create_app({"DATABASE": str(tmp_path / "empty.db"), "TESTING": True}).test_client()
    doc = page(client, "/")
    assert not doc.xpath('//ol[@id="story-list"]')
    empty = text(doc.xpath('//*[@id="empty-state"]')[0])
    assert "No events yet" in empty
    assert "tracker ingest" in empty and "tracker source add" in empty
    chart = page(client, "/?view=chart")
    assert chart.xpath('//ol[@id="event-list"]/li[@class="empty"]')
    for view in (chart, page(client, "/?view=map")):  # every view says how to fill it
        assert "tracker source add" in text(view.xpath('//*[@id="empty-state"]')[0])
    assert text(doc.xpath('//*[@id="scope"]')[0]) == (
        "No events yet, from no configured source, in the database empty.db.")


def test_the_dashboard_names_its_database_sources_and_span(client: FlaskClient,
                                                           examples_db: Path) -> None:
    scope = text(page(client, "/").xpath('//*[@id="scope"]')[0])
    with Store(examples_db) as store:
        events = store.db.execute(
            "SELECT COUNT(*), MIN(date_start), MAX(date_start) FROM events "
            "WHERE status = 'active'").fetchone()
        sources = [r[0] for r in store.db.execute("SELECT name FROM sources ORDER BY name")]
    first, last = (date.fromisoformat(d) for d in events[1:])
    assert scope.startswith(f"{events[0]:,} events, {first:%B %Y} to {last:%B %Y}, from ")
    assert scope.endswith(f"in the database {examples_db.name}.")
    for name in sources[:3]:
        assert name in scope
    assert str(examples_db.parent) not in scope  # the file's name, never where it is


def test_no_key_events_in_the_dates_says_what_to_do(client: FlaskClient) -> None:
    doc = page(client, "/?from=2030-01-01")
    empty = doc.xpath('//*[@id="empty-state"]')[0]
    assert "No key events in these dates" in text(empty)
    links = {text(a): a.get("href") for a in empty.xpath(".//a")}
    assert links["Show every date"] == "/"
    assert story(page(client, links["Show every date"]))
    assert "min_confidence=0" in links["Include low-confidence events"]
    assert "view=chart" in links["Open the chart"]


def test_user_written_text_is_never_html(examples_db: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    with Store(examples_db) as s:
        assert Ingestor(s).ingest(read_jsonl(hostile)).failed == 0
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    every = all_events(client, "min_confidence=0")
    event = next(e for e in every if "<script>" in " ".join([e["title"], *e["summary"]]))
    for url in ("/?min_confidence=0&from=2025-05-03&to=2025-05-03",
                "/?view=chart&min_confidence=0", f"/events/{event['id']}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html, url
        doc = lxml.html.fromstring(html)
        assert not doc.xpath("//img") and not doc.xpath("//*[@onerror]"), url
        assert not [s for s in doc.xpath("//script") if (s.text or "").strip()], url


# ---------------------------------------------------------------- answers kept, never stale


def test_repeated_reads_are_answered_from_memory_until_the_database_changes(
        app: Flask, client: FlaskClient, examples_db: Path) -> None:
    from web.cache import response_cache

    def hits() -> int:
        with app.app_context():
            return response_cache().hits

    url = "/api/events?min_confidence=0"
    first = client.get(url).get_json()
    story = client.get("/").get_data(as_text=True)
    before = hits()
    assert client.get(url).get_json() == first
    assert client.get("/").get_data(as_text=True) == story
    assert hits() == before + 2
    # another connection (the worker, `tracker ingest`) commits: every next answer is fresh
    key_event = key_events(client)[0]
    with Store(examples_db) as store:
        store.execute("UPDATE events SET title = 'Renamed by the worker' WHERE id IN (?, ?)",
                      [first["events"][0]["id"], key_event["event_id"]])
    assert client.get(url).get_json()["events"][0]["title"] == "Renamed by the worker"
    assert "Renamed by the worker" in client.get("/").get_data(as_text=True)
    assert hits() == before + 2


def test_changes_through_the_api_show_at_once(db_path: Path) -> None:
    with Store(db_path):
        pass
    client = create_app({"DATABASE": str(db_path), "TESTING": True,
                         "API_TOKEN": "t"}).test_client()
    assert "No events yet" in client.get("/").get_data(as_text=True)
    assert "source is configured" not in client.get("/").get_data(as_text=True)
    created = client.post("/api/sources", headers={"Authorization": "Bearer t"},
                          json={"url": "https://news.example.org/rss.xml"})
    assert created.status_code == 201
    assert "1 source is configured" in client.get("/").get_data(as_text=True)


def test_the_key_events_chosen_in_sql_are_keyevents_choose(examples_db: Path) -> None:
    from tracker.keyevents import choose
    from tracker.store import reads

    with Store(examples_db) as store:
        first, last = reads.publication_range(store) or (None, None)
        assert first and last
        scanned = store.query("SELECT MIN(substr(COALESCE(published_at, fetched_at), 1, 10)) AS a,"
                              " MAX(substr(COALESCE(published_at, fetched_at), 1, 10)) AS b "
                              "FROM articles")[0]
        assert (first.isoformat(), last.isoformat()) == (scanned["a"], scanned["b"])
        for confidence in (0, 0.3, 0.55, 0.9):
            ranked = reads.ranked_day_events(store, first, last, min_confidence=confidence)
            for k in (1, 3, 25, 1000):
                best = reads.best_event_of_each_day(store, first, last,
                                                    min_confidence=confidence, limit=k)
                assert [r["id"] for r in best] == [r["id"] for r in choose(ranked, k)]


def test_the_entity_list_pages_by_cursor(client: FlaskClient) -> None:
    everyone = get_json(client, "/api/entities?limit=1000")["entities"]
    seen: list[str] = []
    url: str | None = "/api/entities?limit=4"
    while url:
        response = client.get(url)
        body = response.get_json()
        assert len(body["entities"]) <= 4
        seen += [e["id"] for e in body["entities"]]
        assert (response.headers.get("Link") is not None) == (body["next_url"] is not None)
        url = body["next_url"]
    assert seen == [e["id"] for e in everyone] and len(seen) > 4
    assert get_json(client, "/api/entities?after=nonsense", status=400)["error"].startswith(
        "after:")
