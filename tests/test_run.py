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


def _tracker_script() -> str:
    """The installed ``tracker`` command, as a user runs it (it does not put the current
    folder on the import path, as ``python -m`` does)."""
    return str(Path(sys.executable).with_name("tracker"))


def test_run_on_a_busy_port_says_so_in_one_line_and_starts_no_worker(db_path: Path) -> None:
    from jobs.worker import acquire_lock

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("run", "serve"):
            result = subprocess.run([_tracker_script(), "--db", str(db_path), command,
                                     "--port", str(port)],
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 1, command
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert lines[0].startswith(f"tracker: error: port {port} is in use; try --port ")
            assert "serving on" not in result.stderr + result.stdout
    acquire_lock(str(db_path)).close()  # no worker holds the database


def test_serve_refuses_a_port_or_host_it_cannot_listen_on(db_path: Path) -> None:
    for options, message in ((["--port", "99999"], "--port must be between 1 and 65535"),
                             (["--port", "0"], "--port must be between 1 and 65535"),
                             (["--host", "host.invalid"], "--host host.invalid: no such host"),
                             (["--host", "192.0.2.1"], "not an address of this machine")):
        result = subprocess.run([_tracker_script(), "--db", str(db_path), "serve", *options],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0, options
        assert message in result.stderr, (options, result.stderr)
        assert "serving on" not in result.stderr


def test_serve_says_where_it_serves_once_it_listens(db_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([_tracker_script(), "--db", str(db_path), "serve", "--port",
                             str(port)], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == f"serving on http://127.0.0.1:{port}/"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as r:
            assert json.load(r)["ok"] is True  # listening when it said so
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_run_restarts_a_worker_that_exits(tmp_path: Path) -> None:
    from web import supervisor

    flag = tmp_path / "started-once"
    # Exits at its first start, stays up at its second.
    command = [sys.executable, "-c",
               f"import pathlib, sys, time\nflag = pathlib.Path({str(flag)!r})\n"
               f"if not flag.exists():\n    flag.touch()\n    sys.exit(3)\ntime.sleep(60)"]
    gave_up: list[bool] = []
    watch = supervisor.WorkerWatch(command, lambda: gave_up.append(True))
    first = watch.process.pid
    watch.start()
    try:
        deadline = time.monotonic() + 20
        while watch.process.pid == first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert watch.process.pid != first, "restarted"
        time.sleep(1.0)
        assert watch.process.poll() is None and not gave_up and watch.failure is None
    finally:
        watch.stop()
    assert watch.process.poll() is not None  # stopped with the watch


def test_run_stops_with_a_clear_message_when_the_worker_cannot_start(db_path: Path) -> None:
    from jobs.worker import acquire_lock

    subprocess.run([_tracker_script(), "--db", str(db_path), "init"], check=True,
                   capture_output=True, timeout=60)
    lock = acquire_lock(str(db_path))  # another worker holds the database
    try:
        proc = subprocess.run([_tracker_script(), "--db", str(db_path), "run", "--port",
                               str(free_port())], capture_output=True, text=True, timeout=120)
    finally:
        lock.close()
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tracker: error: the worker exited 4 times in a row"), proc.stderr
    assert "Run `tracker worker` alone to see why" in last
    assert "restarting it in 1 s" in proc.stderr


def test_run_starts_its_worker_whatever_lies_in_the_current_folder(
        db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    for name in ("click.py", "sqlite_utils.py", "tracker.py"):  # modules of ours or our deps
        (folder / name).write_text("raise RuntimeError('not the real module')\n")
    port = free_port()
    proc = subprocess.Popen([_tracker_script(), "--db", str(db_path), "run", "--port",
                             str(port)], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        alive = False
        while time.monotonic() < deadline and not alive:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health",
                                            timeout=10) as r:
                    alive = json.load(r)["worker"]["alive"]
            except OSError:
                continue
        assert alive, "the worker came up and beat"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
