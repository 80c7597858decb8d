"""The TimelineJS export in the real TimelineJS 3 library, in a real headless Chromium.

The library is npm's ``@knight-lab/timelinejs`` at the version the Makefile pins, checked
against npm's integrity and unpacked into ``.venv/share/tracker/timelinejs`` by ``make test``
(``TRACKER_TIMELINEJS_DIR`` overrides); without it this test is skipped and says how to get it.
A local HTTP server on 127.0.0.1 serves the library, a page that builds
``new TL.Timeline(id, data)``, and the export itself, taken from the app's ``/api/export``
over the examples plus a month-precision event and an article written in HTML. Every request
that would leave 127.0.0.1 is blocked. Checks: no page error, console error or dialog, one
slide per event plus the title slide, one marker per event on the time navigator, a
month-precision event shown as its month, and HTML from an article shown as text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.httpserver import LocalServer
from tests.test_dashboard import CHROMIUM_ARGS, browser, dashboard_db  # noqa: F401
from web import create_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = Path(os.environ.get("TRACKER_TIMELINEJS_DIR")
               or ROOT / ".venv" / "share" / "tracker" / "timelinejs")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Timeline</title>
<link rel="stylesheet" href="/tl/css/timeline.css">
<script src="/tl/js/timeline.js"></script></head>
<body><div id="timeline" style="width: 1200px; height: 700px"></div>
<script>
fetch('/export.json').then((r) => r.json()).then((data) => {
  // font: null, the page's own fonts: TimelineJS's default font sheet loads Google's fonts.
  window.timeline = new TL.Timeline('timeline', data,
                                    {script_path: location.origin + '/tl/js/', font: null});
  window.loaded = true;
});
</script></body></html>"""
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
         ".eot": "application/vnd.ms-fontobject"}


@pytest.fixture(scope="module")
def library() -> Path:
    if not (LIBRARY / "js" / "timeline.js").exists():
        pytest.skip(f"TimelineJS is not installed in {LIBRARY}: run `make test` (it unpacks "
                    f"npm's @knight-lab/timelinejs there; needs npm)")
    return LIBRARY


@pytest.fixture
def exported(dashboard_db: Path) -> dict[str, Any]:  # noqa: F811
    app = create_app({"DATABASE": str(dashboard_db), "TESTING": True})
    response = app.test_client().get("/api/export?format=timelinejs&min_confidence=0")
    assert response.status_code == 200
    return dict(json.loads(response.data))


@pytest.fixture
def site(library: Path, exported: dict[str, Any]) -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.add("/", body=PAGE.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
        server.add("/favicon.ico", status=204)  # no 404 in the console
        server.add("/export.json", body=json.dumps(exported).encode(),
                   headers={"Content-Type": "application/json"})
        for path in library.rglob("*"):
            if path.is_file() and path.suffix in TYPES:
                server.add(f"/tl/{path.relative_to(library).as_posix()}",
                           body=path.read_bytes(), headers={"Content-Type": TYPES[path.suffix]})
        yield server


def test_the_export_loads_in_timelinejs_without_errors(
        browser: Any, site: LocalServer, exported: dict[str, Any]) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(site.url("/"))
        page.wait_for_function("() => window.loaded === true", timeout=20_000)
        page.wait_for_selector(".tl-timemarker", state="attached", timeout=20_000)
        slides = page.locator(".tl-slide").count()
        markers = page.locator(".tl-timemarker").count()
        n = len(exported["events"])
        assert n > 40
        assert slides == n + 1  # every event, and the title slide
        assert markers == n
        title = page.locator(".tl-slide-titleslide .tl-headline").first.text_content() or ""
        assert "Event timeline" in title
        # The month event is shown as its month (display_date), not as a day.
        month = next(e for e in exported["events"] if e.get("display_date") == "March 2025")
        page.evaluate("(id) => window.timeline.goToId(id)", month["unique_id"])
        page.wait_for_timeout(1_500)
        shown = page.locator(f"#{month['unique_id']} .tl-headline-date").first.text_content()
        assert shown and "March 2025" in shown
        # HTML written in an article is text on the slide, not markup.
        headlines = page.locator(".tl-slide .tl-headline").all_text_contents()
        assert any("<img" in h or "<script>" in h for h in headlines) or any(
            "<img" in t or "<script>" in t
            for t in page.locator(".tl-slide .tl-text-content").all_text_contents())
        assert page.locator(".tl-slide img[src='x']").count() == 0
        page.screenshot(path="/tmp/timelinejs-export.png")
    finally:
        context.close()
    assert not errors, errors
    assert not dialogs, dialogs
    assert not blocked, f"requests left 127.0.0.1: {blocked}"
