"""Fetch one URL over HTTP(S) and hand back its bytes, status and headers.

This is the I/O edge of the pipeline: it does timeouts (connect, read, and a total deadline per
request so a server dribbling bytes cannot hang a job), a body size cap enforced while streaming,
redirects with loop detection, conditional GET (ETag / Last-Modified) and gzip (httpx decodes it).
Every failure a user can meet (DNS, refused connection, timeout, HTTP >= 400, oversized body, a
non-http scheme) becomes one ``FetchError`` with a one-line message.

It does not parse anything: no charset decoding, no feed or HTML handling (see ``tracker.parse``),
no retries or back-off (the scheduler decides when to try again), and no caching.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType, TracebackType
from urllib.parse import urlsplit

import httpcore
import httpx

import tracker
from tracker.clock import now
from tracker.errors import FetchError

DEFAULT_USER_AGENT = (
    f"event-timeline-tracker/{tracker.__version__} (+https://github.com/event-timeline-tracker)"
)
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.8, */*;q=0.5"
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The monotonic time by which the current thread's request must be done (None: no deadline).
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fetch_deadline", default=None
)


class _DeadlineExceeded(httpcore.ReadTimeout):
    """Raised by the socket layer when the per-request deadline has passed."""


def _clip(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left before the deadline; raises when nothing is left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _DeadlineExceeded("deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write gets at most the time left before the deadline.

    httpx applies its read timeout per socket read, so a server sending one byte every few
    seconds (in the headers or the body) would never time out; clipping each read to the
    deadline bounds the whole request.
    """

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clip(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = super().connect_tcp(host, port, _clip(timeout), local_address, socket_options)
        return _DeadlineStream(stream)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool built on the deadline-aware sockets."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits()
        # Replaces the pool HTTPTransport just built (same settings) to add the network backend;
        # tests/test_fetch.py has a test that fails loudly if an httpx upgrade changes this.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )


@dataclass(frozen=True)
class FetchResult:
    """What one GET returned, after redirects. ``body`` is ``b""`` for a 304."""

    url: str
    status: int
    headers: Mapping[str, str] = field(repr=False, hash=False)
    body: bytes = field(repr=False)
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304: what we have is still current."""
        return self.status == 304


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into (media type lower-case, charset or None)."""
    if not value:
        return "", None
    media, _, params = value.partition(";")
    charset: str | None = None
    for param in params.split(";"):
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset":
            charset = raw.strip().strip("\"'").strip() or None
    return media.strip().lower(), charset


def _size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:g} kB"
    return f"{n} bytes"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _check_scheme(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        if not parts.scheme:
            raise FetchError(f"invalid URL {url!r}: it needs an http:// or https:// prefix")
        raise FetchError(
            f"unsupported URL scheme {parts.scheme!r} in {url!r}: only http and https"
        )
    if not parts.hostname:
        raise FetchError(f"invalid URL {url!r}: no host")


class Fetcher:
    """Fetches URLs with one reused ``httpx.Client``. Use as a context manager, or call close().

    ``total_timeout`` bounds one ``get``, redirects, headers and body included: every socket
    connect, read and write gets at most the time left. Only the DNS lookup is outside it
    (the system resolver has no timeout we can set). Deadlines are per thread, but the cookie
    jar is shared: give each worker thread its own ``Fetcher``.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
        total_timeout: float = 60.0,
    ) -> None:
        if max_bytes <= 0 or max_redirects < 0 or total_timeout <= 0:
            raise ValueError("max_bytes and total_timeout must be positive, max_redirects >= 0")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.total_timeout = total_timeout
        # Redirects are followed by hand: to count them, to spot loops, and to refuse a redirect
        # to a non-http scheme with our own message.
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            headers={"User-Agent": user_agent, "Accept": _ACCEPT},
            trust_env=False,  # no proxies or .netrc credentials picked up from the environment
            transport=_DeadlineTransport(),
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool. The fetcher cannot be used afterwards."""
        self._client.close()

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``; conditional when ``etag``/``last_modified`` are given (304 -> empty body).

        Raises ``FetchError`` for anything that is not a usable 2xx or 304 response.
        """
        url = url.strip()
        _check_scheme(url)
        # Cookies live for one redirect chain only (some sites set one and redirect); a jar kept
        # for months of polling would grow without bound and leak between sources.
        self._client.cookies.clear()
        headers: dict[str, str] = {}
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag.strip()
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified.strip()
        deadline = time.monotonic() + self.total_timeout
        token = _DEADLINE.set(deadline)
        try:
            return self._get(url, headers, deadline, etag, last_modified)
        finally:
            _DEADLINE.reset(token)

    def _get(
        self,
        url: str,
        headers: dict[str, str],
        deadline: float,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        current = url
        seen = {current}
        redirects = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"fetching {url} took longer than {_seconds(self.total_timeout)}")
            try:
                request = self._client.build_request(
                    "GET",
                    current,
                    headers=headers,
                    timeout=httpx.Timeout(
                        connect=min(self.connect_timeout, remaining),
                        read=min(self.read_timeout, remaining),
                        write=min(self.read_timeout, remaining),
                        pool=min(self.connect_timeout, remaining),
                    ),
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
                raise FetchError(f"invalid URL {current!r}: {_first_line(exc)}") from None
            response = self._send(request, current)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        code = response.status_code
                        raise FetchError(f"HTTP {code} redirect without Location from {current}")
                    try:
                        target = str(response.url.join(location.strip()))
                    except (httpx.InvalidURL, ValueError) as exc:
                        raise FetchError(
                            f"bad redirect Location {location!r} from {current}: {_first_line(exc)}"
                        ) from None
                    _check_scheme(target)
                    if target in seen:
                        raise FetchError(f"redirect loop: {target} was already visited from {url}")
                    redirects += 1
                    if redirects > self.max_redirects:
                        raise FetchError(f"more than {self.max_redirects} redirects from {url}")
                    seen.add(target)
                    current = target
                    continue
                return self._finish(response, current, deadline, etag, last_modified)
            finally:
                response.close()

    def _send(self, request: httpx.Request, url: str) -> httpx.Response:
        try:
            return self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise FetchError(self._describe(exc, url)) from None

    def _describe(self, exc: httpx.HTTPError, url: str) -> str:
        deadline = _DEADLINE.get()
        if isinstance(exc, httpx.TimeoutException) and (
            isinstance(exc.__cause__ or exc.__context__, _DeadlineExceeded)
            or (deadline is not None and time.monotonic() >= deadline - 0.01)
        ):
            return f"fetching {url} took longer than {_seconds(self.total_timeout)}"
        return _describe(exc, url, self)

    def _finish(
        self,
        response: httpx.Response,
        url: str,
        deadline: float,
        sent_etag: str | None,
        sent_last_modified: str | None,
    ) -> FetchResult:
        status = response.status_code
        if status >= 400:
            raise FetchError(f"HTTP {status} from {url}")
        if status >= 300 and status != 304:
            raise FetchError(f"unexpected HTTP {status} from {url}")
        headers = {name.lower(): value for name, value in response.headers.items()}
        content_type, charset = parse_content_type(headers.get("content-type"))
        if status == 304:
            body = b""
            # A 304 need not repeat the validators; keep the ones that are still current.
            etag = headers.get("etag") or sent_etag
            last_modified = headers.get("last-modified") or sent_last_modified
        else:
            body = self._read_body(response, url, headers, deadline)
            etag = headers.get("etag")
            last_modified = headers.get("last-modified")
        return FetchResult(
            url=url,
            status=status,
            headers=MappingProxyType(headers),
            body=body,
            content_type=content_type,
            charset=charset,
            etag=etag,
            last_modified=last_modified,
            fetched_at=now(),
        )

    def _read_body(
        self, response: httpx.Response, url: str, headers: Mapping[str, str], deadline: float
    ) -> bytes:
        too_large = f"response from {url} is larger than {_size_label(self.max_bytes)} limit"
        declared = headers.get("content-length", "").strip()
        # Content-Length counts encoded bytes; a gzip body can still grow past the cap, which the
        # streaming count below catches.
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(too_large)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(too_large)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(
                        f"fetching {url} took longer than {_seconds(self.total_timeout)}"
                    )
        except httpx.HTTPError as exc:
            raise FetchError(self._describe(exc, url)) from None
        return b"".join(chunks)


def _header_safe(value: str) -> bool:
    """Whether a stored validator can be sent back as a header (printable ASCII, one line)."""
    return value.strip().isprintable() and value.isascii() and bool(value.strip())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _describe(exc: httpx.HTTPError, url: str, fetcher: Fetcher) -> str:
    """One line a user can act on, for a network-level failure."""
    detail = _first_line(exc)
    lowered = detail.lower()
    host = urlsplit(url).netloc or url
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return f"timed out after {_seconds(fetcher.connect_timeout)} connecting to {host} ({url})"
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return f"timed out after {_seconds(fetcher.read_timeout)} waiting for {url}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out fetching {url}"
    if isinstance(exc, httpx.ConnectError):
        if "name or service not known" in lowered or "nodename nor servname" in lowered or (
            "name resolution" in lowered or "no address associated" in lowered
        ):
            return f"cannot resolve host {urlsplit(url).hostname} ({url})"
        if "refused" in lowered:
            return f"connection refused by {host} ({url})"
        if "certificate" in lowered or "ssl" in lowered:
            return f"TLS error connecting to {host}: {detail}"
        return f"cannot connect to {host} ({url}): {detail}"
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decode the response body from {url}: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"server at {host} broke the HTTP protocol ({url}): {detail}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL {url!r}: {detail}"
    return f"cannot fetch {url}: {detail}"
