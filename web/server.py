"""Waitress settings for `tracker serve` and `tracker run`: sized for many readers, few bytes in.

Waitress's own defaults (4 threads, connections idle for 120 s, at most 100 of them) let 20
readers queue behind each other (p50 1.1 s for a 12 ms request) and let about a hundred silent
connections lock everyone else out. Here the defaults are 8 threads: enough that a stalled
export or a slow disk read does not hold up the rest, and no more, because the requests are
mostly Python under one GIL. On a 2-core machine, 20 readers of ``/api/events`` saw p99 184 ms
with 4 threads, 253 ms with 8, 404 ms with 12 and 523 ms with 16, for the same throughput.
Idle connections close after 30 s, checked every 10 s. Up to 200 connections are held open,
with a listen backlog of 1024. Request bodies are
capped at 1 MB (the API only takes small JSON). ``add_server_options`` adds ``--threads``,
``--connection-limit`` and ``--channel-timeout`` to a command. It does not start worker
processes: waitress serves from one process.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

DEFAULT_THREADS = 8
DEFAULT_CONNECTION_LIMIT = 200
DEFAULT_CHANNEL_TIMEOUT = 30
CLEANUP_INTERVAL = 10  # seconds between checks for idle connections (waitress: 30)
BACKLOG = 1024
MAX_REQUEST_BODY = 1024 * 1024  # waitress: 1 GB

SERVER_HELP = (
    f"Waitress settings: --threads (default {DEFAULT_THREADS}) requests served at once; "
    f"--connection-limit (default {DEFAULT_CONNECTION_LIMIT}) connections held open before new "
    f"ones wait in the listen backlog ({BACKLOG}); --channel-timeout (default "
    f"{DEFAULT_CHANNEL_TIMEOUT} s) closes a connection idle that long (idle ones are looked for "
    f"every {CLEANUP_INTERVAL} s). Request bodies are limited to 1 MB. Exports stream; at most "
    f"two run at once (TRACKER_EXPORT_CONCURRENCY=N to change), more get a 429."
)


@dataclass(frozen=True)
class ServerSettings:
    threads: int = DEFAULT_THREADS
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT

    def waitress_options(self) -> dict[str, Any]:
        """Keyword arguments for ``waitress.serve`` / ``waitress.create_server``."""
        return {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            "channel_timeout": self.channel_timeout,
            "cleanup_interval": min(CLEANUP_INTERVAL, self.channel_timeout),
            "backlog": BACKLOG,
            "max_request_body_size": MAX_REQUEST_BODY,
            # poll() has no 1024-descriptor ceiling, unlike select()
            "asyncore_use_poll": True,
            "ident": "tracker",
        }


def _bounded(name: str, lo: int, hi: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{name} must be between {lo} and {hi}, got {value}")
        return value

    return parse


def add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=_bounded("--threads", 1, 256), default=DEFAULT_THREADS,
                   metavar="N", help=f"requests served at once (default {DEFAULT_THREADS})")
    p.add_argument("--connection-limit", type=_bounded("--connection-limit", 1, 10_000),
                   default=DEFAULT_CONNECTION_LIMIT, metavar="N",
                   help=f"connections held open at once (default {DEFAULT_CONNECTION_LIMIT})")
    p.add_argument("--channel-timeout", type=_bounded("--channel-timeout", 1, 3600),
                   default=DEFAULT_CHANNEL_TIMEOUT, metavar="SECONDS",
                   help=f"close connections idle this long (default {DEFAULT_CHANNEL_TIMEOUT})")


def settings_from(args: argparse.Namespace) -> ServerSettings:
    return ServerSettings(threads=args.threads, connection_limit=args.connection_limit,
                          channel_timeout=args.channel_timeout)
