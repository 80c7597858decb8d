"""Fetch one URL over HTTP(S) and hand back its bytes, status and headers.

This is the I/O edge of the pipeline: it does timeouts (connect, read, and a total deadline per
request so a server dribbling bytes cannot hang a job), a body size cap enforced while streaming,
redirects with loop detection, conditional GET (ETag / Last-Modified) and content decoding.
Every failure a user can meet (DNS, refused connection, timeout, HTTP >= 400, oversized body, a
refused URL) becomes one ``FetchError`` with a one-line message.

What it may connect to is decided by a ``tracker.urlpolicy.UrlPolicy``: the first URL and every
redirect target are checked as text, and every connection is opened to an address the policy
resolved and vetted, the host name being used only for the Host header and TLS (SNI and
certificate checks). Proxies and other settings from the environment are never used.

Bodies are read raw and decoded here, step by step (gzip, deflate, and br when the ``brotli``
package with bounded output is installed), so the size cap counts decoded bytes as they are
produced: a few kilobytes of stacked gzip cannot make the process allocate gigabytes.

It does not parse anything: no charset decoding, no feed or HTML handling (see ``tracker.parse``),
no retries or back-off (the scheduler decides when to try again), and no caching.
"""

from __future__ import annotations

import contextvars
import importlib
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType, TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpcore
import httpx

import tracker
from tracker.clock import now
from tracker.errors import FetchError
from tracker.urlpolicy import UrlPolicy, UrlRefused, redact_url

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
    """Opens every connection to an address the policy resolved and vetted, deadline-aware.

    httpcore calls ``connect_tcp`` with the URL's host name whenever it needs a new connection
    (first request, each redirect to another origin, after a keep-alive connection dropped), so
    no socket is opened anywhere else. Connecting to the vetted IP literal pins the address:
    nothing resolves the name a second time. TLS still gets the name, because httpcore passes
    the origin's host to ``start_tls`` as ``server_hostname`` (SNI and certificate checks).
    """

    def __init__(self, policy: UrlPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        _clip(timeout)  # a request out of time does not start a DNS lookup
        addresses = self._policy.resolve(host, port)  # raises UrlRefused or FetchError
        options = list(socket_options or [])
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        # Like socket.create_connection: the first address that answers wins.
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    address, port, _clip(timeout), local_address, options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, its connection pool built on the policy- and deadline-aware
    sockets."""

    def __init__(self, policy: UrlPolicy) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits()
        # Replaces the pool HTTPTransport just built (same settings) to add the network backend;
        # if an httpx upgrade changes this, tests/test_fetch_hostile.py fails loudly (its stub
        # resolver is no longer asked, and "hostile.test" does not resolve).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(policy),
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


# -- content decoding -----------------------------------------------------------------------
# httpx would decode a whole network chunk through every coding at once (a 2 kB "gzip, gzip"
# chunk can become gigabytes before anyone counts); these decoders never return more than
# _STEP bytes per call, so the caller counts decoded bytes while they are produced.

_STEP = 64 * 1024
_MAX_CODINGS = 3  # "gzip, gzip, gzip" at most; more is only ever an attack
_GZIP_MAGIC = b"\x1f\x8b"


class _DecodeError(Exception):
    """The body does not decode under its Content-Encoding."""


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded bytes for ``data``, in pieces of at most about ``_STEP`` bytes."""
        ...

    def finish(self) -> Iterator[bytes]:
        """Whatever is still pending once the body has ended."""
        ...


class _Inflater:
    """gzip (and x-gzip) or deflate, in steps of at most ``_STEP`` output bytes.

    "deflate" is meant to be zlib-wrapped but many servers send raw deflate; the first two
    bytes tell which. A gzip body may hold several members one after the other (gzip tools
    write that when files are concatenated); bytes after the last stream are ignored. A stream
    that stops before its end marker is an error, not a shorter body: corruption often looks
    just like that, and the checksum that would catch it sits at the end.
    """

    def __init__(self, coding: str) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        self._inflate: Any = None  # zlib's Decompress object, once the stream has started
        self._head = b""  # the first bytes of a stream, until there are enough to sniff
        self._streams = 0
        self._done = False  # past the last stream: the rest is ignored

    def _open(self, head: bytes) -> bool:
        if self._streams and not (self._gzip and head.startswith(_GZIP_MAGIC)):
            self._done = True
            return False
        if self._gzip:
            wbits = 32 + zlib.MAX_WBITS  # gzip, or a zlib header from a confused server
        else:
            zlib_header = len(head) >= 2 and head[0] & 0x0F == 8 and (
                (head[0] << 8 | head[1]) % 31 == 0
            )
            wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)
        self._streams += 1
        return True

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self._done:
            if self._inflate is None:
                self._head += data
                data = b""
                if len(self._head) < 2:
                    return
                data, self._head = self._head, b""
                if not self._open(data):
                    return
            out = self._inflate.decompress(data, _STEP)
            data = self._inflate.unconsumed_tail
            if out:
                yield out
            if self._inflate.eof:
                data = self._inflate.unused_data + data
                self._inflate = None
                if not data:
                    return
                continue
            # A full step may leave output pending inside zlib even with no input left.
            if not data and len(out) < _STEP:
                return

    def finish(self) -> Iterator[bytes]:
        if self._head and self._inflate is None and not self._done and self._open(self._head):
            head, self._head = self._head, b""
            yield from self.feed(head)
        while self._inflate is not None and not self._inflate.eof:
            out = self._inflate.decompress(b"", _STEP)
            if not out:
                coding = "gzip" if self._gzip else "deflate"
                raise _DecodeError(f"the {coding} data is cut short or corrupt")
            yield out


