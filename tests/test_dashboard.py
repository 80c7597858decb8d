"""The dashboard in a real headless Chromium (Playwright), served by a real HTTP server.

The app runs on 127.0.0.1 in a thread over a copy of the examples database plus one article
whose only date is "in March 2025". Every request that would leave 127.0.0.1 is blocked and
recorded (the dashboard must work on a closed network). Checks what a viewer sees: the chart
drawn with one mark per event, hover details, the evidence panel on click, month precision
shown as "March 2025". Uses the Debian Chromium at /usr/bin/chromium; never downloads one.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.store import Store
from web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
MONTH_ARTICLE = (
    '{"url": "https://test-gazette.example.net/2025/04/02/harbour-bridge", '
    '"title": "Harbour bridge reopens after repairs", "published": "2025-04-02", '
    '"source": "Test Gazette", "text": "The city council reopened the old harbour bridge '
    'in March 2025 after two years of repairs, the mayor said."}\n'
)
SCREENSHOT = Path("/tmp/dashboard.png")

# Screen position of the mark of one event, from Plotly's own axes (bars: their middle).
POSITION_JS = """(id) => {
  const gd = document.getElementById('timeline');
  for (const t of gd._fullData) {
    const i = (t.customdata || []).indexOf(id);
    if (i < 0) continue;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const x = t.type === 'bar' ? xa.d2c(t.base[i]) + t.x[i] / 2 : xa.d2c(t.x[i]);
    const r = gd.getBoundingClientRect();
    return {x: r.left + xa._offset + xa.c2p(x), y: r.top + ya._offset + ya.c2p(t.y[i])};
  }
  return null;
}"""


@pytest.fixture(scope="module")
def dashboard_db(_examples_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples plus one article dated only "in March 2025" (a month-precision event)."""
    folder = tmp_path_factory.mktemp("dashboard")
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = folder / "dashboard.db"
    shutil.copy(_examples_db_master, path)
    article = folder / "month.jsonl"
    article.write_text(MONTH_ARTICLE, encoding="utf-8")
    with Store(path) as s:
        report = Ingestor(s).ingest(read_jsonl(article))
        assert report.failed == 0, report.failures
    return path


