"""Export formats, each read back by its real consumer: `/api/export?format=` and `tracker export`.

On a real database (the bundled examples, plus an event known only to its month and an article
written in HTML, plus two headlines a spreadsheet would choke on): JSON as before; NDJSON, one
`json.loads` per line, the JSON export's events; CSV read back with the `csv` module, one row
per event, formula cells neutralised; iCalendar parsed by the `icalendar` package, all-day events
spanning their precision, UID = event id; TimelineJS's JSON with the precision kept; GeoJSON
validated by the `geojson` package, countries at their centre, never their capital. The same
filters narrow `/api/events`, `/api/export` and `tracker export` alike; an unknown format is a
400 listing the valid ones. Every format streams in batches from one snapshot, and a large
export rendered by two processes is the same text. The TimelineJS library itself loads the
export in `test_export_timelinejs.py`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import geojson
import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from benchmarks.dashboard_scale import build
from benchmarks.export import measure
from tests.conftest import HOSTILE_ARTICLE
from tracker import clock, geo
from tracker.exports import FORMATS, LAYOUTS, events, parallel
from tracker.exports.stream import stream
from tracker.ingest import Ingestor
from tracker.parse import read_jsonl
from tracker.query import EventFilter, export_timeline
from tracker.store import Store, reads
from web import create_app

MONTH_ARTICLE = (
    '{"url": "https://test-gazette.example.net/2025/04/02/harbour-bridge", '
    '"title": "Harbour bridge reopens after repairs", "published": "2025-04-02", '
    '"source": "Test Gazette", "text": "The city council reopened the old harbour bridge '
    'in March 2025 after two years of repairs, the mayor said."}\n'
)
FORMULA_TITLE = '=HYPERLINK("https://evil.example/steal","click me")'
AWKWARD_TITLE = 'Talks, "quoted" words;\nand a new line, with commas'
ALL = "min_confidence=0"  # every stored event: the low-confidence ones too


@pytest.fixture(scope="module")
def export_db(_examples_db_master: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, dict[str, str]]:
    """The examples, a month-precision event, an article in HTML, and two events retitled: one
    like a spreadsheet formula, one with commas, quotes and a line break. Returns the database
    and the retitled events' ids by their new titles."""
    folder = tmp_path_factory.mktemp("exports")
    with Store(_examples_db_master) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = folder / "exports.db"
    shutil.copy(_examples_db_master, path)
    more = folder / "more.jsonl"
    more.write_text(MONTH_ARTICLE + HOSTILE_ARTICLE, encoding="utf-8")
    with Store(path) as s:
        report = Ingestor(s).ingest(read_jsonl(more))
        assert report.failed == 0, report.failures
    conn = sqlite3.connect(path)
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM events WHERE status = 'active' AND confidence >= 0.55 "
            "ORDER BY date_start, id LIMIT 2")]
        retitled = {FORMULA_TITLE: ids[0], AWKWARD_TITLE: ids[1]}
        for title, event_id in retitled.items():
            conn.execute("UPDATE events SET title = ? WHERE id = ?", [title, event_id])
        conn.commit()
    finally:
        conn.close()
    return path, retitled


@pytest.fixture(scope="module")
def export_app(export_db: tuple[Path, dict[str, str]]) -> Flask:
    return create_app({"DATABASE": str(export_db[0]), "TESTING": True})


@pytest.fixture
def web(export_app: Flask) -> FlaskClient:
    return export_app.test_client()


def exported(client: FlaskClient, fmt: str, query: str = ALL) -> str:
    response = client.get(f"/api/export?format={fmt}&{query}")
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def listed(client: FlaskClient, query: str = ALL) -> list[dict[str, Any]]:
    """Every event ``/api/events`` lists for a query, page after page."""
    out: list[dict[str, Any]] = []
    after = ""
    while True:
        response = client.get(f"/api/events?limit=1000&{query}{after}")
        assert response.status_code == 200, response.data[:300]
        body = response.get_json()
        out += body["events"]
        if not body["next"]:
            return out
        after = f"&after={body['next']}"


def document(client: FlaskClient, query: str = ALL) -> dict[str, Any]:
    return dict(json.loads(exported(client, "json", query)))


def ndjson_events(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.splitlines()]


# ---------------------------------------------------------------- choosing a format over HTTP

