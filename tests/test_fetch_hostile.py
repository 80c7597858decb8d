"""Fetching from a hostile server: compression bombs, redirects inward, credentials, rebinding.

The server is real (``tests/httpserver.py`` on 127.0.0.1). Names such as ``hostile.test`` are
"resolved" by a stub resolver to 127.0.0.1 and reached through a policy that allows exactly
127.0.0.1/32, so everything else private stays refused; refusals of other addresses happen
before any connection, so no test sends a packet beyond 127.0.0.0/8.
"""

from __future__ import annotations

import gzip
import resource
import shutil
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.httpserver import LocalServer, endless
from tracker.errors import FetchError
from tracker.fetch import Fetcher
from tracker.urlpolicy import UrlPolicy, UrlRefused

MB = 1_000_000
HOST = "hostile.test"


class StubResolver:
    """Answers from a table (a list of answers is used up one per lookup); records lookups."""

    def __init__(self, answers: dict[str, Sequence[str] | list[Sequence[str]]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append((host, port))
        answer = self.answers.get(host)
        if answer is None:
            raise OSError(-2, "Name or service not known")
        if answer and isinstance(answer[0], list | tuple):
            return answer.pop(0)  # type: ignore[union-attr, return-value]
        return answer  # type: ignore[return-value]


def hostile_policy(**answers: Sequence[str]) -> UrlPolicy:
    """Public addresses only, plus 127.0.0.1 (the local server); ``hostile.test`` -> 127.0.0.1."""
    table: dict[str, Sequence[str] | list[Sequence[str]]] = {HOST: ["127.0.0.1"]}
    table.update({name.replace("_", "."): value for name, value in answers.items()})
    return UrlPolicy(allow_private=False, resolver=StubResolver(table), allow=("127.0.0.1/32",))


def lookups(fetcher: Fetcher) -> list[tuple[str, int]]:
    assert isinstance(fetcher.policy.resolver, StubResolver)
    return fetcher.policy.resolver.calls


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(connect_timeout=2, read_timeout=2, total_timeout=10,
                 policy=hostile_policy()) as f:
        yield f


def at(server: LocalServer, path: str) -> str:
    return f"http://{HOST}:{server.port}{path}"


def gzip_layers(layers: int, zeros: int) -> bytes:
    """``zeros`` zero bytes gzipped ``layers`` times, compressed as a stream (little memory)."""
    compressors = [zlib.compressobj(9, zlib.DEFLATED, 31) for _ in range(layers)]

    def push(data: bytes, level: int) -> bytes:
        for compressor in compressors[level:]:
            data = compressor.compress(data)
        return data

    out = []
    block = bytes(1 << 20)
    for start in range(0, zeros, len(block)):
        out.append(push(block[: zeros - start], 0))
    for level, compressor in enumerate(compressors):
        out.append(push(compressor.flush(), level + 1))
    return b"".join(out)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# -- compression ---------------------------------------------------------------------------


@pytest.mark.parametrize("kept", [1, 100, -4])
def test_a_gzip_body_cut_short_is_an_error_not_a_shorter_body(
        server: LocalServer, fetcher: Fetcher, kept: int) -> None:
    body = gzip.compress(text(50_000))
    assert len(body) > 100
    server.add("/cut", body=body[:kept], headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="gzip data is cut short or corrupt"):
        fetcher.get(at(server, "/cut"))


def test_an_empty_gzip_body_is_empty(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/empty", status=200, headers={"Content-Encoding": "gzip"})
    assert fetcher.get(at(server, "/empty")).body == b""


@pytest.mark.parametrize("layers", [2, 3])
def test_stacked_gzip_of_20_mb_is_cut_off_at_the_cap(server: LocalServer, layers: int) -> None:
    body = gzip_layers(layers, 20 * MB)
    assert len(body) < 25_000  # a few kB on the wire
    server.add("/stack", body=body, headers={"Content-Encoding": ", ".join(["gzip"] * layers)})
    before = max_rss_mb()
    with Fetcher(policy=hostile_policy()) as fetcher, pytest.raises(
        FetchError, match="larger than 10 MB limit"
    ):
        fetcher.get(at(server, "/stack"))
    assert max_rss_mb() - before < 200


@pytest.fixture(scope="module")
def half_gigabyte_bomb() -> bytes:
    return gzip_layers(3, 512 * 1024 * 1024)


def test_a_triple_gzip_bomb_of_half_a_gigabyte_does_not_blow_up_memory(
        server: LocalServer, half_gigabyte_bomb: bytes) -> None:
    assert len(half_gigabyte_bomb) < 1000  # 512 MB in a few hundred bytes
    server.add("/bomb", body=half_gigabyte_bomb,
               headers={"Content-Encoding": "gzip, x-gzip, gzip"})
    before = max_rss_mb()
    with Fetcher(max_bytes=2 * MB, policy=hostile_policy()) as fetcher, pytest.raises(
        FetchError, match="larger than 2 MB limit"
    ):
        fetcher.get(at(server, "/bomb"))
    # Decoding a whole chunk at once, as httpx does, would grow the process by 512 MB.
    assert max_rss_mb() - before < 200


def test_an_endless_gzip_stream_is_cut_off_at_the_cap(server: LocalServer) -> None:
    def forever() -> Iterator[bytes]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b"<item>never ends</item>" * 4000
        while True:
            yield compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)

    server.add("/forever.gz", body=forever, headers={"Content-Encoding": "gzip"})
    with Fetcher(max_bytes=1 * MB, policy=hostile_policy()) as fetcher, pytest.raises(
        FetchError, match="larger than 1 MB limit"
    ):
        fetcher.get(at(server, "/forever.gz"))


def test_a_gzip_body_dripping_forever_hits_the_total_deadline(server: LocalServer) -> None:
    def drip() -> Iterator[bytes]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        yield compressor.compress(b"<rss>") + compressor.flush(zlib.Z_SYNC_FLUSH)
        while True:  # a valid stream that never ends, a few bytes at a time
            yield compressor.compress(b".") + compressor.flush(zlib.Z_SYNC_FLUSH)

    server.add("/drip.gz", body=drip, chunk_delay=0.05, headers={"Content-Encoding": "gzip"})
    with Fetcher(read_timeout=1, total_timeout=0.6, policy=hostile_policy()) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 0\.6 s"):
            fetcher.get(at(server, "/drip.gz"))
    assert time.monotonic() - started < 2


def test_a_huge_plain_page_is_cut_off(server: LocalServer) -> None:
    server.add("/huge", body=endless(b"<p>" + b"x" * 65533))
    with Fetcher(policy=hostile_policy()) as fetcher, pytest.raises(
        FetchError, match="larger than 10 MB limit"
    ):
        fetcher.get(at(server, "/huge"))


def text(size: int) -> bytes:
    words = b"harbour strike talks ferry union port cargo wages minister agreement ".split()
    return b" ".join(words[(i * 7 + i // 3) % len(words)] for i in range(size // 6))[:size]


def chunked(data: bytes, size: int) -> Callable[[], Iterator[bytes]]:
    """A lazy body sending ``data`` in pieces of ``size`` bytes (chunked encoding)."""
    return lambda: (data[i:i + size] for i in range(0, len(data), size))


def test_a_large_gzip_body_in_small_chunks_is_decoded_exactly(
        server: LocalServer, fetcher: Fetcher) -> None:
    page = text(3 * MB)
    server.add("/big.gz", body=chunked(gzip.compress(page), 1000),
               headers={"Content-Encoding": "gzip"})
    assert fetcher.get(at(server, "/big.gz")).body == page


def test_stacked_codings_are_undone_in_reverse_order(
        server: LocalServer, fetcher: Fetcher) -> None:
    page = text(200_000)
    # Applied first deflate (zlib), then gzip: listed in that order, undone gzip first.
    server.add("/two", body=gzip.compress(zlib.compress(page)),
               headers={"Content-Encoding": "deflate, gzip"})
    assert fetcher.get(at(server, "/two")).body == page


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_is_decoded_with_or_without_its_zlib_header(
        server: LocalServer, fetcher: Fetcher, wbits: int) -> None:
    page = text(20_000)
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(page) + compressor.flush()
    # Three bytes at a time: the kind of stream is told from its first two bytes.
    server.add("/deflate", body=chunked(body, 3),
               headers={"Content-Encoding": "Deflate"})
    assert fetcher.get(at(server, "/deflate")).body == page


def test_gzip_members_one_after_another_are_all_decoded(
        server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/members", body=gzip.compress(b"first, ") + gzip.compress(b"second"),
               headers={"Content-Encoding": "gzip"})
    assert fetcher.get(at(server, "/members")).body == b"first, second"


def test_identity_is_no_coding(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/plain", body=b"plain", headers={"Content-Encoding": "identity"})
    assert fetcher.get(at(server, "/plain")).body == b"plain"


def test_more_than_three_codings_are_refused(server: LocalServer, fetcher: Fetcher) -> None:
    body = gzip.compress(gzip.compress(gzip.compress(gzip.compress(b"deep"))))
    server.add("/deep", body=body, headers={"Content-Encoding": "gzip, gzip, gzip, gzip"})
    with pytest.raises(FetchError, match="more than 3 codings"):
        fetcher.get(at(server, "/deep"))


def test_an_unknown_coding_is_refused_by_name(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/lzw", body=b"\x1f\x9d...", headers={"Content-Encoding": "compress"})
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'compress'"):
        fetcher.get(at(server, "/lzw"))


def test_a_corrupt_gzip_stream_inside_a_good_one_is_a_clear_error(
        server: LocalServer, fetcher: Fetcher) -> None:
    inner = bytearray(gzip.compress(text(50_000)))
    inner[len(inner) // 2:len(inner) // 2 + 20] = b"\xff" * 20
    server.add("/corrupt", body=gzip.compress(bytes(inner)),
               headers={"Content-Encoding": "gzip, gzip"})
    with pytest.raises(FetchError, match=r"^cannot decode the response body from http://"):
        fetcher.get(at(server, "/corrupt"))


def test_only_decodable_codings_are_asked_for(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/ask", body=b"ok")
    fetcher.get(at(server, "/ask"))
    asked = [c.strip() for c in server.last("/ask").headers["accept-encoding"].split(",")]
    assert asked[:2] == ["gzip", "deflate"]
    assert set(asked) <= {"gzip", "deflate", "br"}


def _bounded_brotli() -> bool:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        return False
    return hasattr(brotli.Decompressor, "can_accept_more_data")


@pytest.mark.skipif(_bounded_brotli(), reason="brotli 1.2+ is installed: br is decoded")
def test_without_brotli_br_is_not_asked_for_and_is_refused_clearly(
        server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/br", body=b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="'br' needs the brotli package"):
        fetcher.get(at(server, "/br"))
    assert "br" not in server.last("/br").headers["accept-encoding"]


@pytest.mark.skipif(not _bounded_brotli(), reason="needs brotli 1.2+ (bounded output)")
def test_with_brotli_br_is_decoded_within_the_cap(server: LocalServer) -> None:
    import brotli

    page = text(100_000)
    server.add("/page.br", body=brotli.compress(page), headers={"Content-Encoding": "br"})
    server.add("/bomb.br", body=brotli.compress(bytes(50 * MB)),
               headers={"Content-Encoding": "br"})
    with Fetcher(policy=hostile_policy()) as fetcher:
        assert fetcher.get(at(server, "/page.br")).body == page
        assert "br" in server.last("/page.br").headers["accept-encoding"]
        with pytest.raises(FetchError, match="larger than 10 MB limit"):
            fetcher.get(at(server, "/bomb.br"))


# -- where a redirect may lead ------------------------------------------------------------


def test_a_redirect_to_the_metadata_service_is_refused(server: LocalServer) -> None:
    # The environment allows private networks here (the tests' default): metadata stays out.
    server.redirect("/innocent", "http://169.254.169.254/latest/meta-data/")
    with Fetcher(connect_timeout=2) as fetcher, pytest.raises(UrlRefused) as caught:
        fetcher.get(server.url("/innocent"))
    assert str(caught.value) == (
        "refused http://169.254.169.254/latest/meta-data/: "
        "169.254.169.254 is a cloud metadata address"
    )


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://167772161/", "http://localhost/",
    "http://127.0.0.2/", "http://[::1]/", "http://0.0.0.0/", "http://metadata.google.internal/",
])
def test_a_redirect_into_the_private_network_is_refused(
        server: LocalServer, fetcher: Fetcher, target: str) -> None:
    server.redirect("/start", target)
    with pytest.raises(UrlRefused, match=r"^refused http://"):
        fetcher.get(at(server, "/start"))
    assert lookups(fetcher) == [(HOST, server.port)]  # the target was never even resolved


def test_a_redirect_to_a_name_resolving_inward_is_refused_at_connect_time(
        server: LocalServer) -> None:
    policy = hostile_policy(evil_test=["169.254.169.254"], mixed_test=["127.0.0.1", "10.0.0.1"])
    server.redirect("/a", "http://evil.test/latest/meta-data/")
    server.redirect("/b", f"http://mixed.test:{server.port}/")
    with Fetcher(connect_timeout=2, policy=policy) as fetcher:
        with pytest.raises(UrlRefused) as caught:
            fetcher.get(at(server, "/a"))
        assert str(caught.value) == (
            "refused http://evil.test/latest/meta-data/: "
            "evil.test resolves to 169.254.169.254, a cloud metadata address"
        )
        with pytest.raises(UrlRefused, match=r"10\.0\.0\.1 \(one of its 2 addresses\)"):
            fetcher.get(at(server, "/b"))
    assert ("evil.test", 80) in lookups(fetcher)
    assert server.count("/") == 0


def test_a_redirect_with_credentials_is_refused_without_echoing_them(
        server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/login", f"http://admin:hunter2@{HOST}:{server.port}/admin")
    server.add("/admin", body=b"secret")
    with pytest.raises(UrlRefused) as caught:
        fetcher.get(at(server, "/login"))
    message = str(caught.value)
    assert "credentials are refused" in message
    assert f"***@{HOST}" in message and "hunter2" not in message
    assert server.count("/admin") == 0


def test_a_first_url_with_credentials_sends_nothing(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/x", body=b"x")
    with pytest.raises(UrlRefused, match="credentials"):
        fetcher.get(f"http://u:p@{HOST}:{server.port}/x")
    assert server.requests == [] and lookups(fetcher) == []


@pytest.mark.network_policy
def test_by_default_the_local_server_itself_is_refused(server: LocalServer) -> None:
    server.add("/feed", body=b"feed")
    with Fetcher() as fetcher, pytest.raises(UrlRefused, match="loopback address"):
        fetcher.get(server.url("/feed"))
    assert server.requests == []


# -- connections go to the address that was checked -----------------------------------------


def test_the_connection_goes_to_the_vetted_address_with_the_name_as_host(
        server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/feed", body=b"feed")
    assert fetcher.get(at(server, "/feed")).body == b"feed"
    assert server.last("/feed").headers["host"] == f"{HOST}:{server.port}"
    assert lookups(fetcher) == [(HOST, server.port)]


def test_each_new_connection_is_checked_again_so_rebinding_gains_nothing(
        server: LocalServer) -> None:
    # The name answers 127.0.0.1 first, then the metadata address (DNS rebinding). The server
    # closes each connection, so the second request needs a new one, which is checked anew.
    rebinding = [["127.0.0.1"], ["169.254.169.254"]]
    policy = UrlPolicy(resolver=StubResolver({HOST: rebinding}), allow=("127.0.0.1/32",))
    server.add("/feed", body=b"feed", headers={"Connection": "close"})
    with Fetcher(connect_timeout=2, policy=policy) as fetcher:
        assert fetcher.get(at(server, "/feed")).body == b"feed"
        with pytest.raises(UrlRefused, match=r"resolves to 169\.254\.169\.254"):
            fetcher.get(at(server, "/feed"))
    assert server.count("/feed") == 1


def test_a_kept_alive_connection_is_not_resolved_again(
        server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/a", body=b"a")
    server.add("/b", body=b"b")
    fetcher.get(at(server, "/a"))
    fetcher.get(at(server, "/b"))
    assert lookups(fetcher) == [(HOST, server.port)]


def test_proxy_settings_in_the_environment_are_ignored(
        server: LocalServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalServer() as proxy:
        proxy.add("/", body=b"from the proxy")
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.base_url)
        server.add("/direct", body=b"direct")
        with Fetcher(policy=hostile_policy()) as fresh:
            assert fresh.get(at(server, "/direct")).body == b"direct"
        assert proxy.requests == []


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={HOST}"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_tls_gets_the_host_name_while_the_socket_gets_the_vetted_address(
        self_signed: tuple[Path, Path]) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _context: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one() -> None:
        connection, _ = listener.accept()
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client refuses our self-signed certificate: expected

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        with Fetcher(connect_timeout=2, read_timeout=2, policy=hostile_policy()) as fetcher:
            with pytest.raises(FetchError, match=r"TLS error|certificate"):
                fetcher.get(f"https://{HOST}:{port}/feed")
            assert lookups(fetcher) == [(HOST, port)]
    finally:
        thread.join(timeout=5)
        listener.close()
    assert names == [HOST]  # SNI named the host, not 127.0.0.1
