"""The `tracker` command as scripts call it: ingest every kind of target, export, clear errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.httpserver import LocalServer, closed_port
from tracker.confidence import MIN_CONFIDENCE

ARTICLE = (
    "Harbour Workers Strike in Valparaiso\n\n"
    "Dock workers in Valparaiso began a strike on Monday, March 3, 2025, halting cargo traffic. "
    "The union said talks with port operators had failed last week. "
    "Protests spread to Santiago on Wednesday.\n"
)
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Port News</title><link>{base}/</link>
<description>News from the port</description>
<item><title>Strike halts harbour</title><link>{base}/strike</link>
<pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate>
<description>Dock workers in Valparaiso began a strike on Monday. The strike halted cargo traffic
across the harbour and talks with port operators are planned for Friday.</description></item>
<item><title>Talks planned</title><link>{base}/talks</link>
<pubDate>Wed, 05 Mar 2025 09:00:00 GMT</pubDate>
<description>Union leaders and port operators will hold talks in Valparaiso on Friday, the
union said on Wednesday.</description></item>
</channel></rss>"""
PAGE = """<!doctype html><html><head><title>Harbour strike ends</title>
<meta property="article:published_time" content="2025-03-10T08:00:00Z"></head>
<body><article><h1>Harbour strike ends</h1>
<p>The dock strike in Valparaiso ended on Sunday after talks between the union and port
operators produced an agreement on wages.</p>
<p>Cargo traffic resumed on Monday morning, the port authority said in a statement.</p>
</article></body></html>"""


def tracker(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120, input=stdin,
    )