def test_an_unknown_format_is_a_400_that_lists_the_valid_ones(web: FlaskClient) -> None:
    response = web.get("/api/export?format=xml")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400
    assert "format" in body["error"] and "'xml'" in body["error"]
    for name in FORMATS:
        assert name in body["error"]


def test_a_refused_format_takes_no_export_slot(web: FlaskClient, export_app: Flask) -> None:
    # Two slots: many refusals, then two exports at once still both run.
    for _ in range(5):
        assert web.get("/api/export?format=pdf").status_code == 400
    first = web.get("/api/export?format=ndjson")
    second = web.get("/api/export?format=csv")
    assert first.status_code == second.status_code == 200
    first.close()
    second.close()


@pytest.mark.parametrize(("fmt", "content_type", "filename"), [
    ("json", "application/json", "timeline.json"),
    ("ndjson", "application/x-ndjson", "timeline.ndjson"),
    ("csv", "text/csv; charset=utf-8", "timeline.csv"),
    ("ics", "text/calendar; charset=utf-8", "timeline.ics"),
    ("timelinejs", "application/json", "timeline.timelinejs.json"),
    ("geojson", "application/geo+json", "timeline.geojson"),
])
def test_each_format_has_its_media_type_and_a_download_name(
        web: FlaskClient, fmt: str, content_type: str, filename: str) -> None:
    inline = web.get(f"/api/export?format={fmt}")
    assert inline.headers["Content-Type"] == content_type
    assert "Content-Disposition" not in inline.headers
    download = web.get(f"/api/export?format={fmt}&download=1")
    assert download.headers["Content-Disposition"] == f"attachment; filename={filename}"
    assert download.data == inline.data


def test_json_stays_the_document_it_was(web: FlaskClient) -> None:
    default = web.get(f"/api/export?{ALL}").get_json()
    assert default == document(web)
    assert default["count"] == len(default["events"]) == len(listed(web))
    assert [e["id"] for e in default["events"]] == [e["id"] for e in listed(web)]


# ---------------------------------------------------------------- NDJSON

def test_ndjson_is_one_json_export_event_per_line(web: FlaskClient) -> None:
    text = exported(web, "ndjson")
    lines = ndjson_events(text)
    assert lines == document(web)["events"]
    assert len(lines) > 40
    assert all(line["mentions"] for line in lines)


def test_ndjson_keeps_the_text_of_articles_as_written(web: FlaskClient) -> None:
    lines = ndjson_events(exported(web, "ndjson"))
    titles = {e["title"] for e in lines}
    assert FORMULA_TITLE in titles and AWKWARD_TITLE in titles
    assert any("<script>" in m["sentence"] for e in lines for m in e["mentions"])


# ---------------------------------------------------------------- CSV

def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_event_that_reads_back(web: FlaskClient) -> None:
    rows = read_csv(exported(web, "csv"))
    events_ = document(web)["events"]
    assert len(rows) == len(events_)
    assert list(rows[0]) == ["id", "date_start", "date_end", "precision", "date_label",
                             "date_text", "kind", "title", "summary", "confidence", "score",
                             "n_sources", "n_articles", "entities", "sources", "urls"]
    for row, event in zip(rows, events_, strict=True):
        assert row["id"] == event["id"]
        assert (row["date_start"], row["date_end"], row["precision"]) == (
            event["date_start"], event["date_end"], event["precision"])
        assert row["date_label"] == event["date_label"]
        assert float(row["confidence"]) == event["confidence"]
        assert int(row["n_sources"]) == event["n_sources"]
        assert row["summary"] == " ".join(event["summary"])
        assert row["entities"].split("; ") == [n["name"] for n in event["entities"]] or (
            not row["entities"] and not event["entities"])
        urls = list(dict.fromkeys(m["article_url"] for m in event["mentions"]))
        assert row["urls"].split("; ") == urls
        outlets = list(dict.fromkeys(m["source"] for m in event["mentions"]))
        assert row["sources"].split("; ") == outlets


def test_csv_neutralises_formulas_and_keeps_awkward_text(
        web: FlaskClient, export_db: tuple[Path, dict[str, str]]) -> None:
    by_id = {row["id"]: row for row in read_csv(exported(web, "csv"))}
    retitled = export_db[1]
    # A spreadsheet would run '=HYPERLINK(...)'; behind an apostrophe it is text.
    assert by_id[retitled[FORMULA_TITLE]]["title"] == "'" + FORMULA_TITLE
    # Commas, quotes, a semicolon and a line break survive the round trip.
    assert by_id[retitled[AWKWARD_TITLE]]["title"] == AWKWARD_TITLE
    for row in by_id.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row


