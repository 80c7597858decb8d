"""The URL policy on its own: what a feed's author cannot make the worker fetch.

Every test runs with ``TRACKER_ALLOW_PRIVATE_NETWORKS`` unset (the ``network_policy`` marker)
and a stub resolver that records its calls: no test here resolves a name or opens a socket.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest

from tracker.errors import FetchError
from tracker.urlpolicy import UrlPolicy, UrlRefused, redact_url

pytestmark = pytest.mark.network_policy

PUBLIC = "93.184.216.34"
PUBLIC6 = "2606:2800:220:1::1"


class StubResolver:
    """Answers from a table, records every question; an unknown name does not resolve."""

    def __init__(self, answers: dict[str, Sequence[str]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append((host, port))
        if host not in self.answers:
            raise OSError(-2, "Name or service not known")
        return self.answers[host]


def policy(answers: dict[str, Sequence[str]] | None = None, **options: object) -> UrlPolicy:
    return UrlPolicy(resolver=StubResolver(answers), **options)  # type: ignore[arg-type]


def calls(p: UrlPolicy) -> list[tuple[str, int]]:
    assert isinstance(p.resolver, StubResolver)
    return p.resolver.calls


LOOPBACK_SPELLINGS = [
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://2130706433/",  # decimal
    "http://0x7f000001/",  # hex
    "http://0X7F.0.0.1/",
    "http://0177.0.0.1/",  # octal
    "http://0177.0.0.01/",
    "http://127.1/",  # short forms: the last part fills the remaining bytes
    "http://127.0.1/",
    "http://0x7f.1/",
    "http://127.255.255.254:8080/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::7f00:1]/",  # NAT64 around 127.0.0.1
    "http://localhost/",
    "http://LOCALHOST:8000/feed",
    "http://localhost./",
    "http://api.localhost/",
    "http://ip6-localhost/",
]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_without_asking_dns(url: str) -> None:
    p = policy()
    with pytest.raises(UrlRefused, match="TRACKER_ALLOW_PRIVATE_NETWORKS=1"):
        p.check_url(url)
    with pytest.raises(UrlRefused):
        p.resolve(urlsplit(url).hostname or "", 80)
    assert calls(p) == []


@pytest.mark.parametrize(("host", "what"), [
    ("10.0.0.5", "private"), ("172.16.3.4", "private"), ("192.168.1.1", "private"),
    ("100.64.0.1", "private"),  # shared (carrier-grade NAT)
    ("fd12:3456::1", "private"), ("fec0::1", "private"),
    ("169.254.169.254", "metadata"), ("169.254.170.2", "metadata"),
    ("100.100.100.200", "metadata"), ("168.63.129.16", "metadata"),
    ("fd00:ec2::254", "metadata"), ("2852039166", "metadata"),  # 169.254.169.254 in decimal
    ("0xa9fea9fe", "metadata"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("0", "unspecified"), ("0.1.2.3", "unspecified"),
    ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("255.255.255.255", "broadcast"), ("240.0.0.1", "reserved"),
])
def test_non_public_addresses_are_refused_with_what_they_are(host: str, what: str) -> None:
    p = policy()
    with pytest.raises(UrlRefused, match=what):
        p.resolve(host, 80)
    url = f"http://[{host}]/" if ":" in host else f"http://{host}/"
    with pytest.raises(UrlRefused, match=what):
        p.check_url(url)
    assert calls(p) == []


@pytest.mark.parametrize("name", [
    "metadata.google.internal", "METADATA.google.internal.", "metadata.goog", "metadata",
    "instance-data",
])
def test_cloud_metadata_names_are_refused_by_name(name: str) -> None:
    p = policy({name: [PUBLIC]}, allow_private=True)
    with pytest.raises(UrlRefused, match="cloud metadata host"):
        p.check_url(f"http://{name}/computeMetadata/v1/")
    with pytest.raises(UrlRefused, match="cloud metadata host"):
        p.resolve(name, 80)
    assert calls(p) == []


def test_a_name_resolving_to_the_metadata_address_is_refused_after_resolution() -> None:
    p = policy({"evil.example": ["169.254.169.254"]})
    p.check_url("http://evil.example/latest/meta-data/")  # the text is fine; the address is not
    with pytest.raises(UrlRefused) as caught:
        p.resolve("evil.example", 80)
    assert str(caught.value) == (
        "refused evil.example: evil.example resolves to 169.254.169.254, a cloud metadata address"
    )
    assert calls(p) == [("evil.example", 80)]


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    p = policy({"mixed.example": [PUBLIC, PUBLIC6, "10.0.0.5"]})
    with pytest.raises(UrlRefused, match=r"10\.0\.0\.5 \(one of its 3 addresses\), a private"):
        p.resolve("mixed.example", 443)


def test_a_public_name_resolves_to_its_vetted_addresses() -> None:
    # Resolved by the stub only; nothing connects to these addresses.
    p = policy({"news.example": [PUBLIC, PUBLIC6, PUBLIC, "::ffff:93.184.216.35"]})
    p.check_url("https://news.example/rss.xml")
    assert p.resolve("news.example", 443) == [PUBLIC, PUBLIC6, "93.184.216.35"]
    assert calls(p) == [("news.example", 443)]


@pytest.mark.parametrize(("host", "address"), [
    (PUBLIC, PUBLIC), (f"[{PUBLIC6}]", PUBLIC6), ("1572395042", PUBLIC),
    ("[64:ff9b::5db8:d822]", "64:ff9b::5db8:d822"),  # NAT64 of the public address
])
def test_public_ip_literals_are_allowed_without_dns(host: str, address: str) -> None:
    p = policy()
    p.check_url(f"http://{host}/")
    assert p.resolve(host, 80) == [address]
    assert calls(p) == []


def test_an_unresolvable_name_is_a_fetch_error_naming_it() -> None:
    p = policy()
    with pytest.raises(FetchError, match=r"cannot resolve host nowhere\.example") as caught:
        p.resolve("nowhere.example", 80)
    assert not isinstance(caught.value, UrlRefused)


def test_an_answer_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(UrlRefused, match="not an IP address"):
        policy({"odd.example": ["localhost"]}).resolve("odd.example", 80)


@pytest.mark.parametrize("host", ["1.2.3.999", "1.2.3.4.5", "example.0x10", "99999999999"])
def test_numeric_hosts_that_are_no_address_are_refused(host: str) -> None:
    p = policy()
    with pytest.raises(UrlRefused, match="neither an IP address nor a host name"):
        p.resolve(host, 80)
    assert calls(p) == []


def test_allowing_private_networks_allows_loopback_and_private_but_not_metadata() -> None:
    p = policy({"intranet.example": ["10.1.2.3"], "localhost": ["127.0.0.1", "::1"]},
               allow_private=True)
    for url in ("http://127.1/", "http://[::1]:8080/", "http://10.0.0.5/", "http://localhost/"):
        p.check_url(url)
    assert p.resolve("2130706433", 80) == ["127.0.0.1"]
    assert p.resolve("[::ffff:127.0.0.1]", 80) == ["127.0.0.1"]
    assert p.resolve("intranet.example", 80) == ["10.1.2.3"]
    assert p.resolve("localhost", 80) == ["127.0.0.1", "::1"]
    for host in ("169.254.169.254", "fd00:ec2::254", "fe80::1", "0.0.0.0", "224.0.0.1"):
        with pytest.raises(UrlRefused) as caught:
            p.resolve(host, 80)
        assert "TRACKER_ALLOW_PRIVATE_NETWORKS" not in str(caught.value)


def test_explicitly_allowed_networks_pass_while_the_rest_stays_refused() -> None:
    p = policy({"hostile.test": ["127.0.0.1"]}, allow=("127.0.0.1/32",))
    assert p.resolve("hostile.test", 80) == ["127.0.0.1"]
    assert p.resolve("[::ffff:127.0.0.1]", 80) == ["127.0.0.1"]
    for host in ("127.0.0.2", "10.0.0.1", "169.254.169.254"):
        with pytest.raises(UrlRefused):
            p.resolve(host, 80)
    assert policy(allow=("169.254.169.254/32",)).resolve("169.254.169.254", 80)


@pytest.mark.parametrize(("value", "allowed"), [
    ("1", True), ("true", True), ("YES", True), ("0", False), ("", False), ("no", False),
])
def test_the_environment_variable_allows_private_networks(
        monkeypatch: pytest.MonkeyPatch, value: str, allowed: bool) -> None:
    monkeypatch.setenv("TRACKER_ALLOW_PRIVATE_NETWORKS", value)
    assert UrlPolicy.from_environment().allow_private is allowed
    # A configuration setting can allow them too; the variable, when set, wins.
    assert UrlPolicy.from_environment(allow_private=True).allow_private is True
    assert UrlPolicy.from_environment(allow_private=False).allow_private is allowed


def test_without_the_variable_private_networks_are_refused() -> None:
    p = UrlPolicy.from_environment(resolver=StubResolver())
    assert p.allow_private is False
    with pytest.raises(UrlRefused, match="private address"):
        p.check_url("http://192.168.0.1/")


@pytest.mark.parametrize(("url", "shown"), [
    ("http://alice:hunter2@example.org/feed", "http://***@example.org/feed"),
    ("https://ghp_TOKEN123@example.org/", "https://***@example.org/"),
    ("http://:hunter2@example.org/", "http://***@example.org/"),
    ("http://@example.org/", "http://***@example.org/"),
])
def test_credentials_are_refused_and_never_echoed(url: str, shown: str) -> None:
    p = policy({"example.org": [PUBLIC]})
    with pytest.raises(UrlRefused) as caught:
        p.check_url(url)
    assert str(caught.value) == f"refused {shown}: URLs with credentials are refused"
    assert "hunter2" not in str(caught.value) and "TOKEN123" not in str(caught.value)
    assert calls(p) == []


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.org/feed", "unsupported URL scheme 'ftp'"),
    ("file:///etc/passwd", "unsupported URL scheme 'file'"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "unsupported URL scheme 'gopher'"),
    ("example.org/feed", "needs an http:// or https:// prefix"),
    ("http:///path-only", "no host"),
    ("http://example.org:99999/", "invalid URL"),
    ("http://[::1/", "invalid URL"),
])
def test_urls_that_are_not_http_with_a_host_are_refused(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        policy().check_url(url)


def test_a_password_in_an_unparsable_url_is_not_echoed() -> None:
    with pytest.raises(FetchError) as caught:
        policy().check_url("http://bob:s3cret@[::1/")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(("url", "shown"), [
    ("https://news.example/rss?page=2", "https://news.example/rss?page=2"),
    ("https://u:p@news.example/rss", "https://***@news.example/rss"),
    ("https://news.example/rss?token=abc&page=2&API_KEY=k&Signature=s&sig=",
     "https://news.example/rss?token=***&page=2&API_KEY=***&Signature=***&sig=***"),
    ("https://news.example/rss?access_token=a+b&key=1&secret=2&password=3&api_key=4#top",
     "https://news.example/rss?access_token=***&key=***&secret=***&password=***&api_key=***#top"),
    ("https://s3.example/f?X-Amz-Signature=abc&monkey=1", "https://s3.example/f?X-Amz-Signature=***&monkey=1"),
    ("https://news.example/rss?flag&tok%65n=x", "https://news.example/rss?flag&tok%65n=***"),
    ("http://bob:s3cret@[::1/", "http://***@[::1/"),
])
def test_redact_url_masks_credentials_and_secret_parameters(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_policy_is_a_frozen_value() -> None:
    p = UrlPolicy()
    with pytest.raises(AttributeError):
        p.allow_private = True  # type: ignore[misc]
    assert UrlPolicy(allow=("10.0.0.0/8",)) == UrlPolicy(allow=("10.0.0.0/8",))
    with pytest.raises(ValueError):
        UrlPolicy(allow=("not a network",))
