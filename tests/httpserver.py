"""A real HTTP server on 127.0.0.1 for tests: routes per test, slow, redirecting, huge or gzipped.

Usage: the ``server`` fixture of ``tests/conftest.py`` gives every test a fresh one::

    def test_feed_is_fetched(server: LocalServer) -> None:
        server.add("/feed.xml", body=b"<rss ...>", headers={"Content-Type": "text/xml"})
        result = Fetcher().get(server.url("/feed.xml"))
        assert server.count("/feed.xml") == 1

A route is either a fixed ``Reply`` (status, headers, body, delays) or a function from the
``RecordedRequest`` to a ``Reply`` (for conditional GET and the like). Bodies can be bytes or a
callable returning an iterable of chunks, produced lazily, so a 5 MB or endless body costs no
memory; without a known length they are sent with chunked transfer encoding. Every request is
recorded (method, path, lower-cased headers). Delays wake up early when the server stops, so a
test never waits for a sleeping handler.

The URL policy (``tracker.urlpolicy``) refuses 127.0.0.1 unless private networks are allowed:
``tests/conftest.py`` sets ``TRACKER_ALLOW_PRIVATE_NETWORKS=1`` for every test not marked
``network_policy``, so fetching from this server needs nothing more (the server itself never
touches the environment).

It does not do TLS, HTTP/2 or keep real state between tests: make one server per test.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Body = bytes | Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    """What a route answers. ``length=None`` with a callable body means chunked encoding."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""
    delay: float = 0.0  # seconds before the status line
    chunk_delay: float = 0.0  # seconds before each body chunk
    length: int | None = None  # Content-Length to announce for a callable body
    raw: bool = False  # body chunks are the whole response, status line and headers included


Handler = Callable[[RecordedRequest], Reply]


def gzipped(data: bytes) -> bytes:
    """``data`` gzip-compressed, for a ``Content-Encoding: gzip`` reply."""
    return gzip.compress(data)


def repeated(chunk: bytes, total: int) -> Callable[[], Iterator[bytes]]:
    """A lazy body of ``total`` bytes made of ``chunk`` repeated (last one cut to fit)."""

    def produce() -> Iterator[bytes]:
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            sent += len(piece)
            yield piece

    return produce


def endless(chunk: bytes) -> Callable[[], Iterator[bytes]]:
    """A lazy body that never ends (stops only when the client goes away or the server stops)."""

    def produce() -> Iterator[bytes]:
        while True:
            yield chunk

    return produce


class LocalServer:
    """A threaded HTTP/1.1 server on an ephemeral port of 127.0.0.1. Context manager."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def stop(self) -> None:
        """Stop serving; sleeping handlers wake and give up."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- routes --------------------------------------------------------------------------------

    def add(
        self,
        path: str,
        *,
        status: int = 200,
        body: Body = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        length: int | None = None,
        raw: bool = False,
    ) -> None:
        """Answer every request to ``path`` (query string ignored) with the same reply.

        ``raw=True`` writes the body chunks as the entire response (status line and headers
        included), for malformed or dribbled responses.
        """
        reply = Reply(status, dict(headers or {}), body, delay, chunk_delay, length, raw)
        self.handle(path, lambda _request: reply)

    def handle(self, path: str, handler: Handler) -> None:
        """Answer requests to ``path`` with whatever ``handler`` returns for each."""
        with self._lock:
            self._routes[path] = handler

    def redirect(self, path: str, to: str, *, status: int = 302) -> None:
        """``path`` redirects to ``to`` (a path on this server or an absolute URL)."""
        self.add(path, status=status, headers={"Location": to})

    def count(self, path: str) -> int:
        """How many requests ``path`` received."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.split("?", 1)[0] == path)

    def last(self, path: str) -> RecordedRequest:
        """The most recent request to ``path``."""
        with self._lock:
            for request in reversed(self.requests):
                if request.path.split("?", 1)[0] == path:
                    return request
        raise LookupError(f"no request to {path}")

    # -- serving -------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> Handler | None:
        with self._lock:
            self.requests.append(request)
            return self._routes.get(request.path.split("?", 1)[0])

    def _sleep(self, seconds: float) -> bool:
        """Sleep; False when the server is stopping (the handler should give up)."""
        return not (seconds > 0 and self._stopping.wait(seconds))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return  # keep test output clean

            def do_HEAD(self) -> None:
                self._serve(send_body=False)

            def do_GET(self) -> None:
                self._serve(send_body=True)

            def _serve(self, *, send_body: bool) -> None:
                request = RecordedRequest(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                handler = server._record(request)
                reply = handler(request) if handler else Reply(404, body=b"not found")
                try:
                    self._write(reply, send_body)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    self.close_connection = True  # the client gave up; that is the test's point

            def _write(self, reply: Reply, send_body: bool) -> None:
                if not server._sleep(reply.delay):
                    self.close_connection = True
                    return
                if reply.raw:
                    self.close_connection = True
                    body = reply.body
                    for chunk in [body] if isinstance(body, bytes) else body():
                        if not server._sleep(reply.chunk_delay):
                            return
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    return
                self.send_response(reply.status)
                names = {name.lower() for name in reply.headers}
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                chunks: Iterable[bytes]
                chunked = False
                if isinstance(reply.body, bytes):
                    chunks = [reply.body] if reply.body else []
                    if "content-length" not in names:
                        self.send_header("Content-Length", str(len(reply.body)))
                else:
                    chunks = reply.body()
                    if reply.length is not None:
                        self.send_header("Content-Length", str(reply.length))
                    elif "content-length" not in names:
                        chunked = True
                        self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if not send_body or reply.status in (204, 304):
                    return
                for chunk in chunks:
                    if not server._sleep(reply.chunk_delay):
                        self.close_connection = True
                        return
                    if not chunk:
                        continue
                    if chunked:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    else:
                        self.wfile.write(chunk)
                    self.wfile.flush()
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()

        return _Handler


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``; for asserting on server-side effects."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
