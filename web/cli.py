"""The `tracker serve` and `tracker run` commands, registered through ``tracker.commands``.

`serve` runs the web app alone under waitress; `run` also starts the worker, as a separate
process launched by command line (the web package never imports ``jobs``). Both take the server
options of ``web.server`` (``--threads``, ``--connection-limit``, ``--channel-timeout``).
Access is set in the environment: ``TRACKER_API_TOKEN`` for writes and, with
``TRACKER_READS_NEED_TOKEN=1``, for reads too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from web.server import SERVER_HELP, add_server_options, port_number, settings_from

ACCESS_HELP = (
    "Access: TRACKER_API_TOKEN=<token> lets 'Authorization: Bearer <token>' change sources; "
    "with TRACKER_READS_NEED_TOKEN=1 every page and API read needs it too (browsers sign in "
    "with any user name and the token as password); without it, anonymous readers see source "
    "URLs redacted and errors as categories only."
)


def register(sub: Any) -> None:
    for name, summary, func in (
            ("serve", "serve the dashboard and API (web only)", cmd_serve),
            ("run", "start the worker process and the web server together", cmd_run)):
        p = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}.",
                           epilog=f"{SERVER_HELP} {ACCESS_HELP}")
        p.add_argument("--host", default=None,
                       help="address to listen on (default: $TRACKER_HOST, else 127.0.0.1: "
                            "this machine only; 0.0.0.0: every interface)")
        p.add_argument("--port", type=port_number, default=None,
                       help="TCP port to listen on, 1 to 65535 (default: $TRACKER_PORT, "
                            "else 8000)")
        add_server_options(p)
        p.set_defaults(func=func)


def _address(args: argparse.Namespace) -> tuple[str, int]:
    """The host and port: the options, else ``TRACKER_HOST``/``TRACKER_PORT`` (which the
    settings file may fill), else 127.0.0.1:8000."""
    from tracker.errors import InputError

    host = args.host or os.environ.get("TRACKER_HOST") or "127.0.0.1"
    if args.port is not None:
        return host, int(args.port)
    raw = os.environ.get("TRACKER_PORT", "").strip()
    try:
        return host, port_number(raw) if raw else 8000
    except argparse.ArgumentTypeError as exc:
        raise InputError(f"TRACKER_PORT: {exc}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from tracker.cli import open_store
    from web import assets, create_app
    from web.server import bind, listening_on

    with open_store(args):
        pass  # create or migrate the database before the first request
    host, port = _address(args)
    server = bind(create_app({"DATABASE": str(Path(args.db).resolve())}), host, port,
                  settings_from(args))
    try:  # from here on, Ctrl-C at any moment closes the socket and exits 0
        assets.warm_up()
        print(f"serving on {listening_on(server, host, port)}", file=sys.stderr, flush=True)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from tracker.cli import open_store
    from web.supervisor import run_both

    with open_store(args):
        pass
    host, port = _address(args)
    return run_both(str(Path(args.db).resolve()), host, port, settings_from(args))
