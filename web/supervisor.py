"""`tracker run`: the worker in its own process and the web server in this one, stopped together.

The port is bound first (``web.server.bind``): a port in use or a bad host is one line and no
worker is left behind. The worker is started as the installed ``tracker worker`` command (or,
where there is none, ``python -P -m tracker.cli``: ``-P`` keeps the current folder off the import
path, so a stray ``click.py`` there cannot break its imports). A watcher thread restarts the
worker when it exits, after 1, 2, 4, ... seconds; after ``GIVE_UP_AFTER`` exits in a row that each
came within ``QUICK_EXIT_SECONDS`` of a start, it stops the web server too and ``run`` exits 1
with the reason: a worker that cannot start (another worker holds the database, the database is
unreadable) does not leave a web server that looks healthy over a timeline nobody updates.

Ctrl-C (SIGINT) or SIGTERM stops the web server and the worker; the worker gets SIGTERM and a
few seconds to finish the article in hand before it is killed. The web server takes the same
waitress settings as `tracker serve` (``web.server``). It does no polling or serving of its own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from tracker.errors import TrackerError
from web.server import ServerSettings, bind, listening_on

STOP_GRACE_SECONDS = 10
RESTART_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)  # seconds before each restart
GIVE_UP_AFTER = 4  # quick exits in a row before `run` stops
QUICK_EXIT_SECONDS = 60.0  # a worker that lived longer had started fine
WATCH_SECONDS = 0.5  # between two looks at the worker


def worker_command(db_path: str) -> list[str]:
    """How to start the worker: the ``tracker`` script installed beside this Python, else this
    Python with ``-P -m`` (the current folder stays off the import path either way)."""
    script = Path(sys.executable).with_name("tracker")
    if script.is_file():
        return [str(script), "--db", db_path, "worker"]
    return [sys.executable, "-P", "-m", "tracker.cli", "--db", db_path, "worker"]


class WorkerWatch:
    """The worker process, restarted with backoff when it exits, given up on when it keeps
    exiting at start: ``failure`` then says why and ``give_up`` is called (for `run`: SIGINT to
    this process, whose main thread runs the web server's loop)."""

    def __init__(self, command: list[str], give_up: Callable[[], None]) -> None:
        self.command = command
        self.give_up = give_up
        self.failure: str | None = None
        self._stopping = threading.Event()
        self._started_at = 0.0
        self.process = self._spawn()
        self._thread = threading.Thread(target=self._watch, name="tracker-worker-watch",
                                        daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        self._started_at = time.monotonic()
        return subprocess.Popen(self.command,
                                start_new_session=True)  # we, not the terminal, stop it

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        quick_exits = 0
        while not self._stopping.wait(WATCH_SECONDS):
            code = self.process.poll()
            if code is None or self._stopping.is_set():
                continue
            lived = time.monotonic() - self._started_at
            quick_exits = quick_exits + 1 if lived < QUICK_EXIT_SECONDS else 1
            if quick_exits >= GIVE_UP_AFTER:
                self.failure = (f"the worker exited {quick_exits} times in a row, each within "
                                f"{QUICK_EXIT_SECONDS:g} s of starting (last exit code {code}); "
                                f"stopped. Run `tracker worker` alone to see why.")
                self.give_up()
                return
            delay = RESTART_DELAYS[min(quick_exits, len(RESTART_DELAYS)) - 1]
            print(f"tracker: the worker exited with code {code}; restarting it in {delay:g} s",
                  file=sys.stderr, flush=True)
            if self._stopping.wait(delay):
                return
            self.process = self._spawn()
            print(f"tracker: worker restarted (pid {self.process.pid})", file=sys.stderr,
                  flush=True)

    def stop(self) -> None:
        """Stop watching, then the worker: SIGTERM, and SIGKILL after the grace period."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        worker = self.process
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def run_both(db_path: str, host: str, port: int, settings: ServerSettings | None = None
             ) -> int:
    from web import create_app

    settings = settings or ServerSettings()
    # App and socket first: a bad setting or a port in use must not leave a worker behind.
    server = bind(create_app({"DATABASE": db_path}), host, port, settings)
    watch = WorkerWatch(worker_command(db_path), lambda: signal.raise_signal(signal.SIGINT))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:  # from here on, Ctrl-C at any moment stops both
        print(f"Timeline: {listening_on(server, host, port)}   (worker pid "
              f"{watch.process.pid}; Ctrl-C stops both)", flush=True)
        watch.start()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        watch.stop()
        print("stopped web server and worker", flush=True)
    if watch.failure:
        raise TrackerError(watch.failure)
    return 0
