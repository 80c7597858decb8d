"""The `tracker worker [--once]` command, registered through the ``tracker.commands`` group."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="poll enabled sources on their schedules")
    p.add_argument("--once", action="store_true",
                   help="poll every enabled source once, then exit")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from jobs.worker import run_forever, run_once
    from tracker.cli import open_store

    with open_store(args):
        pass  # create or migrate the database before the scheduler starts
    db = str(Path(args.db).resolve())
    return run_once(db) if args.once else run_forever(db)
