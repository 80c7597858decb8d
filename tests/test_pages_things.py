"""The article page, the extended event and entity pages, and the events table with its CSV,
through Flask's test client on the bundled examples (``web.things``, ``tracker.views``)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask.testing import FlaskClient

import web.things
from tests.conftest import HOSTILE_ARTICLE
from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.store import Store
from tracker.views import Segment, segments
from web import create_app


def page(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert len(doc.xpath("//h1")) == 1
    return doc


def article_ids(db: Path) -> list[str]:
    with Store(db) as s:
        return [str(r["id"]) for r in s.db["articles"].rows]


def api_events(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/events?limit=1000&{query}")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    assert body["next"] is None
    return body


# ---------------------------------------------------------------- segments


def test_segments_put_timexes_inside_the_mention_that_holds_them() -> None:
    text = "They met on May 3 in Istanbul."
    # the mention covers "met on May", the timex "May 3": split at the mention's edge
    cut = segments(text, [(12, 17, {"value": "2025-05-03"})], [(5, 15, "e1")])
    assert "".join(s.text for s in cut) == text
    assert [s.kind for s in cut] == ["text", "mention", "timex", "text"]
    mention = cut[1]
    assert [(c.text, c.kind) for c in mention.children] == [("met on ", "text"), ("May", "timex")]
    assert cut[2] == Segment(" 3", "timex", {"value": "2025-05-03"})


def test_overlapping_mentions_merge_and_link_every_event() -> None:
    cut = segments("peace talks", [], [(6, 11, "e1"), (0, 11, "e2"), (6, 11, "e1")])
    assert [s.kind for s in cut] == ["mention"]
    assert cut[0].attrs["events"] == ["e2", "e1"]
    assert cut[0].attrs["event_id"] == "e2"


def test_bad_and_overlapping_timexes_are_dropped() -> None:
    cut = segments("on 3 May 2025", [(3, 8, {"value": "a"}), (3, 13, {"value": "b"}),
                                      (10, 99, {"value": "c"}), (5, 5, {"value": "d"})], [])
    assert [(s.text, s.kind, s.attrs.get("value")) for s in cut] == [
        ("on ", "text", None), ("3 May 2025", "timex", "b")]


# ---------------------------------------------------------------- article page


def test_article_page_highlights_dates_and_links_mentions(client: FlaskClient,
                                                          examples_db: Path) -> None:
    existing = {e["id"] for e in api_events(client, "min_confidence=0")["events"]}
    marked = linked = 0
    for article_id in article_ids(examples_db):
        doc = page(client, f"/articles/{article_id}")
        body = doc.xpath('//div[@class="article-text"]')[0]
        with Store(examples_db) as s:
            stored = s.db["articles"].get(article_id)["text"]
        hrefs = [a.get("href") for a in
                 doc.xpath('//a[contains(concat(" ", @class, " "), " mention ")]')]
        for extra in body.xpath(".//sup"):  # a second event's link, numbered: not the text
            extra.drop_tree()
        assert " ".join(body.text_content().split()) == " ".join(stored.split())
        for mark in body.xpath('.//mark[@class="timex"]'):
            assert mark.text_content() in stored
            assert mark.get("title")
            marked += 1
        for href in hrefs:
            assert href.startswith("/events/")
            # every link reaches an event page, of an event the API lists
            assert client.get(href).status_code == 200
            target = page(client, href).xpath('//link[@rel="canonical"]')[0].get("href")
            assert target.removeprefix("/events/") in existing
            linked += 1
    assert marked and linked


def test_article_page_marks_a_date_of_the_article(client: FlaskClient,
                                                  examples_db: Path) -> None:
    found = []
    for article_id in article_ids(examples_db):
        doc = page(client, f"/articles/{article_id}")
        for mark in doc.xpath('//div[@class="article-text"]//mark[@class="timex"]'):
            value = mark.get("title")
            try:
                date.fromisoformat(value)
            except ValueError:
                continue
            found.append((mark.text_content(), value))
    assert ("Thursday, May 15", "2025-05-15") in found


def test_article_page_shows_title_source_date_and_link(client: FlaskClient,
                                                       examples_db: Path) -> None:
    with Store(examples_db) as s:
        row = next(iter(s.db["articles"].rows))
    doc = page(client, f"/articles/{row['id']}")
    assert doc.xpath("//h1")[0].text_content() == row["title"]
    facts = " ".join(doc.xpath('//dl[@class="facts"]')[0].text_content().split())
    assert row["source_name"] in facts
    assert row["published_at"][:10] in facts
    assert doc.xpath('//a[@class="original"]')[0].get("href") == row["url"]


def test_unknown_article_is_a_404(client: FlaskClient) -> None:
    page(client, "/articles/nope", 404)


def test_article_text_stays_escaped(examples_db: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    with Store(examples_db) as s:
        Ingestor(s).ingest(read_jsonl(hostile))
        row = next(r for r in s.db["articles"].rows if "hostile" in (r["url"] or ""))
    client = create_app({"DATABASE": str(examples_db), "TESTING": True}).test_client()
    html = client.get(f"/articles/{row['id']}").get_data(as_text=True)
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "<b>ministry" not in html and "<i>discuss" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;b&gt;Hostile&lt;/b&gt; Gazette" in html
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script") and not doc.xpath("//img")
    assert doc.xpath('//mark[@class="timex"]')  # still highlighted
    assert len(doc.xpath("//h1")) == 1


# ---------------------------------------------------------------- event and entity pages


def test_event_evidence_links_the_article_page_and_the_original(client: FlaskClient) -> None:
    event = api_events(client)["events"][0]
    doc = page(client, f"/events/{event['id']}")
    articles = doc.xpath('//ol[@class="mentions"]//a[@class="article"]')
    assert articles
    for link in articles:
        assert link.get("href").startswith("/articles/")
        page(client, link.get("href"))
    assert doc.xpath('//ol[@class="mentions"]//a[@class="original"]/@href')


def test_related_events_share_entities_within_a_week(client: FlaskClient) -> None:
    events = api_events(client)["events"]
    by_id = {e["id"]: e for e in events}
    seen = 0
    for event in events:
        doc = page(client, f"/events/{event['id']}")
        items = doc.xpath('//ol[@class="related"]/li[not(@class="empty")]')
        assert len(items) <= 10
        names = {n["name"] for n in event["entities"]}
        last = None
        for li in items:
            href = li.xpath(".//a")[0].get("href")
            other = by_id[href.removeprefix("/events/")]
            assert other["id"] != event["id"]
            shared = names & {n["name"] for n in other["entities"]}
            assert shared
            gap = max((date.fromisoformat(other["date_start"])
                       - date.fromisoformat(event["date_end"])).days,
                      (date.fromisoformat(event["date_start"])
                       - date.fromisoformat(other["date_end"])).days, 0)
            assert gap <= 7
            rank = (-len(shared), gap)
            assert last is None or last <= rank  # most shared first, then closest
            last = rank
            seen += 1
    assert seen


def test_entity_page_shows_role_aliases_and_events_by_month(client: FlaskClient) -> None:
    body = client.get("/api/entities?kind=person&limit=1").get_json()
    entity = client.get(f"/api/entities/{body['entities'][0]['id']}").get_json()["entity"]
    doc = page(client, f"/entities/{entity['id']}")
    facts = doc.xpath('//dl[@class="facts"]')[0].text_content()
    assert "Role" in facts
    months = doc.xpath('//section[@class="entity-month"]')
    assert months
    links = [a.get("href") for a in doc.xpath('//section[@class="entity-month"]//li/a')]
    assert links == [f"/events/{e['id']}" for e in entity["events"]]


# ---------------------------------------------------------------- table and CSV


def table_rows(doc: Any) -> list[dict[str, Any]]:
    rows = []
    for tr in doc.xpath('//table[@class="events-table"]/tbody/tr[@data-event-id]'):
        cells = tr.xpath("./td")
        rows.append({"id": tr.get("data-event-id"), "title": cells[1].text_content(),
                     "sources": int(cells[2].text_content()),
                     "confidence": float(cells[3].text_content())})
    return rows


def test_table_is_paged_in_date_order(client: FlaskClient,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert web.things.PER_PAGE == 50
    expected = [e["id"] for e in api_events(client, "min_confidence=0")["events"]]
    assert len(expected) <= 50
    assert [r["id"] for r in table_rows(page(client, "/table?min_confidence=0"))] == expected
    monkeypatch.setattr(web.things, "PER_PAGE", 15)  # the examples hold fewer than 50 events
    assert len(expected) > 30
    first = page(client, "/table?min_confidence=0")
    assert [r["id"] for r in table_rows(first)] == expected[:15]
    assert not first.xpath('//a[@rel="prev"]')
    following = first.xpath('//a[@rel="next"]')[0].get("href")
    assert "min_confidence=0" in following and "page=2" in following
    second = page(client, following)
    assert [r["id"] for r in table_rows(second)] == expected[15:30]
    assert second.xpath('//a[@rel="prev"]')
    third = page(client, second.xpath('//a[@rel="next"]')[0].get("href"))
    assert [r["id"] for r in table_rows(third)] == expected[30:45]


@pytest.mark.parametrize(("sort", "key", "reverse"), [
    ("title", lambda r: r["title"].casefold(), False),
    ("-title", lambda r: r["title"].casefold(), True),
    ("sources", lambda r: r["sources"], False),
    ("-sources", lambda r: r["sources"], True),
    ("-confidence", lambda r: r["confidence"], True),
])
def test_table_sorts_by_its_columns(client: FlaskClient, sort: str, key: Any,
                                    reverse: bool) -> None:
    rows = table_rows(page(client, f"/table?sort={sort}"))
    assert rows
    assert [key(r) for r in rows] == sorted((key(r) for r in rows), reverse=reverse)


def test_table_headers_are_sort_links_keeping_the_filter(client: FlaskClient) -> None:
    doc = page(client, "/table?q=Istanbul&sort=title&page=1")
    links = {a.text_content().split()[0]: a.get("href") for a in doc.xpath("//th/a")}
    assert "sort=-title" in links["Event"]  # the current column flips
    assert "sort=-sources" in links["Sources"]
    assert all("q=Istanbul" in href and "page=" not in href for href in links.values())


@pytest.mark.parametrize("query", ["", "min_confidence=0", "q=Istanbul", "kind=diplomacy",
                                   "from=2025-05-10&to=2025-05-20&min_sources=2",
                                   "entity=Istanbul&sort=-sources"])
def test_csv_has_every_filtered_event(client: FlaskClient, query: str) -> None:
    response = client.get(f"/table.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "date_start", "date_end", "precision", "date_text", "kind",
                       "title", "n_sources", "n_articles", "confidence", "entities"]
    body = api_events(client, query)
    assert len(rows) - 1 == body["total"] == len(body["events"])
    assert {r[0] for r in rows[1:]} == {e["id"] for e in body["events"]}
    if "sort" not in query:
        assert [r[0] for r in rows[1:]] == [e["id"] for e in body["events"]]


def test_table_links_its_csv_with_the_same_filter(client: FlaskClient) -> None:
    doc = page(client, "/table?q=Istanbul&sort=-date&page=1")
    href = doc.xpath('//a[@class="csv"]')[0].get("href")
    assert href.startswith("/table.csv?") and "q=Istanbul" in href and "page" not in href


@pytest.mark.parametrize("url", ["/table?sort=bogus", "/table?sort=--date", "/table?page=0",
                                 "/table?page=x", "/table?page=999", "/table?from=yesterday",
                                 "/table?min_sources=-1", "/table.csv?sort=bogus",
                                 "/table.csv?min_confidence=2"])
def test_bad_table_parameters_are_a_400_page(client: FlaskClient, url: str) -> None:
    doc = page(client, url, 400)
    assert "Bad request" in doc.xpath("//h1")[0].text_content()