@pytest.fixture(scope="module")
def base_url(dashboard_db: Path) -> Iterator[str]:
    app = create_app({"DATABASE": str(dashboard_db)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("TRACKER_SKIP_BROWSER") == "1":
            pytest.skip("TRACKER_SKIP_BROWSER=1 and no /usr/bin/chromium")
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs it "
                    f"(or set TRACKER_SKIP_BROWSER=1 to skip the browser tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


# Ids of the events whose marks are inside the plotted area as first shown.
VISIBLE_JS = """() => {
  const gd = document.getElementById('timeline');
  const xa = gd._fullLayout.xaxis, [lo, hi] = xa.range.map(xa.r2c);
  return gd._fullData.flatMap(t => (t.customdata || []).filter((id, i) => {
    const x = t.type === 'bar' ? xa.d2c(t.base[i]) + t.x[i] / 2 : xa.d2c(t.x[i]);
    return x > lo && x < hi;
  }));
}"""


class Visit:
    """One page in a fresh context, with every non-local request blocked and recorded."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.blocked: list[str] = []
        self.hosts: set[str] = set()
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.base_url = base_url

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
        return self.page

    def hover(self, event_id: str) -> str:
        pos = self.page.evaluate(POSITION_JS, event_id)
        assert pos is not None, f"event {event_id} is not plotted"
        self.page.mouse.move(pos["x"], pos["y"])
        label = self.page.wait_for_selector("#timeline .hoverlayer .hovertext", timeout=5_000)
        return str(label.text_content())

    def click(self, event_id: str) -> None:
        pos = self.page.evaluate(POSITION_JS, event_id)
        self.page.mouse.click(pos["x"], pos["y"])

    def close(self) -> None:
        self.context.close()
        assert not self.blocked, f"requests left 127.0.0.1: {self.blocked}"
        assert self.hosts <= {"127.0.0.1"}, self.hosts
        assert not self.errors, self.errors


@pytest.fixture
def visit(browser: Any, base_url: str) -> Iterator[Visit]:
    v = Visit(browser, base_url)
    yield v
    v.close()


def api_events(visit: Visit, query: str = "") -> list[dict[str, Any]]:
    body = visit.page.request.get(f"{visit.base_url}/api/events?limit=1000&{query}").json()
    assert body["next"] is None
    return list(body["events"])


def test_chart_plots_every_event_offline(visit: Visit) -> None:
    page = visit.open()
    events = api_events(visit)
    assert page.locator("#timeline.js-plotly-plot").count() == 1
    plotted = page.evaluate(
        "() => document.getElementById('timeline').data.flatMap(t => t.customdata)"
    )
    assert sorted(plotted) == sorted(e["id"] for e in events)
    marks = page.locator("#timeline .cartesianlayer .point").count()
    assert marks == len(events)
    assert page.get_attribute("#timeline", "data-count") == str(len(events))
    # lanes by kind
    ticks = page.locator("#timeline .ytick text").all_text_contents()
    assert set(ticks) == {e["kind"] for e in events}
    page.screenshot(path=str(SCREENSHOT))


def test_hover_then_click_shows_the_evidence(visit: Visit) -> None:
    page = visit.open()
    visible = set(page.evaluate(VISIBLE_JS))
    event = max((e for e in api_events(visit) if e["id"] in visible),
                key=lambda e: (e["n_sources"], e["precision"] == "day"))
    label = visit.hover(event["id"])
    assert event["title"].split()[0] in label
    assert event["date_label"] in label
    assert f"{event['n_sources']} sources" in label
    assert f"precision: {event['precision']}" in label

    visit.click(event["id"])
    panel = page.locator("#panel")
    panel.locator(".mention blockquote").first.wait_for(timeout=5_000)
    assert panel.is_visible()
    assert panel.locator("h2").text_content() == event["title"]
    sentence = panel.locator(".mention blockquote").first.text_content() or ""
    assert len(sentence) > 20
    link = panel.locator(".mention a[href^='https://']").first
    assert link.count() == 1
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-panel.png")))
    page.keyboard.press("Escape")
    assert not panel.is_visible()


def test_reported_events_are_hollow_and_labelled(visit: Visit) -> None:
    visit.open()
    reported = [e for e in api_events(visit) if e["precision"] == "reported"]
    if not reported:
        pytest.skip("the examples have no reported-only event")
    symbols = visit.page.evaluate(
        "() => document.getElementById('timeline')._fullData"
        ".filter(t => t.name === 'reported').map(t => t.marker.symbol)"
    )
    assert symbols == ["circle-open"]
    visit.page.fill("input[name=from]", reported[0]["date_start"])
    visit.page.fill("input[name=to]", reported[0]["date_start"])
    visit.page.click("button[type=submit]")
    visit.page.wait_for_selector("#timeline[data-state=ready]")
    assert "reported" in visit.hover(reported[0]["id"])


def test_month_precision_reads_as_the_month(visit: Visit) -> None:
    page = visit.open("/?from=2025-03-01&to=2025-03-31")
    months = [e for e in api_events(visit, "from=2025-03-01&to=2025-03-31")
              if e["precision"] == "month" and e["date_start"] == "2025-03-01"]
    assert months, "the March 2025 article should give a month-precision event"
    month = months[0]
    assert month["date_label"] == "March 2025"
    # drawn as a bar spanning the month, not as a point on the 1st
    trace = page.evaluate(
        "(id) => document.getElementById('timeline')._fullData"
        ".find(t => (t.customdata || []).includes(id)).type", month["id"]
    )
    assert trace == "bar"
    label = visit.hover(month["id"])
    assert "March 2025" in label
    assert "1 March 2025" not in label
    visit.click(month["id"])
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    text = page.locator("body").inner_text()
    assert "March 2025" in page.locator("#panel").inner_text()
    assert "March 2025" in page.locator("#event-list").inner_text()
    assert "1 March 2025" not in text


def test_filters_redraw_the_chart(visit: Visit) -> None:
    page = visit.open()
    page.fill("input[name=q]", "Istanbul")
    page.click("button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('timeline').dataset.state === 'ready' && "
        "location.search.includes('q=Istanbul')"
    )
    expected = api_events(visit, "q=Istanbul")
    assert page.get_attribute("#timeline", "data-count") == str(len(expected))
    assert page.locator("#event-list li").count() == len(expected)


def test_key_events_toggle_keeps_the_most_important_events(visit: Visit) -> None:
    page = visit.open()
    expected = api_events(visit, "key=1")
    everything = api_events(visit)
    assert 0 < len(expected) < len(everything)
    cutoff = min(e["score"] for e in expected)
    assert all(e["score"] <= cutoff for e in everything if e not in expected)
    page.check("input[name=key]")  # submits the form on change
    page.wait_for_function(
        "() => document.getElementById('timeline').dataset.state === 'ready' && "
        "location.search.includes('key=1')"
    )
    assert page.get_attribute("#timeline", "data-count") == str(len(expected))
