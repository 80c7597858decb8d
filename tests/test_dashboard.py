"""The dashboard in a real headless Chromium (Playwright), served by a real HTTP server.

The app runs on 127.0.0.1 in a thread over a copy of the examples database plus one article
whose only date is "in March 2025" and one whose words are HTML. Every request that would leave
127.0.0.1 is blocked and recorded (the dashboard must work on a closed network). Checks what a
viewer sees: the story view of the key events first, the chart one click away (and back), one
mark per event, hover details with the first summary sentence, the summary and evidence panel on
click, the key-events toggle drawing exactly the story's events, low-confidence events on
request, month precision shown as "March 2025", HTML in articles shown as text. Every page is
served with the app's strict Content-Security-Policy, and any violation the browser reports (or
logs) fails the test. With reads behind the token, a browser signs in with Basic credentials
and both views still draw. Uses the Debian Chromium at /usr/bin/chromium; never downloads one.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import HOSTILE_ARTICLE
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
TOKEN = "browser-token"
# Reports every Content-Security-Policy violation of every page to the test (installed before
# any page script runs, and not itself subject to the policy).
CSP_WATCH_JS = """document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ` +
                     `${e.sourceFile}:${e.lineNumber} ${e.sample || ''}`);
});"""

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
    """The examples plus one article dated only "in March 2025" (a month-precision event) and
    one written in HTML."""
    folder = tmp_path_factory.mktemp("dashboard")
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = folder / "dashboard.db"
    shutil.copy(_examples_db_master, path)
    article = folder / "more.jsonl"
    article.write_text(MONTH_ARTICLE + HOSTILE_ARTICLE, encoding="utf-8")
    with Store(path) as s:
        report = Ingestor(s).ingest(read_jsonl(article))
        assert report.failed == 0, report.failures
    return path


def serve(settings: dict[str, Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def base_url(dashboard_db: Path) -> Iterator[str]:
    yield from serve({"DATABASE": str(dashboard_db)})


@pytest.fixture(scope="module")
def token_url(dashboard_db: Path) -> Iterator[str]:
    """The same dashboard with every read behind the API token."""
    yield from serve({"DATABASE": str(dashboard_db), "API_TOKEN": TOKEN,
                      "READS_NEED_TOKEN": True})


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

    def __init__(self, browser: Any, base_url: str, **context: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context)
        self.blocked: list[str] = []
        self.hosts: set[str] = set()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.csp_violations: list[str] = []
        self.expected_errors: tuple[str, ...] = ()  # console errors a test provokes
        self.context.route("**/*", self._route)
        self.context.expose_binding("__reportCsp",
                                    lambda _source, text: self.csp_violations.append(text))
        self.context.add_init_script(CSP_WATCH_JS)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.base_url = base_url

    def _console(self, message: Any) -> None:
        # Chromium logs a refused inline script or style as an error; Plotly warns when it
        # cannot add a style rule: either means the page fights the policy.
        if message.type == "error" or "Content Security Policy" in message.text \
                or "strict CSP" in message.text:
            self.errors.append(f"{message.type}: {message.text}")

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:  # an alert() would mean HTML from an article ran
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str = "/?view=chart") -> Any:
        """A chart view, once its chart is drawn."""
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
        return self.page

    def open_story(self, path: str = "/") -> Any:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("#story-list li", timeout=10_000)
        return self.page

    def story_ids(self) -> list[str]:
        return [str(i) for i in self.page.eval_on_selector_all(
            "#story-list > li", "lis => lis.map(li => li.dataset.eventId)")]

    def plotted_ids(self) -> list[str]:
        return [str(i) for i in self.page.evaluate(
            "() => document.getElementById('timeline').data.flatMap(t => t.customdata)")]

    def wait_redrawn(self, url_part: str) -> None:
        """After a filter change: the chart drawn again, with ``url_part`` in the URL."""
        self.page.wait_for_function(
            "(part) => document.getElementById('timeline').dataset.state === 'ready' && "
            "location.search.includes(part)", arg=url_part)

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
        errors = [e for e in self.errors if not any(x in e for x in self.expected_errors)]
        assert not errors, errors
        assert not self.dialogs, self.dialogs
        assert not self.csp_violations, self.csp_violations


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
    # the summary comes right after the headline, above the evidence
    assert panel.locator("ul.summary li").all_text_contents() == event["summary"]
    assert page.evaluate("() => !!(document.querySelector('#panel ul.summary')"
                         ".compareDocumentPosition(document.querySelector('#panel ol.mentions'))"
                         " & Node.DOCUMENT_POSITION_FOLLOWING)")
    sentence = panel.locator(".mention blockquote").first.text_content() or ""
    assert len(sentence) > 20
    link = panel.locator(".mention a[href^='https://']").first
    assert link.count() == 1
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-panel.png")))
    page.keyboard.press("Escape")
    assert not panel.is_visible()


def test_reported_events_are_hollow_and_labelled(visit: Visit) -> None:
    # events told without a date are mostly low-confidence: ask for every event
    visit.open("/?view=chart&min_confidence=0")
    reported = [e for e in api_events(visit, "min_confidence=0") if e["precision"] == "reported"]
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
    visit.wait_redrawn(f"to={reported[0]['date_start']}")
    assert "reported" in visit.hover(reported[0]["id"])


def test_month_precision_reads_as_the_month(visit: Visit) -> None:
    # one article, one source: a low-confidence event, shown on request
    page = visit.open("/?view=chart&from=2025-03-01&to=2025-03-31&min_confidence=0")
    assert page.is_checked("input[name=min_confidence]")
    months = [e for e in api_events(visit, "from=2025-03-01&to=2025-03-31&min_confidence=0")
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
    visit.wait_redrawn("q=Istanbul")
    expected = api_events(visit, "q=Istanbul")
    assert page.get_attribute("#timeline", "data-count") == str(len(expected))
    assert page.locator("#event-list li").count() == len(expected)
    # the list shows each headline with its first summary sentence in smaller type
    first = page.locator("#event-list li").first
    assert first.locator("a").text_content() == expected[0]["title"]
    assert first.locator("small.gist").text_content() == expected[0]["summary"][0]
    # the page's URL stays on the chart, and Story keeps the filter for a later return
    assert "view=chart" in page.url
    story_link = page.get_attribute(".view-switch a[data-view=story]", "href") or ""
    assert "q=Istanbul" in story_link and "view=" not in story_link


def test_key_events_toggle_draws_exactly_the_story(visit: Visit) -> None:
    page = visit.open_story()
    story = visit.story_ids()
    page.click(".view-switch a[data-view=chart]")
    page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
    assert len(visit.plotted_ids()) > len(story)
    page.check("input[name=key]")  # submits the form on change
    visit.wait_redrawn("key=1")
    assert sorted(visit.plotted_ids()) == sorted(story)
    assert page.get_attribute("#timeline", "data-count") == str(len(story))
    assert sorted(e["id"] for e in api_events(visit, "key=1")) == sorted(story)


def test_the_dashboard_opens_on_the_story(visit: Visit) -> None:
    page = visit.open_story()
    top = visit.page.request.get(f"{visit.base_url}/api/top?k=25").json()["events"]
    expected = sorted(top, key=lambda e: e["date"])
    assert visit.story_ids() == [e["event_id"] for e in expected]
    assert page.locator("#timeline").count() == 0  # the chart is not drawn, nor loaded
    assert page.get_attribute(".view-switch a[aria-current=page]", "data-view") == "story"
    first = page.locator("#story-list > li").first
    assert first.locator("time").text_content() == expected[0]["date_label"]
    assert first.locator("h2 a").text_content() == expected[0]["title"]
    assert first.locator("ul.summary li").all_text_contents() == expected[0]["summary"]
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-story.png")))
    # the headline opens the event's page with its evidence
    first.locator("h2 a").click()
    page.wait_for_selector("#evidence")
    assert page.locator("h1").text_content() == expected[0]["title"]
    assert page.locator(".mentions blockquote").count() >= 1


def test_the_story_reads_at_phone_width(visit: Visit) -> None:
    visit.page.set_viewport_size({"width": 360, "height": 800})
    page = visit.open_story()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    date_box = page.locator("#story-list > li time").first.bounding_box()
    headline_box = page.locator("#story-list > li h2").first.bounding_box()
    assert date_box and headline_box and date_box["y"] < headline_box["y"]  # stacked
    page.screenshot(path=str(SCREENSHOT.with_name("dashboard-story-narrow.png")), full_page=True)


def test_chart_is_one_click_away_and_story_one_click_back(visit: Visit) -> None:
    page = visit.open_story()
    story = visit.story_ids()
    page.click("text=Chart")
    page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
    assert "view=chart" in page.url
    events = api_events(visit)
    assert page.locator("#timeline .cartesianlayer .point").count() == len(events) > 0
    assert page.get_attribute(".view-switch a[aria-current=page]", "data-view") == "chart"
    page.click(".view-switch a[data-view=story]")
    page.wait_for_selector("#story-list li")
    assert visit.story_ids() == story
    assert "view=" not in page.url


def test_hover_shows_the_first_summary_sentence(visit: Visit) -> None:
    page = visit.open()
    visible = set(page.evaluate(VISIBLE_JS))
    event = next(e for e in api_events(visit)
                 if e["id"] in visible and e["summary"] and e["precision"] == "day")
    label = visit.hover(event["id"])
    # wrapped over lines, so compare without the line breaks
    squeeze = "".join
    assert squeeze(event["summary"][0].split()) in squeeze(label.split())
    assert squeeze(event["title"].split()) in squeeze(label.split())


def test_low_confidence_events_on_request(visit: Visit) -> None:
    page = visit.open()
    shown = api_events(visit)
    every = api_events(visit, "min_confidence=0")
    assert len(every) > len(shown)
    assert page.get_attribute("#timeline", "data-count") == str(len(shown))
    page.check("input[name=min_confidence]")
    visit.wait_redrawn("min_confidence=0")
    assert page.get_attribute("#timeline", "data-count") == str(len(every))
    assert sorted(visit.plotted_ids()) == sorted(e["id"] for e in every)
    page.reload()
    page.wait_for_selector("#timeline[data-state=ready]", timeout=20_000)
    assert page.is_checked("input[name=min_confidence]")
    assert page.get_attribute("#timeline", "data-count") == str(len(every))


def test_html_in_articles_stays_text(visit: Visit) -> None:
    day = "from=2025-05-03&to=2025-05-03&min_confidence=0"
    event = next(e for e in api_events(visit, day) if "<script>" in e["summary"][0])
    page = visit.open(f"/?view=chart&{day}")
    label = visit.hover(event["id"])
    assert "<script>" in label
    visit.click(event["id"])
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    assert page.locator("#panel h2").text_content() == event["title"]
    assert "<script>alert(2)</script>" in page.locator("#panel ul.summary").inner_text()
    assert "<script>" in page.locator("#event-list").inner_text()
    for where in ("#timeline", "#panel", "#event-list"):
        assert page.locator(f"{where} img, {where} script, {where} b").count() == 0, where
    page = visit.open_story(f"/?{day}")
    assert visit.story_ids() == [event["id"]]
    assert "<script>alert(2)</script>" in page.locator("#story-list").inner_text()
    assert page.locator("#story-list img, #story-list script, #story-list b").count() == 0


def test_both_views_draw_under_the_content_security_policy(visit: Visit) -> None:
    response = visit.page.goto(visit.base_url + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    visit.page.wait_for_selector("#story-list li")
    assert visit.story_ids()
    page = visit.open()  # the chart: Plotly under the same policy
    assert page.locator("#timeline .cartesianlayer .point").count() > 0
    event = next(e for e in api_events(visit) if e["id"] in set(page.evaluate(VISIBLE_JS)))
    assert event["date_label"] in visit.hover(event["id"])
    visit.click(event["id"])
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    # an inline script is refused, and reported: the watch itself works
    page.evaluate("() => { const s = document.createElement('script'); "
                  "s.textContent = 'window.ranInline = 1'; document.body.append(s); }")
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.ranInline") is None
    assert any("script-src" in v for v in visit.csp_violations)
    visit.csp_violations.clear()
    visit.expected_errors = ("Executing inline script violates",)


def test_a_browser_signs_in_when_reads_need_the_token(browser: Any, token_url: str) -> None:
    stranger = Visit(browser, token_url)
    try:
        # What the browser answers with its login box (headless Chromium, having no user to
        # ask, ends the navigation instead): a 401 with a Basic challenge and no data.
        refused = stranger.page.request.get(token_url + "/")
        assert refused.status == 401
        assert refused.headers["www-authenticate"].startswith('Basic realm="tracker"')
        assert "story-list" not in refused.text()
        api = stranger.page.request.get(token_url + "/api/events")
        assert api.status == 401 and api.json()["status"] == 401
    finally:
        stranger.close()
    reader = Visit(browser, token_url, http_credentials={"username": "reader",
                                                         "password": TOKEN})
    try:
        assert reader.open_story().locator("#story-list > li").count() > 0
        # the chart's script reads the API with the browser's Basic credentials
        page = reader.open()
        assert page.locator("#timeline .cartesianlayer .point").count() > 0
    finally:
        reader.close()


# --------------------------------------------------------------------- navigation, phones, keys

WAIT_READY_JS = "() => document.getElementById('timeline').dataset.state === 'ready'"


def params_of(url: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs
    return parse_qs(urlsplit(url).query)


def shown_range(page: Any) -> list[float]:
    return list(page.evaluate(
        "() => { const xa = document.getElementById('timeline')._fullLayout.xaxis;"
        " return xa.range.map(xa.r2c); }"))


def test_filter_is_history_and_back_restores_the_view(visit: Visit, tmp_path: Path) -> None:
    page = visit.open()
    start_url = page.url
    every = api_events(visit)
    kinds = sorted({e["kind"] for e in every}, key=lambda k: sum(e["kind"] == k for e in every))
    kind = kinds[0]
    narrowed = [e for e in every if e["kind"] == kind]
    assert 0 < len(narrowed) < len(every)
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page were reloaded
    page.select_option("select[name=kind]", kind)  # submits on change
    visit.wait_redrawn(f"kind={kind}")
    assert params_of(page.url)["kind"] == [kind] and params_of(page.url)["view"] == ["chart"]
    assert sorted(visit.plotted_ids()) == sorted(e["id"] for e in narrowed)
    assert page.locator("#timeline .cartesianlayer .point").count() == len(narrowed)
    page.screenshot(path=str(tmp_path / "filtered.png"))

    page.go_back()
    page.wait_for_function("() => !location.search.includes('kind=') && "
                           "document.getElementById('timeline').dataset.state === 'ready' && "
                           f"document.getElementById('timeline').dataset.count === '{len(every)}'")
    assert page.url == start_url
    assert page.evaluate("() => window.sameDocument") is True  # still the dashboard, not reloaded
    assert page.locator("#timeline .cartesianlayer .point").count() == len(every)
    assert page.input_value("select[name=kind]") == ""
    page.screenshot(path=str(tmp_path / "back.png"))

    page.go_forward()
    visit.wait_redrawn(f"kind={kind}")
    page.wait_for_function(f"() => document.getElementById('timeline').dataset.count === "
                           f"'{len(narrowed)}'")
    assert page.input_value("select[name=kind]") == kind


def test_zoom_is_history_and_a_shared_range_is_restored(visit: Visit) -> None:
    page = visit.open()
    first = shown_range(page)
    # the range selector's "1w" button: a viewer's zoom, settled into the URL
    page.locator("#timeline .rangeselector .button").first.click()
    page.wait_for_function("() => location.search.includes('shown_from=')")
    zoomed = shown_range(page)
    assert zoomed[1] - zoomed[0] < first[1] - first[0]
    shared = page.url
    assert set(params_of(shared)) >= {"view", "shown_from", "shown_to"}
    visible = sorted(page.evaluate(VISIBLE_JS))
    buttons = page.eval_on_selector_all("#in-view-list button",
                                        "bs => bs.map(b => b.dataset.eventId)")
    assert sorted(buttons) == visible  # the keyboard's list is what the chart shows

    page.go_back()
    page.wait_for_function("() => !location.search.includes('shown_from=')")
    page.wait_for_function(
        "(w) => { const xa = document.getElementById('timeline')._fullLayout.xaxis;"
        " const r = xa.range.map(xa.r2c); return Math.abs(r[1] - r[0] - w) < 120000; }",
        arg=first[1] - first[0])
    page.wait_for_timeout(600)  # the restored range is not a new entry
    assert "shown_from" not in page.url

    other = Visit(visit.context.browser, visit.base_url)
    try:
        p2 = other.open(shared.replace(visit.base_url, ""))
        restored = shown_range(p2)
        assert abs(restored[0] - zoomed[0]) < 60_000 and abs(restored[1] - zoomed[1]) < 60_000
        p2.wait_for_timeout(600)
        assert p2.url == shared  # drawing a shared view adds no entry
    finally:
        other.close()


def test_a_shared_url_opens_the_event_with_its_evidence(visit: Visit, tmp_path: Path) -> None:
    def detail(event_id: str) -> dict[str, Any]:
        body = visit.page.request.get(f"{visit.base_url}/api/events/{event_id}").json()
        assert body["ok"]
        return dict(body["event"])

    # an event told by several articles, so one URL for every link would show
    candidates = sorted(api_events(visit), key=lambda e: -e["n_sources"])
    event = next(d for d in map(detail, (e["id"] for e in candidates[:10]))
                 if len({m["article_url"] for m in d["mentions"]}) > 1)
    mentions = event["mentions"]
    assert {m["sentence"] for m in mentions}.isdisjoint({m["article_title"] for m in mentions})
    page = visit.open(f"/?view=chart&kind={event['kind']}&event={event['id']}")
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    assert page.is_visible("#panel")
    assert page.input_value("select[name=kind]") == event["kind"]
    assert page.locator("#panel h2").text_content() == event["title"]
    assert page.locator("#panel .mention blockquote").all_text_contents() == \
        [m["sentence"] for m in mentions]
    hrefs = [page.locator("#panel .mention").nth(i).locator("a").get_attribute("href")
             for i in range(len(mentions))]
    assert hrefs == [m["article_url"] for m in mentions]
    page.screenshot(path=str(tmp_path / "shared-event.png"))

    page.click("#panel-close")  # closing is a history entry; Back opens it again
    page.wait_for_function("() => !location.search.includes('event=')")
    assert not page.is_visible("#panel")
    page.go_back()
    page.wait_for_function("() => location.search.includes('event=')")
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    assert page.locator("#panel h2").text_content() == event["title"]


@pytest.mark.parametrize("path", ["/", "/?view=chart", "/entities", "/sources"])
def test_every_page_fits_a_phone(visit: Visit, tmp_path: Path, path: str) -> None:
    visit.page.set_viewport_size({"width": 390, "height": 844})
    page = visit.open(path) if "chart" in path else visit.page
    if "chart" not in path:
        page.goto(visit.base_url + path)
    links = page.locator("header.site a")
    assert links.count() >= 5
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, \
            (links.nth(i).text_content(), box)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate("() => document.body.scrollWidth") <= 390
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(tmp_path / "phone-top.png"))
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)


def test_the_event_page_has_one_heading(visit: Visit) -> None:
    event = api_events(visit)[0]
    visit.page.goto(f"{visit.base_url}/events/{event['id']}")
    assert visit.page.locator("h1").count() == 1


def test_the_keyboard_reaches_filters_events_and_the_panel(visit: Visit, tmp_path: Path) -> None:
    page = visit.open()
    page.focus("body")

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("input[name=from]")
    tab_to("input[name=q]")
    tab_to("select[name=kind]")
    # the focused control shows it
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    tab_to("#in-view-list button")
    event_id = page.evaluate("() => document.activeElement.dataset.eventId")
    page.keyboard.press("Enter")
    page.locator("#panel .mention blockquote").first.wait_for(timeout=5_000)
    assert params_of(page.url)["event"] == [event_id]
    assert page.evaluate("() => document.activeElement.id") == "panel"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "panel-close"
    page.screenshot(path=str(tmp_path / "keyboard-panel.png"))
    page.keyboard.press("Escape")
    assert not page.is_visible("#panel")
    assert "event" not in params_of(page.url)
    # the focus goes back to the event's button
    assert page.evaluate("() => document.activeElement.dataset.eventId") == event_id


# --------------------------------------------------------------------- scale: density and overview

YEAR_EVENT = "eyear0000000001"
BIG_EVENTS = 5_000
BIG_FIRST_DAY = "2023-01-01"


def insert_events(path: Path, rows: list[tuple[Any, ...]]) -> None:
    """Events written straight into the table, as ``benchmarks/dashboard_scale.py`` does:
    (id, title, kind, date_start, date_end, precision, date_text, n_sources, confidence)."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.executemany(
            "INSERT INTO events (id, cluster_key, title, kind, date_start, date_end, precision, "
            "date_text, n_mentions, n_articles, n_sources, score, first_seen_at, updated_at, "
            "status, merged_into, confidence, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, 'active', NULL, ?, ?)",
            [(i, f"{kind}|{i}", title, kind, start, end, precision, text, n, n, n, 0.5,
              f"{start}T12:00:00+00:00", f"{start}T12:00:00+00:00", confidence,
              json.dumps([f"{title}."]))
             for i, title, kind, start, end, precision, text, n, confidence in rows])
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard over 5,000 generated events spread over two years (too many to draw one by
    one), one of them known only to its year."""
    import random
    from datetime import date, timedelta

    path = tmp_path_factory.mktemp("big") / "big.db"
    Store(path).close()
    rng = random.Random(3)
    first = date.fromisoformat(BIG_FIRST_DAY)
    rows: list[tuple[Any, ...]] = []
    for i in range(BIG_EVENTS - 1):
        day = first + timedelta(days=min(729, int(abs(rng.gauss(365, 160)))))
        kind = ("diplomacy", "conflict", "economy", "legal")[min(3, int(rng.expovariate(0.8)))]
        rows.append((f"ebig{i:07d}", f"Generated event {i}", kind, day.isoformat(),
                     day.isoformat(), "day", day.isoformat(), rng.randint(1, 4), 0.9))
    rows.append((YEAR_EVENT, "Generated year event", "economy", "2024-01-01", "2024-12-31",
                 "year", "2024", 2, 0.9))
    insert_events(path, rows)
    yield from serve({"DATABASE": str(path)})


@pytest.fixture
def big(browser: Any, big_url: str) -> Iterator[Visit]:
    v = Visit(browser, big_url)
    yield v
    v.close()


def aggregate_total(visit: Visit, query: str = "") -> int:
    body = visit.page.request.get(f"{visit.base_url}/api/aggregate?{query}").json()
    assert body["ok"]
    return int(body["total"])


def wait_mode(page: Any, mode: str) -> None:
    page.wait_for_function(
        "(m) => { const gd = document.getElementById('timeline');"
        " return gd.dataset.state === 'ready' && gd.dataset.mode === m &&"
        " !gd.hasAttribute('aria-busy'); }", arg=mode, timeout=20_000)


def test_the_examples_draw_as_many_marks_as_the_api_counts(visit: Visit, tmp_path: Path) -> None:
    page = visit.open()
    assert page.get_attribute("#timeline", "data-mode") == "all"
    total = aggregate_total(visit)
    assert total == len(api_events(visit))
    assert page.get_attribute("#timeline", "data-count") == str(total)
    assert page.get_attribute("#timeline", "data-total") == str(total)
    drawn = page.evaluate("() => document.getElementById('timeline')._fullData"
                          ".reduce((n, t) => n + (t.customdata || []).length, 0)")
    assert drawn == total
    assert page.evaluate("() => typeof window.__trackerRendered") == "number"
    # the overview strip replaces the range slider
    page.wait_for_selector("#overview[data-state=ready]")
    assert page.locator("#timeline .rangeslider-container").count() == 0
    page.screenshot(path=str(tmp_path / "examples.png"))


def test_a_year_event_is_drawn_as_a_span(big: Visit, tmp_path: Path) -> None:
    page = big.open()
    wait_mode(page, "density")  # too many events: zoom into a fortnight around mid-2024
    page.evaluate("() => Plotly.relayout('timeline', {'xaxis.range': "
                  "['2024-06-25', '2024-07-08']})")
    wait_mode(page, "range")
    span = page.evaluate(
        "(id) => { const t = document.getElementById('timeline')._fullData"
        ".find(t => (t.customdata || []).includes(id)); if (!t) return null;"
        " const i = t.customdata.indexOf(id);"
        " return {type: t.type, base: t.base[i], width: t.x[i]}; }", YEAR_EVENT)
    assert span is not None, "the year event overlaps the range shown and must be drawn"
    assert span["type"] == "bar"
    assert str(span["base"]).startswith("2024-01-01")
    assert span["width"] == 366 * 86_400_000  # 2024 is a leap year: the whole year
    label = big.hover(YEAR_EVENT)
    assert "precision: year" in label
    page.screenshot(path=str(tmp_path / "year-span.png"))


def test_many_events_draw_a_density_band_and_zooming_in_shows_them(
        big: Visit, tmp_path: Path) -> None:
    page = big.open()
    wait_mode(page, "density")
    assert aggregate_total(big) == BIG_EVENTS
    assert page.get_attribute("#timeline", "data-total") == str(BIG_EVENTS)
    assert page.get_attribute("#timeline", "data-count") == "0"
    assert page.locator("#timeline .scatterlayer .point").count() == 0
    assert page.locator("#timeline .barlayer .point").count() < BIG_EVENTS / 5  # periods
    traces = page.evaluate("() => document.getElementById('timeline')._fullData"
                           ".map(t => [t.type, t.name, (t.customdata || []).length])")
    assert traces and all(t[1] == "density" and t[2] == 0 for t in traces)
    assert f"{BIG_EVENTS} events: zoom in to see them one by one" in \
        page.locator("#status").inner_text()
    # a density bar tells its count, period and kind
    page.screenshot(path=str(tmp_path / "density.png"))

    # zoom into ten days: the events there, one by one, as many as the API counts
    page.evaluate("() => Plotly.relayout('timeline', {'xaxis.range': "
                  "['2024-01-10', '2024-01-20']})")
    wait_mode(page, "range")
    expected = aggregate_total(big, "from=2024-01-10&to=2024-01-19")
    assert 0 < expected <= 3000
    assert page.get_attribute("#timeline", "data-count") == str(expected)
    page.wait_for_function("() => location.search.includes('shown_from=2024-01-10')")
    page.screenshot(path=str(tmp_path / "zoomed.png"))

    # Back: the whole span again, as a density band
    page.go_back()
    page.wait_for_function("() => !location.search.includes('shown_from=')")
    wait_mode(page, "density")


def test_the_overview_strip_sets_the_range_shown(big: Visit, tmp_path: Path) -> None:
    page = big.open()
    wait_mode(page, "density")
    page.wait_for_selector("#overview[data-state=ready]")
    before = shown_range(page)
    box = page.evaluate(
        "() => { const gd = document.getElementById('overview'), xa = gd._fullLayout.xaxis,"
        " r = gd.getBoundingClientRect();"
        " return {x0: r.left + xa._offset + xa.c2p(Date.UTC(2024, 2, 1)),"
        " x1: r.left + xa._offset + xa.c2p(Date.UTC(2024, 2, 15)),"
        " y: r.top + gd._fullLayout._size.t + gd._fullLayout._size.h / 2}; }")
    page.mouse.move(box["x0"], box["y"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=5)
    page.mouse.move(box["x1"], box["y"], steps=5)
    page.mouse.up()
    page.wait_for_function("() => location.search.includes('shown_from=2024-0')")
    wait_mode(page, "range")
    after = shown_range(page)
    assert after[1] - after[0] < (before[1] - before[0]) / 10
    day = 86_400_000
    assert abs(after[0] - 1709251200000) < 2 * day and abs(after[1] - 1710460800000) < 2 * day
    # the strip still shows the whole timeline, the range shown highlighted
    shape = page.evaluate("() => document.getElementById('overview')._fullLayout.shapes[0]")
    assert str(shape["x0"]).startswith("2024-0")
    page.screenshot(path=str(tmp_path / "overview.png"))


def test_the_article_page_highlights_its_dates_and_links_its_events(visit: Visit,
                                                                     tmp_path: Path) -> None:
    hostile = visit.page.request.get(f"{visit.base_url}/api/events?limit=1000&min_confidence=0"
                                     "&from=2025-05-03&to=2025-05-03").json()["events"]
    event = next(e for e in hostile if "<script>" in e["summary"][0])
    detail = visit.page.request.get(f"{visit.base_url}/api/events/{event['id']}").json()
    article_id = detail["event"]["mentions"][0]["article_id"]
    page = visit.page
    page.goto(f"{visit.base_url}/articles/{article_id}")
    dates = page.locator("article mark.timex")
    assert dates.count() >= 1
    assert "May 3" in " ".join(dates.all_inner_texts())
    assert dates.first.get_attribute("title") == "2025-05-03"
    assert dates.first.is_visible()
    body = page.locator("article.article-page")
    assert "<script>alert(2)</script>" in body.inner_text()  # the article's HTML is text
    assert page.locator("article.article-page img, article.article-page script").count() == 0
    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
    page.locator("article a.mention").first.click()
    page.wait_for_url("**/events/*")
    assert page.locator("h1").count() == 1


def entity_lanes(visit: Visit, query: str = "") -> list[dict[str, Any]]:
    body = visit.page.request.get(
        f"{visit.base_url}/api/aggregate?group=entity&{query}").json()
    assert body["ok"] and body["group"] == "entity"
    return list(body["entities"])


def lane_labels(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#timeline .ytick text").all_text_contents()]


def test_lanes_switch_to_the_people_and_places_of_the_filter(visit: Visit,
                                                             tmp_path: Path) -> None:
    page = visit.open()
    kinds = set(lane_labels(page))
    page.select_option("select[name=lanes]", "entity")
    visit.wait_redrawn("lanes=entity")
    page.wait_for_selector("#timeline[data-lanes=entity]")
    lanes = entity_lanes(visit)
    lane_ids = {n["id"] for n in lanes}
    events = api_events(visit)
    # a lane for each of the filter's busiest people and places, and one for the rest
    labels = lane_labels(page)
    unplaced = [e for e in events if not {n["id"] for n in e["entities"]} & lane_ids]
    assert len(labels) == len(lanes) + (1 if unplaced else 0)
    assert ("others" in labels) == bool(unplaced)
    for label in labels:
        assert label == "others" or any(label.rstrip("…") in n["name"] for n in lanes), label
    # every event is drawn in the lane of each of its people and places that has one
    drawn: dict[str, int] = {}
    for event_id in visit.plotted_ids():
        drawn[event_id] = drawn.get(event_id, 0) + 1
    assert drawn == {e["id"]: max(1, len({n["id"] for n in e["entities"]} & lane_ids))
                     for e in events}
    assert page.get_attribute("#timeline", "data-count") == str(len(events))
    page.screenshot(path=str(tmp_path / "lanes-by-entity.png"))
    # the choice is part of the view: Back returns to the lanes by kind
    page.go_back()
    page.wait_for_function("() => !location.search.includes('lanes=entity')")
    page.wait_for_selector("#timeline[data-lanes=kind][data-state=ready]")
    assert set(lane_labels(page)) == kinds
    assert page.input_value("select[name=lanes]") == "kind"


def test_density_lanes_by_person_and_place(browser: Any, base_url: str, tmp_path: Path) -> None:
    visit = Visit(browser, base_url)
    try:
        visit.context.add_init_script("window.__trackerDetailMax = 3;")  # density at once
        page = visit.open("/?view=chart&lanes=entity")
        wait_mode(page, "density")
        lanes = entity_lanes(visit)
        assert page.get_attribute("#timeline", "data-lanes") == "entity"
        assert len(lane_labels(page)) == len(lanes)
        bars = page.evaluate("() => document.getElementById('timeline')._fullData"
                             ".map(t => [t.name, t.hovertext.length])")
        assert len(bars) == len(lanes) and all(name == "density" for name, _ in bars)
        status = page.locator("#status").inner_text()
        assert "person or place" in status
        page.screenshot(path=str(tmp_path / "density-by-entity.png"))
    finally:
        visit.close()


def test_a_click_on_a_density_bar_zooms_into_its_period(big: Visit, tmp_path: Path) -> None:
    page = big.open()
    wait_mode(page, "density")
    bar = page.evaluate(
        "() => { const gd = document.getElementById('timeline'), t = gd._fullData[0],"
        " xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();"
        " let i = 0; t.y.forEach((v, j) => { if (v < t.y[i]) i = j; });"  # the tallest bar
        " const x = xa.d2c(t.x[i]);"
        " return {x: r.left + xa._offset + xa.c2p(x),"
        " y: r.top + ya._offset + ya.c2p(t.base[i] + t.y[i] / 2),"
        " from: x - t.width[i] / 0.92 / 2, to: x + t.width[i] / 0.92 / 2}; }")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_function("() => location.search.includes('shown_from=')")
    wait_mode(page, "range")
    shown = shown_range(page)
    minute = 60_000
    assert abs(shown[0] - bar["from"]) <= minute and abs(shown[1] - bar["to"]) <= minute
    assert int(page.get_attribute("#timeline", "data-count") or 0) > 0
    page.screenshot(path=str(tmp_path / "density-click.png"))
