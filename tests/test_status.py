"""`tracker status` and `tracker runs`: what the database holds, how its sources and worker are
doing, and what each run did (its counts are the events it really made)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=300)


def polled_once(db: Path) -> subprocess.CompletedProcess[str]:
    added = tracker(db, "source", "add", str(EXAMPLES), "--kind", "jsonl", "--name",
                    "Bundled examples")
    assert added.returncode == 0, added.stderr
    once = tracker(db, "worker", "--once")
    assert once.returncode == 0, once.stderr
    return once


def test_status_names_the_database_counts_sources_worker_and_runs(db_path: Path) -> None:
    polled_once(db_path)
    report = json.loads(tracker(db_path, "status", "--format", "json").stdout)
    assert report["database"]["path"] == str(db_path) and report["database"]["bytes"] > 0
    assert report["counts"]["articles"] > 0 and report["counts"]["events"] > 0
    assert [s["name"] for s in report["sources"]] == ["Bundled examples"]
    assert report["sources"][0]["last_ok_at"]
    assert report["worker"]["alive"] is False and report["worker"]["stopped_at"]
    assert {r["job"] for r in report["runs"]} == {"poll", "cluster"}
    text = tracker(db_path, "status").stdout
    assert f"database  {db_path}" in text
    assert f"{report['counts']['events']:,} events" in text
    assert "Bundled examples: ok" in text
    assert "worker    stopped" in text


def test_run_counts_count_the_events_the_worker_made(db_path: Path) -> None:
    once = polled_once(db_path)
    runs = json.loads(tracker(db_path, "runs", "--format", "json").stdout)
    events = json.loads(tracker(db_path, "status", "--format", "json").stdout)["counts"]["events"]
    cluster = [r for r in runs if r["job"] == "cluster"]
    assert len(cluster) == 1 and cluster[0]["n_events"] >= events > 0
    assert f"{cluster[0]['n_events']} events made or changed" in once.stderr
    assert "events=0" not in once.stderr  # the poll's log says its events come later
    poll = next(r for r in runs if r["job"] == "poll")
    assert poll["n_new"] > 0 and poll["status"] == "ok"


def test_runs_of_one_source_and_of_an_unknown_one(db_path: Path) -> None:
    polled_once(db_path)
    tracker(db_path, "ingest", str(EXAMPLES))  # a run of no source
    mine = tracker(db_path, "runs", "--source", "Bundled examples").stdout.splitlines()
    assert len(mine) == 1 and " poll " in mine[0] and "new=" in mine[0]
    everything = tracker(db_path, "runs").stdout.splitlines()
    assert len(everything) == 3 and " ingest " in everything[0]
    unknown = tracker(db_path, "runs", "--source", "nowhere")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("tracker: error: no source 'nowhere'")


def test_status_of_a_new_database_says_what_to_do(db_path: Path) -> None:
    tracker(db_path, "init")
    text = tracker(db_path, "status").stdout
    assert "never started on this database (start it with `tracker run`)" in text
    assert "add one with `tracker source add URL_OR_PATH`" in text
    missing = tracker(db_path.with_name("nowhere.db"), "status")
    assert missing.returncode == 1 and "no database at" in missing.stderr
    assert not db_path.with_name("nowhere.db").exists()
