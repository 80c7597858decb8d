"""`tracker worker [--once] [--threads N] [--processes N]`, registered via ``tracker.commands``.

It only parses options, creates or migrates the database, and hands over to ``jobs.worker``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# jobs.worker pulls in the whole pipeline (0.6 s of imports): only the worker command loads it.
DEFAULT_THREADS = 8  # the same as jobs.worker.DEFAULT_THREADS (a test checks)


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="poll enabled sources on their schedules")
    p.add_argument("--once", action="store_true",
                   help="poll every enabled source that is due once, then exit "
                        "(0 even when some sources failed: their errors are recorded)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS, metavar="N",
                   help=f"sources fetched at the same time (default {DEFAULT_THREADS})")
    from tracker.cli import add_processes_option

    add_processes_option(p)
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from jobs.worker import Worker
    from tracker.cli import open_store, processes_option
    from tracker.errors import InputError

    if not 1 <= args.threads <= 64:
        raise InputError(f"--threads must be between 1 and 64, got {args.threads}")
    processes = processes_option(args)
    with open_store(args):
        pass  # create or migrate the database before the scheduler starts
    worker = Worker(str(Path(args.db).resolve()), threads=args.threads,
                    processes=processes)
    return worker.run_once() if args.once else worker.run_forever()