# ---------------------------------------------------------------- iCalendar

def calendar_events(text: str) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(text)
    return list(calendar.walk("VEVENT"))


def test_ics_parses_and_each_event_spans_its_days(web: FlaskClient) -> None:
    text = exported(web, "ics")
    vevents = calendar_events(text)
    events_ = {e["id"]: e for e in document(web)["events"]}
    assert len(vevents) == len(events_)
    for vevent in vevents:
        event = events_[str(vevent["UID"])]  # UID is the event's id
        assert vevent["DTSTART"].params.get("VALUE") == "DATE"
        assert vevent["DTSTART"].dt == date.fromisoformat(event["date_start"])
        assert vevent["DTEND"].dt == date.fromisoformat(event["date_end"]) + timedelta(days=1)
        assert str(vevent["SUMMARY"]) == event["title"]
        assert str(vevent["CATEGORIES"].cats[0]) == event["kind"]
        description = str(vevent["DESCRIPTION"])
        for sentence in event["summary"]:
            assert sentence in description
        for m in event["mentions"][:5]:
            assert m["article_url"] in description


def test_ics_spans_a_month_event_over_the_whole_month(web: FlaskClient) -> None:
    month = [e for e in document(web)["events"] if e["precision"] == "month"]
    assert month, "the March 2025 article gives a month-precision event"
    vevents = {str(v["UID"]): v for v in calendar_events(exported(web, "ics"))}
    for event in month:
        vevent = vevents[event["id"]]
        assert vevent["DTSTART"].dt == date(2025, 3, 1)
        assert vevent["DTEND"].dt == date(2025, 4, 1)  # exclusive: the whole of March


def test_ics_lines_are_folded_crlf_lines_of_75_octets(web: FlaskClient) -> None:
    data = web.get(f"/api/export?format=ics&{ALL}").data
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert any(line.startswith(b" ") for line in lines)  # long descriptions were folded
    data.decode("utf-8")  # never cut inside a character


# ---------------------------------------------------------------- TimelineJS

def test_timelinejs_keeps_the_precision_by_leaving_parts_out(web: FlaskClient) -> None:
    doc = json.loads(exported(web, "timelinejs"))
    events_ = {e["id"]: e for e in document(web)["events"]}
    assert len(doc["events"]) == len(events_)
    assert str(len(events_)) in doc["title"]["text"]["text"]
    seen = set()
    for slide in doc["events"]:
        event = events_[slide["unique_id"]]
        start, end = slide["start_date"], slide.get("end_date")
        precision = event["precision"]
        seen.add(precision)
        first = date.fromisoformat(event["date_start"])
        if precision == "year":
            assert start == {"year": first.year} and end is None
        elif precision == "month":
            assert start == {"year": 2025, "month": 3} and end is None
        elif precision in ("day", "time", "reported"):
            assert start == {"year": first.year, "month": first.month, "day": first.day}
        elif precision in ("week", "season", "quarter"):
            last = date.fromisoformat(event["date_end"])
            assert start == {"year": first.year, "month": first.month, "day": first.day}
            assert end == {"year": last.year, "month": last.month, "day": last.day}
        assert slide["group"] == event["kind"]
        assert slide["display_date"] == event["date_label"]
    assert {"year", "month", "day", "season", "week"} <= seen


def test_timelinejs_text_is_escaped_html_with_safe_links(web: FlaskClient) -> None:
    doc = json.loads(exported(web, "timelinejs"))
    texts = [s["text"]["headline"] + s["text"]["text"] for s in doc["events"]]
    assert any("&lt;script&gt;" in t or "&lt;img" in t for t in texts)
    assert not any("<script" in t or "<img" in t for t in texts)
    assert any('<a href="https://' in t for t in texts)
    assert not any("javascript:" in t for t in texts)


# ---------------------------------------------------------------- GeoJSON

def test_geojson_validates_with_points_on_the_globe(web: FlaskClient) -> None:
    collection = geojson.loads(exported(web, "geojson"))
    assert collection.is_valid, collection.errors()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert features
    ids = {e["id"] for e in document(web)["events"]}
    for feature in features:
        assert feature.is_valid, feature.errors()
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        props = feature["properties"]
        assert props["id"] in ids and props["url"] == f"/events/{props['id']}"
        assert feature["id"] == f"{props['id']}/{props['place_id']}"


