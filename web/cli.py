"""The `tracker serve` and `tracker run` commands, registered through ``tracker.commands``.

`serve` runs the web app alone under waitress; `run` also starts the worker, as a separate
process launched by command line (the web package never imports ``jobs``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the dashboard and API (web only)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=4)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("run", help="start the worker process and the web server together")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_run)


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from tracker.cli import open_store
    from web import create_app

    with open_store(args):
        pass  # create or migrate the database before the first request
    app = create_app({"DATABASE": str(Path(args.db).resolve())})
    print(f"serving on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="tracker")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from tracker.cli import open_store
    from web.supervisor import run_both

    with open_store(args):
        pass
    return run_both(str(Path(args.db).resolve()), args.host, args.port)
