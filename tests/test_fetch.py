"""Fetching over real HTTP from a local server: what a scheduled ingestion relies on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import tracker
from tests.httpserver import (
    Handler,
    LocalServer,
    RecordedRequest,
    Reply,
    closed_port,
    endless,
    gzipped,
    repeated,
)
from tracker import clock
from tracker.errors import FetchError
from tracker.fetch import Fetcher, FetchResult, parse_content_type

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Harbour news'
    b"</title><item><title>Ferry timetable changes</title></item></channel></rss>"
)
MB = 1_000_000


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(connect_timeout=2, read_timeout=2, total_timeout=10) as f:
        yield f


def test_ok_response_gives_body_status_headers_and_content_type(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.add(
        "/feed.xml",
        body=FEED,
        headers={
            "Content-Type": "application/RSS+xml; charset=ISO-8859-1",
            "ETag": '"v1"',
            "Last-Modified": "Tue, 04 Mar 2025 08:30:00 GMT",
            "X-Custom": "yes",
        },
    )
    fixed = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    clock.set_now(lambda: fixed)
    try:
        result = fetcher.get(server.url("/feed.xml"))
    finally:
        clock.set_now(None)
    assert isinstance(result, FetchResult)
    assert result.status == 200 and not result.not_modified
    assert result.body == FEED
    assert result.url == server.url("/feed.xml")
    assert result.content_type == "application/rss+xml"
    assert result.charset == "ISO-8859-1"
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 04 Mar 2025 08:30:00 GMT"
    assert result.headers["x-custom"] == "yes"
    assert all(name == name.lower() for name in result.headers)
    assert result.fetched_at == fixed


def test_user_agent_names_the_tracker_and_its_version(server: LocalServer) -> None:
    server.add("/page", body=b"hello")
    with Fetcher() as fetcher:
        fetcher.get(server.url("/page"))
    agent = server.last("/page").headers["user-agent"]
    assert agent.startswith(f"event-timeline-tracker/{tracker.__version__}")


def test_one_client_is_reused_across_requests(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/a", body=b"first")
    server.add("/b", body=b"second")
    assert fetcher.get(server.url("/a")).body == b"first"
    assert fetcher.get(server.url("/b")).body == b"second"
    assert server.count("/a") == server.count("/b") == 1


def _conditional(etag: str, last_modified: str) -> Handler:
    def answer(request: RecordedRequest) -> Reply:
        if request.headers.get("if-none-match") == etag or (
            request.headers.get("if-modified-since") == last_modified
        ):
            return Reply(304, {"ETag": etag})
        return Reply(200, {"ETag": etag, "Last-Modified": last_modified}, FEED)

    return answer


def test_not_modified_with_etag_returns_empty_304(server: LocalServer, fetcher: Fetcher) -> None:
    server.handle("/feed", _conditional('"abc"', "Mon, 03 Mar 2025 10:00:00 GMT"))
    first = fetcher.get(server.url("/feed"))
    assert first.status == 200 and first.etag == '"abc"'
    second = fetcher.get(server.url("/feed"), etag=first.etag)
    assert server.last("/feed").headers["if-none-match"] == '"abc"'
    assert second.status == 304 and second.not_modified
    assert second.body == b""
    assert second.etag == '"abc"'


def test_not_modified_with_last_modified_returns_empty_304(
    server: LocalServer, fetcher: Fetcher
) -> None:
    stamp = "Mon, 03 Mar 2025 10:00:00 GMT"
    server.handle("/feed", _conditional('"abc"', stamp))
    result = fetcher.get(server.url("/feed"), last_modified=stamp)
    assert server.last("/feed").headers["if-modified-since"] == stamp
    assert "if-none-match" not in server.last("/feed").headers
    assert result.not_modified and result.body == b""
    # The 304 did not repeat Last-Modified: the one we sent is still the current one.
    assert result.last_modified == stamp


def test_plain_get_sends_no_conditional_headers(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/x", body=b"x")
    fetcher.get(server.url("/x"))
    headers = server.last("/x").headers
    assert "if-none-match" not in headers and "if-modified-since" not in headers


@pytest.mark.parametrize("status", [404, 500, 503])
def test_http_error_status_is_a_fetch_error_naming_status_and_url(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    server.add("/broken", status=status, body=b"oops")
    with pytest.raises(FetchError, match=rf"^HTTP {status} from http://127\.0\.0\.1:\d+/broken$"):
        fetcher.get(server.url("/broken"))


def test_response_slower_than_read_timeout_is_a_fetch_error(server: LocalServer) -> None:
    server.add("/slow", body=b"late", delay=3)
    with Fetcher(read_timeout=0.3) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            fetcher.get(server.url("/slow"))
    assert time.monotonic() - started < 2


def test_server_dribbling_bytes_forever_hits_the_total_deadline(server: LocalServer) -> None:
    server.add("/drip", body=endless(b"."), chunk_delay=0.05)
    with Fetcher(read_timeout=1, total_timeout=0.6) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 0\.6 s"):
            fetcher.get(server.url("/drip"))
    assert time.monotonic() - started < 2


def test_server_dribbling_headers_hits_the_total_deadline(server: LocalServer) -> None:
    def dribble() -> Iterator[bytes]:
        # 40 single bytes of one header line, 0.05 s apart: each read is quick, the whole is not.
        yield b"HTTP/1.1 200 OK\r\nX-Slow: "
        yield from [b"x"] * 40
        yield b"\r\nContent-Length: 2\r\n\r\nok"

    server.add("/slow-headers", body=dribble, chunk_delay=0.05, raw=True)
    with Fetcher(read_timeout=1, total_timeout=0.6) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 0\.6 s"):
            fetcher.get(server.url("/slow-headers"))
    assert time.monotonic() - started < 1.5


def test_total_deadline_covers_a_silent_server_after_the_first_bytes(server: LocalServer) -> None:
    # Headers at once, then silence shorter than the read timeout but past the deadline.
    server.add("/stall", body=lambda: [b"a", b"b"], chunk_delay=0.9, length=2)
    with Fetcher(read_timeout=5, total_timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="took longer than"):
            fetcher.get(server.url("/stall"))
    assert time.monotonic() - started < 0.8


def test_garbage_instead_of_http_is_a_fetch_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/garbage", body=b"SSH-2.0-OpenSSH_9.6\r\n\r\n", raw=True)
    with pytest.raises(FetchError, match=r"HTTP protocol|disconnected"):
        fetcher.get(server.url("/garbage"))


def test_unsendable_stored_etag_is_not_sent(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/x", body=b"x")
    result = fetcher.get(server.url("/x"), etag='"bad\r\nInjected: 1"', last_modified="é")
    headers = server.last("/x").headers
    assert result.status == 200
    assert "if-none-match" not in headers and "injected" not in headers
    assert "if-modified-since" not in headers


def test_redirects_are_followed_to_the_final_url(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/old", "/moved", status=301)
    server.redirect("/moved", server.url("/new"), status=307)
    server.add("/new", body=b"arrived")
    result = fetcher.get(server.url("/old"))
    assert result.body == b"arrived"
    assert result.url == server.url("/new")


def test_redirect_loop_is_a_fetch_error_naming_it(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/ping", "/pong")
    server.redirect("/pong", "/ping")
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.get(server.url("/ping"))
    assert server.count("/ping") == 1 and server.count("/pong") == 1


def test_too_many_redirects_is_a_fetch_error(server: LocalServer) -> None:
    for i in range(4):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    server.add("/r4", body=b"end")
    too_many = pytest.raises(FetchError, match="more than 2 redirects")
    with Fetcher(max_redirects=2) as fetcher, too_many:
        fetcher.get(server.url("/r0"))
    with Fetcher(max_redirects=4) as fetcher:
        assert fetcher.get(server.url("/r0")).body == b"end"


def test_redirect_to_another_scheme_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/sneaky", "file:///etc/passwd")
    with pytest.raises(FetchError, match="unsupported URL scheme 'file'"):
        fetcher.get(server.url("/sneaky"))


def test_body_over_the_cap_with_content_length_is_refused_before_reading(
    server: LocalServer,
) -> None:
    server.add("/big", body=repeated(b"x" * 65536, 5 * MB), length=5 * MB)
    with Fetcher(max_bytes=1 * MB) as fetcher, pytest.raises(
        FetchError, match=r"larger than 1 MB limit"
    ):
        fetcher.get(server.url("/big"))


def test_body_over_the_cap_without_content_length_is_cut_off(server: LocalServer) -> None:
    server.add("/stream", body=repeated(b"y" * 65536, 5 * MB))  # chunked, no length announced
    with Fetcher(max_bytes=1 * MB) as fetcher, pytest.raises(
        FetchError, match=r"larger than 1 MB limit"
    ):
        fetcher.get(server.url("/stream"))


def test_endless_body_is_cut_off_at_the_cap(server: LocalServer) -> None:
    server.add("/forever", body=endless(b"z" * 65536))
    with Fetcher(max_bytes=2 * MB) as fetcher, pytest.raises(FetchError, match="larger than"):
        fetcher.get(server.url("/forever"))


def test_body_exactly_at_the_cap_is_accepted(server: LocalServer) -> None:
    server.add("/exact", body=b"e" * 1000)
    with Fetcher(max_bytes=1000) as fetcher:
        assert len(fetcher.get(server.url("/exact")).body) == 1000


def test_default_size_cap_message_says_10_mb(server: LocalServer) -> None:
    server.add("/huge", body=repeated(b"h" * 65536, 11 * MB), length=11 * MB)
    with Fetcher() as fetcher, pytest.raises(FetchError, match="larger than 10 MB limit"):
        fetcher.get(server.url("/huge"))


def test_gzip_body_is_decompressed(server: LocalServer, fetcher: Fetcher) -> None:
    server.add(
        "/feed.xml.gz",
        body=gzipped(FEED),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"},
    )
    result = fetcher.get(server.url("/feed.xml.gz"))
    assert result.body == FEED
    assert "gzip" in server.last("/feed.xml.gz").headers["accept-encoding"]


def test_gzip_bomb_is_cut_off_at_the_cap_after_decompression(server: LocalServer) -> None:
    bomb = gzipped(b"\0" * (8 * MB))  # about 8 kB on the wire
    server.add("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    with Fetcher(max_bytes=1 * MB) as fetcher, pytest.raises(FetchError, match="larger than"):
        fetcher.get(server.url("/bomb"))


def test_corrupt_gzip_is_a_fetch_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/badgz", body=b"definitely not gzip data", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="decode"):
        fetcher.get(server.url("/badgz"))


def test_refused_connection_is_a_one_line_fetch_error(fetcher: Fetcher) -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed"
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    message = str(caught.value)
    assert "refused" in message and url in message
    assert "\n" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unknown_host_is_a_fetch_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"nothing-here\.invalid"):
        fetcher.get("http://nothing-here.invalid/feed")


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "file:///etc/passwd",
                                 "javascript:alert(1)", "gopher://example.org/"])
def test_non_http_schemes_are_rejected(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetcher.get(url)


def test_url_without_scheme_says_what_is_missing(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="needs an http:// or https:// prefix"):
        fetcher.get("example.org/feed")


def test_cookies_last_for_one_redirect_chain_only(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/login", status=302, headers={"Location": "/home", "Set-Cookie": "s=1; Path=/"})
    server.add("/home", body=b"home")
    fetcher.get(server.url("/login"))
    assert server.last("/home").headers.get("cookie") == "s=1"
    fetcher.get(server.url("/home"))
    assert "cookie" not in server.last("/home").headers


def test_result_headers_cannot_be_changed(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/h", body=b"h", headers={"X-A": "1"})
    result = fetcher.get(server.url("/h"))
    with pytest.raises(TypeError):
        result.headers["x-a"] = "2"  # type: ignore[index]
    assert hash(result) == hash(result)


def test_url_without_host_is_rejected(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="no host"):
        fetcher.get("http:///path-only")


def test_server_closing_mid_response_is_a_fetch_error(server: LocalServer) -> None:
    # Announces 1000 bytes, sends 5, then the handler returns and the connection closes.
    server.add("/short", body=lambda: [b"12345"], length=1000, headers={"Connection": "close"})
    with Fetcher(read_timeout=2) as fetcher, pytest.raises(FetchError):
        fetcher.get(server.url("/short"))


def test_missing_content_type_gives_empty_strings(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/bare", body=b"bare")
    result = fetcher.get(server.url("/bare"))
    assert result.content_type == "" and result.charset is None and result.etag is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html; charset=UTF-8", ("text/html", "UTF-8")),
        ('Text/HTML; Charset="windows-1251"', ("text/html", "windows-1251")),
        ("application/atom+xml", ("application/atom+xml", None)),
        ("", ("", None)),
        (None, ("", None)),
        ("text/xml; charset=", ("text/xml", None)),
    ],
)
def test_content_type_header_is_split_into_media_type_and_charset(
    header: str | None, expected: tuple[str, str | None]
) -> None:
    assert parse_content_type(header) == expected