def test_geojson_puts_countries_at_their_centre_and_cities_at_their_place(
        web: FlaskClient) -> None:
    features = json.loads(exported(web, "geojson"))["features"]
    by_place = {f["properties"]["place"]: f for f in features}
    turkey = by_place["Turkey"]
    assert turkey["properties"]["place_kind"] == "country"
    assert turkey["geometry"]["coordinates"] == [35.42, 38.99]  # not Ankara (32.85, 39.92)
    istanbul = by_place["Istanbul"]
    assert istanbul["properties"]["place_kind"] == "city"
    lon, lat = istanbul["geometry"]["coordinates"]
    assert abs(lat - 41.01) < 0.1 and abs(lon - 28.95) < 0.1


def test_geojson_has_each_placed_event_and_nothing_else(web: FlaskClient) -> None:
    features = json.loads(exported(web, "geojson"))["features"]
    placed = {f["properties"]["id"] for f in features}
    aliases = {n["id"]: n["aliases"] for n in web.get(
        "/api/entities?kind=place&limit=1000").get_json()["entities"]}
    unplaced_events = 0
    for event in document(web)["events"]:
        names = [n for n in event["entities"] if n["kind"] == "place"]
        located = [n for n in names if geo.locate(n["name"], aliases[n["id"]]) is not None]
        assert (event["id"] in placed) == bool(located), (event["title"], names)
        unplaced_events += not located
    assert unplaced_events, "some events name no place: they are left out"


# ---------------------------------------------------------------- the same filters everywhere

FILTERS = [
    {"place": "Istanbul"}, {"place": "turkey"}, {"source": "Harbour Post"},
    {"precision": "day"}, {"precision": "season"}, {"q": "prisoners"}, {"q": '"direct talks"'},
    {"q": "Zelensky"}, {"kind": "diplomacy"}, {"entity": "Recep Tayyip Erdogan"},
    {"from": "2025-05-16", "to": "2025-05-20"}, {"min_sources": "2"},
    {"place": "Istanbul", "precision": "day", "min_confidence": "0.5"},
    {"min_confidence": "0.7"}, {"key": "1"},
]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: urlencode(p))
@pytest.mark.parametrize("fmt", ["ndjson", "csv", "ics", "timelinejs", "json"])
def test_filters_narrow_the_export_as_they_narrow_the_event_list(
        web: FlaskClient, fmt: str, params: dict[str, str]) -> None:
    query = urlencode(params)
    expected = [e["id"] for e in listed(web, query)]
    text = exported(web, fmt, query)
    if fmt == "ndjson":
        got = [e["id"] for e in ndjson_events(text)]
    elif fmt == "csv":
        got = [r["id"] for r in read_csv(text)]
    elif fmt == "ics":
        got = [str(v["UID"]) for v in calendar_events(text)]
    elif fmt == "timelinejs":
        got = [s["unique_id"] for s in json.loads(text)["events"]]
    else:
        got = [e["id"] for e in json.loads(text)["events"]]
    assert got == expected
    assert 0 < len(expected) < len(listed(web)), "a filter that narrows"


def test_geojson_is_narrowed_by_the_same_filters(web: FlaskClient) -> None:
    istanbul = {f["properties"]["id"] for f in json.loads(exported(
        web, "geojson", f"{ALL}&place=Istanbul"))["features"]}
    assert istanbul == {e["id"] for e in listed(web, f"{ALL}&place=Istanbul")}


def test_bad_filters_are_400s_before_anything_streams(web: FlaskClient) -> None:
    for query in ("format=csv&precision=fortnight", "format=ndjson&q=AND", "format=ics&from=x"):
        response = web.get(f"/api/export?{query}")
        assert response.status_code == 400
        assert response.get_json()["ok"] is False


# ---------------------------------------------------------------- streaming

@pytest.fixture
def fixed_clock() -> Iterator[None]:
    """The clock stopped (TimelineJS's title slide says when the file was made)."""
    clock.set_now(lambda: datetime(2025, 6, 10, 12, 0, tzinfo=UTC))
    yield
    clock.set_now(None)