def _load_brotli() -> Any:
    """The ``brotli`` module if it can bound its output (1.2 and later), else None."""
    try:
        module = importlib.import_module("brotli")
    except ImportError:
        return None
    decompressor = getattr(module, "Decompressor", None)
    if decompressor is None or not hasattr(decompressor, "can_accept_more_data"):
        return None  # older versions decode all they are given at once: a bomb's friend
    return module


_BROTLI = _load_brotli()


class _Unbrotli:
    """br, through brotli's output-bounded API."""

    def __init__(self) -> None:
        self._decompressor = _BROTLI.Decompressor()
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._started = self._started or bool(data)
        try:
            out = self._decompressor.process(data, output_buffer_limit=_STEP)
            # brotli may hold more output even when it says it can take input: ask until it
            # has nothing left (the limit is loose too, output blocks grow up to ~1.5 steps).
            while out:
                yield out
                if self._decompressor.is_finished():
                    return
                out = self._decompressor.process(b"", output_buffer_limit=_STEP)
        except _BROTLI.error as exc:
            raise _DecodeError(f"broken br data ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        if self._started and not self._decompressor.is_finished():
            raise _DecodeError("the br data is cut short or corrupt")
        return iter(())


_CODINGS = ("gzip", "x-gzip", "deflate", *(("br",) if _BROTLI is not None else ()))
_ACCEPT_ENCODING = ", ".join(c for c in _CODINGS if c != "x-gzip")


def _decoders(response: httpx.Response) -> list[_Decoder]:
    """One decoder per Content-Encoding coding, in decoding order (the last applied first)."""
    codings = [
        c.strip().lower()
        for c in response.headers.get_list("content-encoding", split_commas=True)
    ]
    codings = [c for c in codings if c and c not in ("identity", "none")]
    if len(codings) > _MAX_CODINGS:
        raise _DecodeError(
            f"Content-Encoding {', '.join(codings)!r} stacks more than {_MAX_CODINGS} codings"
        )
    decoders: list[_Decoder] = []
    for coding in reversed(codings):
        if coding == "br" and _BROTLI is None:
            raise _DecodeError(
                "Content-Encoding 'br' needs the brotli package (1.2 or later), which is not "
                "installed; it was not asked for"
            )
        if coding not in _CODINGS:
            raise _DecodeError(f"unsupported Content-Encoding {coding!r}")
        decoders.append(_Unbrotli() if coding == "br" else _Inflater(coding))
    return decoders


def _decode(decoders: list[_Decoder], data: bytes, level: int = 0) -> Iterator[bytes]:
    """``data`` (the output of decoder ``level - 1``) through the decoders from ``level`` on.

    Generators all the way down: each piece is handed on (and counted by the caller) before
    the next one is produced, so memory stays at a few steps whatever the depth.
    """
    if level == len(decoders):
        if data:
            yield data
        return
    for piece in decoders[level].feed(data):
        yield from _decode(decoders, piece, level + 1)


def _finish(decoders: list[_Decoder]) -> Iterator[bytes]:
    """What the decoders still hold once the body has ended, outermost first."""
    for level, decoder in enumerate(decoders):
        for piece in decoder.finish():
            yield from _decode(decoders, piece, level + 1)


class Fetcher:
    """Fetches URLs with one reused ``httpx.Client``. Use as a context manager, or call close().

    ``total_timeout`` bounds one ``get``, redirects, headers and body included: every socket
    connect, read and write gets at most the time left. Only the DNS lookup is outside it
    (the system resolver has no timeout we can set). Deadlines are per thread, but the cookie
    jar is shared: give each worker thread its own ``Fetcher``.

    ``policy`` says which URLs and addresses may be fetched; by default the one the environment
    sets (``UrlPolicy.from_environment()``: public addresses only, unless
    ``TRACKER_ALLOW_PRIVATE_NETWORKS=1``).
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
        policy: UrlPolicy | None = None,
    ) -> None:
        if max_bytes <= 0 or max_redirects < 0 or total_timeout <= 0:
            raise ValueError("max_bytes and total_timeout must be positive, max_redirects >= 0")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.total_timeout = total_timeout
        self.policy = policy if policy is not None else UrlPolicy.from_environment()
        # Redirects are followed by hand: to count them, to spot loops, and to put every target
        # through the policy with our own message.
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            # Accept-Encoding lists exactly what _read_body decodes (httpx's default would add
            # br or zstd whenever some installed package makes httpx able to).
            headers={
                "User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": _ACCEPT_ENCODING
            },
            # No proxies or .netrc credentials from the environment: a proxy would make the
            # connection, and the policy's pinned address would no longer be what is reached.
            trust_env=False,
            transport=_DeadlineTransport(self.policy),
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
        self.policy.check_url(url)
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
                raise FetchError(
                    f"invalid URL {redact_url(current)!r}: {_first_line(exc)}"
                ) from None
            if request.url.userinfo:  # httpx's parser agrees with the policy's, but be sure
                raise UrlRefused(redact_url(current), "URLs with credentials are refused")
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
                            f"bad redirect Location {redact_url(location)!r} from {current}: "
                            f"{_first_line(exc)}"
                        ) from None
                    self.policy.check_url(target)
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
        except UrlRefused as exc:  # from the policy, at connect time: it named the host only
            raise UrlRefused(redact_url(url), exc.reason) from None
        except FetchError as exc:  # the policy's "cannot resolve host"
            raise FetchError(f"{exc} ({url})") from None

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
        # Content-Length counts encoded bytes: a quick refusal of what is too large even before
        # decoding. The count below is of decoded bytes, as each decoder step produces them.
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(too_large)
        chunks: list[bytes] = []
        size = 0

        def keep(pieces: Iterator[bytes]) -> None:
            nonlocal size
            for piece in pieces:
                size += len(piece)
                if size > self.max_bytes:
                    raise FetchError(too_large)
                chunks.append(piece)
                # Checked per decoded piece too: inflating is work, and the deadline bounds it.
                if time.monotonic() > deadline:
                    raise FetchError(
                        f"fetching {url} took longer than {_seconds(self.total_timeout)}"
                    )

        try:
            decoders = _decoders(response)
            for raw in response.iter_raw():
                keep(_decode(decoders, raw))
            keep(_finish(decoders))
        except httpx.HTTPError as exc:
            raise FetchError(self._describe(exc, url)) from None
        except (_DecodeError, zlib.error) as exc:
            raise FetchError(
                f"cannot decode the response body from {url}: {_first_line(exc)}"
            ) from None
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
        # (Names are resolved by the policy, which reports failures itself.)
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
