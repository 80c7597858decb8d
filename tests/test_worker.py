"""The worker: polls enabled sources, logs every run, backs off, and runs alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLES
from tests.httpserver import LocalServer, local_server, wait_for  # noqa: F401
from tracker.store import Store

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<link>{base}</link><description>d</description>
<item><title>Flood in the valley</title><link>{base}/flood</link>
<pubDate>Mon, 07 Apr 2025 10:00:00 GMT</pubDate>
<description>Floods hit the town of Trento on Sunday, April 6, after heavy rain.</description>
</item></channel></rss>"""


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120)


def test_worker_once_polls_every_enabled_source_and_logs_runs(
        local_server: LocalServer, db_path: Path) -> None:  # noqa: F811
    local_server.add("/feed.xml", body=FEED.format(base=local_server.base_url).encode(),
                     headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    local_server.add("/dead.xml", status=500)
    assert tracker(db_path, "source", "add", local_server.url("/feed.xml")).returncode == 0
    assert tracker(db_path, "source", "add", local_server.url("/dead.xml"),
                   "--kind", "feed").returncode == 0
    assert tracker(db_path, "source", "add", str(EXAMPLES), "--kind", "jsonl").returncode == 0
    disabled = tracker(db_path, "source", "add", local_server.url("/never.xml"), "--kind", "feed")
    assert tracker(db_path, "source", "disable", disabled.stdout.split()[0]).returncode == 0

    result = tracker(db_path, "worker", "--once")
    assert result.returncode == 0, result.stderr  # failures are recorded, not fatal
    assert local_server.count("/never.xml") == 0
    with Store(db_path) as store:
        runs = store.query("SELECT source_id, status, n_new, error FROM runs WHERE job = 'poll'")
        assert sorted(r["status"] for r in runs) == ["failed", "ok", "ok"]
        assert any("500" in (r["error"] or "") for r in runs)
        assert store.counts()["articles"] >= 13
    listing = json.loads(tracker(db_path, "source", "list", "--format", "json").stdout)
    dead = next(s for s in listing if s["url"].endswith("/dead.xml"))
    assert dead["consecutive_failures"] == 1 and dead["next_due_at"]


def test_an_unchanged_feed_is_not_downloaded_again(
        local_server: LocalServer, db_path: Path) -> None:  # noqa: F811
    from tests.httpserver import RecordedRequest, Reply

    body = FEED.format(base=local_server.base_url).encode()

    def conditional(request: RecordedRequest) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(body=body, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    local_server.handle("/feed.xml", conditional)
    tracker(db_path, "source", "add", local_server.url("/feed.xml"))
    tracker(db_path, "worker", "--once")
    tracker(db_path, "worker", "--once")
    assert local_server.last("/feed.xml").headers.get("if-none-match") == '"v1"'
    with Store(db_path) as store:
        assert store.counts()["articles"] == 1


def test_a_second_worker_on_the_same_database_refuses_to_start(db_path: Path) -> None:
    tracker(db_path, "init")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    first = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--db", str(db_path),
                              "worker"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert wait_for(lambda: Path(str(db_path) + ".worker.lock").exists()
                        and Path(str(db_path) + ".worker.lock").read_text().strip() != "",
                        timeout=20)
        second = tracker(db_path, "worker", "--once")
        assert second.returncode == 1
        assert "another worker" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        started = time.monotonic()
        first.wait(timeout=20)
    assert time.monotonic() - started < 15
    assert first.returncode == 0