TWO_CORES = pytest.mark.skipif((os.cpu_count() or 1) < 2,
                               reason="one core: exports never bring in a helper process")


@pytest.fixture
def helpers_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV_SWITCH, raising=False)


@pytest.mark.parametrize(("name", "parallel_from"), [
    *[(name, None) for name in LAYOUTS],
    pytest.param("ndjson", 1, marks=TWO_CORES, id="ndjson-two-processes"),
    pytest.param("csv", 1, marks=TWO_CORES, id="csv-two-processes"),
])
def test_every_format_streams_in_batches_from_one_snapshot(
        export_db: tuple[Path, dict[str, str]], tmp_path: Path, name: str,
        parallel_from: int | None, fixed_clock: None, helpers_allowed: None) -> None:
    path = tmp_path / "snapshot.db"
    shutil.copy(export_db[0], path)
    f = EventFilter(min_confidence=0)
    with Store(path) as store:
        whole = "".join(stream(store, f, LAYOUTS[name], size=1000))
        pieces = stream(store, f, LAYOUTS[name], size=5, parallel_from=parallel_from)
        first = [next(pieces), next(pieces)]  # the head and a first batch: reading has begun
        # Meanwhile another connection rewrites every headline and retires half the events.
        other = sqlite3.connect(path)
        try:
            with other:
                other.execute("UPDATE events SET title = 'changed'")
                other.execute("UPDATE events SET status = 'merged' WHERE rowid % 2 = 0")
        finally:
            other.close()
        rest = list(pieces)
        assert len(rest) > 3, "several batches, each its own piece"
        assert "".join(first + rest) == whole  # the export saw the database as it began
        assert "changed" in "".join(stream(store, f, LAYOUTS[name]))  # the next one sees it


def test_batched_reading_gives_the_json_exports_events(
        export_db: tuple[Path, dict[str, str]]) -> None:
    f = EventFilter(min_confidence=0)
    with Store(export_db[0]) as store:
        expected = export_timeline(store, f)["events"]
        with reads.snapshot(store):
            dicts = [e for b in events.batches(store, f, size=3) for e in b.dicts()]
            lines = "".join(b.ndjson() for b in events.batches(store, f, size=4))
    assert dicts == expected
    assert ndjson_events(lines) == expected


@TWO_CORES
def test_a_large_export_in_two_processes_is_the_same_text(
        export_db: tuple[Path, dict[str, str]], helpers_allowed: None) -> None:
    f = EventFilter(min_confidence=0)
    interleaved: list[bool] = []
    real = parallel.Helper.interleave

    def spy(self: parallel.Helper, mine: Iterator[str]) -> Iterator[str]:
        interleaved.append(True)
        return real(self, mine)

    with Store(export_db[0]) as store, pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel.Helper, "interleave", spy)
        for name, layout in LAYOUTS.items():
            if name == "timelinejs":  # its title slide says when it was made
                continue
            alone = "".join(stream(store, f, layout, size=4, parallel_from=10**9))
            shared = "".join(stream(store, f, layout, size=4, parallel_from=1))
            assert shared == alone, name
    assert len(interleaved) == len(LAYOUTS) - 1, "the helper process rendered half"


@TWO_CORES
def test_a_busy_writer_leaves_the_export_to_one_process(
        export_db: tuple[Path, dict[str, str]], tmp_path: Path, helpers_allowed: None) -> None:
    path = tmp_path / "busy.db"
    shutil.copy(export_db[0], path)
    f = EventFilter(min_confidence=0)
    writer = sqlite3.connect(path, isolation_level=None)
    with Store(path) as store:
        alone = "".join(stream(store, f, LAYOUTS["ndjson"], size=4, parallel_from=10**9))
        writer.execute("BEGIN IMMEDIATE")  # a long write: the snapshot cannot be shared
        try:
            text = "".join(stream(store, f, LAYOUTS["ndjson"], size=4, parallel_from=1))
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert text == alone


@TWO_CORES
def test_a_reader_that_stops_stops_the_helper_process(
        export_db: tuple[Path, dict[str, str]], helpers_allowed: None) -> None:
    started: list[parallel.Helper] = []
    real = parallel.start

    def spy(*args: Any, **kwargs: Any) -> parallel.Helper | None:
        helper = real(*args, **kwargs)
        if helper is not None:
            started.append(helper)
        return helper

    with Store(export_db[0]) as store, pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "start", spy)
        pieces = stream(store, EventFilter(min_confidence=0), LAYOUTS["ndjson"], size=2,
                        parallel_from=1)
        next(pieces)
        next(pieces)
        pieces.close()  # a client gone
    assert started and not started[0].process.is_alive()


