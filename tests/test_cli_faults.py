"""Faults around the command line: processes that die, broken feeds told, databases opened by
several processes at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.httpserver import LocalServer
from tracker.store import Store

RSS = {"Content-Type": "application/rss+xml"}
GOOD_ITEM = (b"<item><title>Talks in Geneva</title><link>{url}/a</link>"
             b"<pubDate>Tue, 20 May 2025 10:00:00 GMT</pubDate><description>Negotiators met in "
             b"Geneva on May 19, 2025, for a new round of ceasefire talks, officials said."
             b"</description></item>")


def _tracker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=str(ROOT))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.slow
def test_the_run_of_a_process_that_died_is_closed_by_the_next_ingest(db_path: Path,
                                                                   tmp_path: Path) -> None:
    with Store(db_path) as s:
        s.execute("INSERT INTO runs (job, started_at, pid) VALUES ('ingest', "
                  "'2025-05-01T00:00:00+00:00', ?)", [_dead_pid()])
    article = tmp_path / "a.txt"
    article.write_text("Talks resumed in Vienna on May 20, 2025, the ministry said.\n")
    done = _tracker("--db", str(db_path), "ingest", "--published", "2025-05-21",
                    "--processes", "0", str(article))
    assert done.returncode == 0, done.stderr
    with Store(db_path) as s:
        runs = s.query("SELECT job, status, error FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["failed", "ok"]
    assert runs[0]["error"].startswith("interrupted")


@pytest.mark.slow
def test_ingesting_a_feed_cut_short_keeps_its_whole_entries_and_says_what_broke(
        db_path: Path) -> None:
    with LocalServer() as server:
        body = (b"<rss><channel><title>Wire</title>" + GOOD_ITEM.replace(
            b"{url}", server.base_url.encode()) + b"<item><title>cut")
        server.add("/feed.xml", body=body, headers=RSS)
        done = _tracker("--db", str(db_path), "ingest", "--processes", "0",
                        server.url("/feed.xml"))
    assert done.returncode == 0, done.stderr
    assert "tracker: warning:" in done.stderr and "not well-formed" in done.stderr
    with Store(db_path) as s:
        assert s.counts()["articles"] == 1
        run = s.query("SELECT status, error FROM runs")[0]
    assert run["status"] == "partial" and "kept 1 entry" in run["error"]


@pytest.mark.slow
def test_processes_opening_a_new_database_at_once_all_get_it_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    opener = ("import sys\nfrom tracker.store import Store\n"
              "with Store(sys.argv[1]) as s:\n    print(s.schema_version)\n")
    children = [subprocess.Popen([sys.executable, "-c", opener, str(path)], cwd=str(ROOT),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(6)]
    outcomes = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 6, [err for _, err in outcomes]
    assert len({out.strip() for out, _ in outcomes}) == 1
    with Store(path) as s:
        assert s.integrity_errors() == []