def export(db: Path) -> dict[str, Any]:
    result = tracker(db, "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("tracker: error:")]
    assert errors and fragment in errors[0], result.stderr


def test_ingest_a_text_file_with_a_given_publication_date(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "strike.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = tracker(db_path, "ingest", str(path), "--published", "2025-03-05")
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stderr.splitlines()[-1]
    events = export(db_path)["events"]
    strike = [e for e in events if e["date_start"] == "2025-03-03"]
    assert strike and strike[0]["precision"] == "day"


def test_export_events_carry_the_promised_fields(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "strike.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    tracker(db_path, "ingest", str(path), "--published", "2025-03-05")
    events = export(db_path)["events"]
    assert events
    for event in events:
        assert {"id", "title", "kind", "date_start", "date_end", "precision", "date_text",
                "entities", "n_articles", "n_sources", "mentions"} <= set(event)
        for entity in event["entities"]:
            assert entity["kind"] in ("person", "place", "org") and entity["name"]
        for m in event["mentions"]:
            assert {"sentence", "start", "end"} <= set(m)
            assert m.get("article_url") or m.get("article_id")
            assert ARTICLE[m["start"]:m["end"]] == m["sentence"]


def test_ingest_a_folder_and_then_nothing_changes_the_second_time(
        tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "one.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "two.html").write_text(PAGE, encoding="utf-8")
    first = tracker(db_path, "ingest", str(folder), "--published", "2025-03-11")
    assert first.returncode == 0, first.stderr
    assert "2 new" in first.stderr
    before = export(db_path)["events"]
    second = tracker(db_path, "ingest", str(folder), "--published", "2025-03-11")
    assert "0 new" in second.stderr and "2 unchanged" in second.stderr
    assert export(db_path)["events"] == before


def test_ingest_json_lines_keeps_outlets_as_sources(db_path: Path) -> None:
    result = tracker(db_path, "ingest", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    events = export(db_path)["events"]
    assert max(e["n_sources"] for e in events) >= 3


def test_ingest_a_feed_url_dates_entries_from_the_feed(
        server: LocalServer, db_path: Path) -> None:
    server.add("/rss.xml", body=FEED.format(base=server.base_url).encode(),
                     headers={"Content-Type": "application/rss+xml"})
    result = tracker(db_path, "ingest", server.url("/rss.xml"))
    assert result.returncode == 0, result.stderr
    assert "2 new" in result.stderr
    articles = {m["article_url"]: m["published_at"] for e in export(db_path)["events"]
                for m in e["mentions"]}
    assert articles[server.url("/strike")].startswith("2025-03-04")


def test_ingest_a_page_url_dates_it_from_its_metadata(
        server: LocalServer, db_path: Path) -> None:
    server.add("/strike-ends", body=PAGE.encode(),
                     headers={"Content-Type": "text/html; charset=utf-8"})
    result = tracker(db_path, "ingest", server.url("/strike-ends"))
    assert result.returncode == 0, result.stderr
    events = export(db_path)["events"]
    assert any(e["date_start"] == "2025-03-09" for e in events)  # "on Sunday" before 10 March


def test_a_missing_file_is_a_one_line_error(db_path: Path) -> None:
    assert_one_line_error(tracker(db_path, "ingest", "/nonexistent/article.txt"),
                          "no such file")


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 talks in S\xe3o Paulo on Monday.".encode("latin-1"))
    assert_one_line_error(tracker(db_path, "ingest", str(path), "--published", "2025-01-01"),
                          "UTF-8")


def test_an_undated_file_is_ingested_with_its_modification_time_as_basis(
        tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "undated.txt"
    path.write_text("Ferry service resumed\nFerries crossed the strait again on Monday.")
    os.utime(path, (1747216800, 1747216800))  # 2025-05-14T10:00:00Z
    result = tracker(db_path, "ingest", str(path))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT published_at, published_basis FROM articles").fetchone()
    assert row == ("2025-05-14T10:00:00+00:00", "mtime")
    assert "1 dated by their file's modification time" in result.stderr  # and says so


def test_an_impossible_number_of_extraction_processes_is_a_one_line_error(
        tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert_one_line_error(tracker(db_path, "ingest", str(path), "--published", "2025-05-16",
                                  "--processes", "-1"), "--processes")
    assert_one_line_error(tracker(db_path, "worker", "--once", "--processes", "99"),
                          "--processes")


def test_a_bad_published_date_is_a_one_line_error(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert_one_line_error(tracker(db_path, "ingest", str(path), "--published", "2025-02-30"),
                          "--published")


def test_a_feed_url_that_returns_html_is_a_one_line_error(
        server: LocalServer, db_path: Path) -> None:
    server.add("/feed", body=b"<html><body>Subscribe!</body></html>",
                     headers={"Content-Type": "text/html"})
    source = tracker(db_path, "source", "add", server.url("/feed"), "--kind", "feed")
    assert source.returncode == 0, source.stderr
    result = tracker(db_path, "worker", "--once")
    assert result.returncode == 0, result.stderr
    listing = json.loads(tracker(db_path, "source", "list", "--format", "json").stdout)
    assert "not an RSS or Atom feed" in listing[0]["last_error"] or \
        "expected an RSS or Atom feed" in listing[0]["last_error"]


def test_ingesting_a_feed_url_that_returns_html_is_a_one_line_error(
        server: LocalServer, db_path: Path) -> None:
    server.add("/news/rss.xml", body=b"<html><body>Subscribe!</body></html>",
                     headers={"Content-Type": "text/html"})
    assert_one_line_error(tracker(db_path, "ingest", server.url("/news/rss.xml")),
                          "feed")


def test_a_url_answering_500_is_a_one_line_error(
        server: LocalServer, db_path: Path) -> None:
    server.add("/broken.xml", status=500, body=b"oops")
    assert_one_line_error(tracker(db_path, "ingest", server.url("/broken.xml")), "500")


def test_an_unreachable_host_is_a_one_line_error(db_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    assert_one_line_error(tracker(db_path, "ingest", url), "127.0.0.1")


def test_one_bad_target_does_not_stop_the_others(tmp_path: Path, db_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    result = tracker(db_path, "ingest", "/nonexistent.txt", str(good), "--published",
                     "2025-03-05")
    assert result.returncode == 1
    assert "1 new" in result.stderr
    runs = tracker(db_path, "source", "list")  # the database is usable afterwards
    assert runs.returncode == 0


def test_timeline_top_lists_the_most_important_days_best_first(db_path: Path) -> None:
    tracker(db_path, "ingest", str(EXAMPLES))
    result = tracker(db_path, "timeline", "--top", "3", "--format", "json")
    assert result.returncode == 0, result.stderr
    top = json.loads(result.stdout)
    assert 1 <= len(top) <= 3
    assert [t["score"] for t in top] == sorted((t["score"] for t in top), reverse=True)
    assert len({t["date"] for t in top}) == len(top)
    assert set(top[0]) == {"date", "title", "summary", "score", "event_id"}
    assert all(1 <= len(t["summary"]) <= 3 for t in top)


def test_timeline_sentences_caps_each_summary(db_path: Path) -> None:
    tracker(db_path, "ingest", str(EXAMPLES))
    result = tracker(db_path, "timeline", "--top", "5", "--sentences", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert all(len(t["summary"]) == 1 for t in json.loads(result.stdout))


def test_export_leaves_out_low_confidence_events_unless_asked(db_path: Path) -> None:
    tracker(db_path, "ingest", str(EXAMPLES))
    shown = json.loads(tracker(db_path, "export").stdout)["events"]
    everything = json.loads(tracker(db_path, "export", "--min-confidence", "0").stdout)["events"]
    assert 0 < len(shown) < len(everything)
    assert all(e["confidence"] >= MIN_CONFIDENCE for e in shown)
    assert {e["id"] for e in shown} <= {e["id"] for e in everything}


@pytest.mark.parametrize("args", [["timeline", "--min-confidence", "2"],
                                  ["export", "--min-confidence", "-1"],
                                  ["timeline", "--sentences", "-1"]])
def test_out_of_range_options_are_one_line_errors(db_path: Path, args: list[str]) -> None:
    result = tracker(db_path, *args)
    assert result.returncode == 1
    assert result.stderr.startswith("tracker: error:") and len(result.stderr.splitlines()) == 1


def test_db_defaults_to_the_tracker_db_variable(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    result = subprocess.run([sys.executable, "-m", "tracker.cli", "init"], capture_output=True,
                            text=True, timeout=60, env={"TRACKER_DB": str(db), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert db.exists()


@pytest.mark.parametrize("args", [["export", "--format", "xml"], ["nonsense"],
                                  ["export", "--kind", "sports"],
                                  ["timeline", "--top", "many"], ["source", "add"]])
def test_usage_errors_exit_2_with_one_tracker_error_line(db_path: Path, args: list[str]) -> None:
    result = tracker(db_path, *args)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("tracker: error: "), result.stderr
    assert errors[0].endswith("--help)")  # and where to read more


def test_db_is_accepted_after_the_command_as_well(tmp_path: Path) -> None:
    db = tmp_path / "after.db"
    run = [sys.executable, "-m", "tracker.cli"]
    assert subprocess.run([*run, "ingest", str(EXAMPLES), "--db", str(db)],
                          capture_output=True, timeout=300).returncode == 0
    after = subprocess.run([*run, "export", "--db", str(db), "--format", "ndjson"],
                           capture_output=True, text=True, timeout=120)
    before = subprocess.run([*run, "--db", str(db), "export", "--format", "ndjson"],
                            capture_output=True, text=True, timeout=120)
    assert after.returncode == 0 and after.stdout and after.stdout == before.stdout
    listed = subprocess.run([*run, "source", "list", "--db", str(db)], capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0
    assert listed.stdout.startswith(f"no sources in {db}: add one with `tracker source add")


@pytest.mark.parametrize("args", [["export"], ["timeline"], ["source", "list"],
                                  ["source", "show", "x"], ["source", "remove", "x"],
                                  ["reprocess"], ["backup", "copy.db"]])
def test_commands_that_read_never_create_a_database(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "var").mkdir()
    made = subprocess.run([sys.executable, "-m", "tracker.cli", "--db", "var/tracker.db",
                           "init"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    result = subprocess.run([sys.executable, "-P", "-m", "tracker.cli", *args],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={**os.environ, "TRACKER_DB": ""})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "tracker: error: no database at tracker.db; did you mean --db var/tracker.db?"]
    assert not (tmp_path / "tracker.db").exists()


def test_timeline_from_after_to_is_a_one_line_error(db_path: Path) -> None:
    tracker(db_path, "init")
    assert_one_line_error(tracker(db_path, "timeline", "--from", "2025-06-01", "--to",
                                  "2025-05-01"), "--from must not be after --to")


def test_annotate_writes_one_json_line_per_temporal_expression(db_path: Path) -> None:
    text = "The envoys met on Friday and will meet again next month."
    result = tracker(db_path, "annotate", "--dct", "2025-05-18", stdin=text)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(t["text"], t["type"], t["value"]) for t in lines] == [
        ("Friday", "DATE", "2025-05-16"), ("next month", "DATE", "2025-06")]
    assert all(text[t["start"]:t["end"]] == t["text"] for t in lines)


def test_annotate_batch_answers_each_document_in_one_process(
        tmp_path: Path, db_path: Path) -> None:
    batch = tmp_path / "docs.jsonl"
    batch.write_text(
        json.dumps({"id": "d1", "dct": "2024-03-01", "text": "Shares fell in 2023."}) + "\n"
        + json.dumps({"id": "d2", "dct": "2024-03-01", "text": "No dates here."}) + "\n",
        encoding="utf-8")
    result = tracker(db_path, "annotate", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in docs] == ["d1", "d2"]
    assert [t["value"] for t in docs[0]["timexes"]] == ["2023"] and docs[1]["timexes"] == []


def test_adding_a_source_again_keeps_the_options_left_out(db_path: Path) -> None:
    added = tracker(db_path, "source", "add", str(EXAMPLES), "--kind", "jsonl", "--name",
                    "Bundled examples", "--interval", "300", "--no-fetch-pages")
    assert added.returncode == 0, added.stderr
    again = tracker(db_path, "source", "add", str(EXAMPLES), "--kind", "jsonl", "--interval",
                    "600")
    assert again.returncode == 0, again.stderr
    [source] = json.loads(tracker(db_path, "source", "list", "--format", "json").stdout)
    assert (source["name"], source["interval"], source["fetch_pages"]) == (
        "Bundled examples", 600, False)



def test_bash_completion_completes_commands_and_their_options(tmp_path: Path) -> None:
    script = subprocess.run([sys.executable, "-m", "tracker.cli", "completion", "bash"],
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 0, script.stderr
    (tmp_path / "tracker.bash").write_text(script.stdout)

    def complete(*words: str) -> list[str]:
        line = " ".join(("tracker", *words))
        shell = (f"source {tmp_path / 'tracker.bash'}; COMP_WORDS=(tracker {' '.join(words)}); "
                 f"COMP_CWORD={len(words)}; COMP_LINE='{line}'; COMP_POINT={len(line)}; "
                 f"_shtab_tracker tracker {words[-1]} {words[-2] if len(words) > 1 else 'tracker'}"
                 f"; echo \"${{COMPREPLY[@]}}\"")
        done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
        return done.stdout.split()

    assert complete("ex") == ["export"]
    assert "status" in complete("st")
    assert complete("export", "--for") == ["--format"]
    assert "run" in complete("r")  # the web package's commands too


def test_every_option_with_a_default_says_it_in_help() -> None:
    import argparse

    from tracker.cli import build_parser

    def options(parser: argparse.ArgumentParser, name: str = "tracker"
                ) -> Iterator[tuple[str, argparse.Action]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    yield from options(child, f"{name} {sub}")
            elif action.option_strings:
                yield name, action

    silent = [(name, action.option_strings[0]) for name, action in options(build_parser())
              if action.default is not None and action.default is not False
              and action.default is not argparse.SUPPRESS and action.dest != "help"
              and "default" not in (action.help or "")]
    assert not silent  # e.g. ("tracker export", "--min-sources") said nothing of its 0