# ---------------------------------------------------------------- the command

def tracker(db: Path, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_cli_writes_every_format(export_db: tuple[Path, dict[str, str]],
                                 web: FlaskClient) -> None:
    db = export_db[0]
    for fmt in FORMATS:
        result = tracker(db, "export", "--format", fmt, "--min-confidence", "0")
        assert result.returncode == 0, result.stderr
        if fmt in ("ndjson", "csv", "ics", "geojson"):
            assert result.stdout == exported(web, fmt).replace("\r\n", "\n"), fmt
    ndjson = tracker(db, "export", "--format", "ndjson", "--min-confidence", "0").stdout
    assert ndjson_events(ndjson) == document(web)["events"]


def test_cli_export_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    # Several batches of events (1,000 each), so the pipe breaks while the export is between
    # two batches, its snapshot open.
    db = build(tmp_path / "many.db", 2500, evidence=True, merged_share=0.0)
    child = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "--db", str(db), "export", "--format", "ndjson",
         "--min-confidence", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.read(100)  # like `| head -c 100` (unbuffered: 100 bytes, no more)
    child.stdout.close()
    assert child.wait(timeout=120) == 0
    assert child.stderr.read().decode() == ""  # no traceback from the export's clean-up


@pytest.mark.parametrize("options", [
    ["--place", "Istanbul"], ["--source", "Harbour Post"], ["--precision", "season"],
    ["--q", "prisoners"], ["--entity", "Recep Tayyip Erdogan"], ["--kind", "diplomacy"],
    ["--from", "2025-05-16", "--to", "2025-05-20"], ["--min-sources", "2"],
    ["--min-confidence", "0.7", "--place", "Istanbul"],
])
def test_cli_filters_select_what_the_api_selects(
        export_db: tuple[Path, dict[str, str]], web: FlaskClient, options: list[str]) -> None:
    names = {"--place": "place", "--source": "source", "--precision": "precision", "--q": "q",
             "--entity": "entity", "--kind": "kind", "--from": "from", "--to": "to",
             "--min-sources": "min_sources", "--min-confidence": "min_confidence"}
    query = "&".join(f"{names[k]}={v}" for k, v in zip(options[::2], options[1::2],
                                                         strict=True))
    if "--min-confidence" not in options:
        options = [*options, "--min-confidence", "0"]
        query += f"&{ALL}"
    result = tracker(export_db[0], "export", "--format", "ndjson", *options)
    assert result.returncode == 0, result.stderr
    expected = [e["id"] for e in listed(web, query)]
    assert [e["id"] for e in ndjson_events(result.stdout)] == expected
    assert expected


@pytest.mark.parametrize(("options", "fragment"), [
    (["--q", "talks AND"], "--q"),
    (["--precision", "fortnight"], "--precision must be one of"),
    (["--from", "2025-06-01", "--to", "2025-05-01"], "--from must not be after --to"),
    (["--min-sources", "-1"], "--min-sources"),
    (["--output", "/nonexistent/folder/x.csv"], "--output"),
])
def test_cli_bad_filters_are_one_line_errors(
        export_db: tuple[Path, dict[str, str]], options: list[str], fragment: str) -> None:
    result = tracker(export_db[0], "export", "--format", "csv", *options)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: error:") and fragment in lines[0]


def test_cli_output_file_is_written_whole(
        export_db: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    target = tmp_path / "timeline.ics"
    target.write_text("an older export", encoding="utf-8")
    result = tracker(export_db[0], "export", "--format", "ics", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert calendar_events(target.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == ["timeline.ics"]  # no partial file left


# ---------------------------------------------------------------- the benchmark, small

def test_the_export_benchmark_runs_on_a_small_database(tmp_path: Path) -> None:
    db = build(tmp_path / "bench.db", 2_000, evidence=True, merged_share=0.0)
    with Store(db) as store:
        assert store.counts()["articles"] >= 50
    figures = measure(db, "ndjson")
    assert figures["events"] == 2_000
    assert figures["events_per_second"] > 0 and figures["max_rss_mb"] > 0
