"""`tracker run` (what `make run` ends with): web server and worker up together, down together."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import EXAMPLES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_serves_the_timeline_with_a_worker_and_ctrl_c_stops_both(db_path: Path) -> None:
    tracker = [sys.executable, "-m", "tracker.cli", "--db", str(db_path)]
    subprocess.run([*tracker, "source", "add", str(EXAMPLES), "--kind", "jsonl"], check=True,
                   capture_output=True, timeout=60)
    port = free_port()
    proc = subprocess.Popen([*tracker, "run", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in banner
        worker_pid = int(banner.split("worker pid ")[1].split(";")[0])
        deadline = time.monotonic() + 60
        events = 0
        while time.monotonic() < deadline and not events:  # the worker loads the examples
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events", timeout=10) as r:
                events = int(json.load(r)["total"])
            time.sleep(0.5)
        assert events > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert b'id="story-list"' in r.read()  # the dashboard opens on the story
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?view=chart", timeout=10) as r:
            assert b"plotly" in r.read()
    finally:
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        proc.wait(timeout=30)
    assert time.monotonic() - started < 15
    assert proc.returncode == 0
    time.sleep(0.2)
    assert not Path(f"/proc/{worker_pid}").exists() or \
        "zombie" in Path(f"/proc/{worker_pid}/status").read_text().lower()
