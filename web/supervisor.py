"""`tracker run`: the worker in its own process and the web server in this one, stopped together.

Ctrl-C (SIGINT) or SIGTERM stops the web server and the worker; the worker gets SIGTERM and a
few seconds to finish the article in hand before it is killed. The web server takes the same
waitress settings as `tracker serve` (``web.server``). It does no polling or serving of its own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType

from web.server import ServerSettings

STOP_GRACE_SECONDS = 10


def run_both(db_path: str, host: str, port: int, settings: ServerSettings | None = None) -> int:
    from waitress import create_server

    from web import create_app

    settings = settings or ServerSettings()
    # App and socket first: a bad setting or a port in use must not leave a worker behind.
    server = create_server(create_app({"DATABASE": db_path}), host=host, port=port,
                           **settings.waitress_options())
    worker = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "--db", db_path, "worker"],
        start_new_session=True,  # we, not the terminal, decide when it stops
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"Timeline: http://{host}:{port}/   (worker pid {worker.pid}; Ctrl-C stops both)",
          flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        worker.terminate()
        try:
            worker.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        print("stopped web server and worker", flush=True)
    return 0
