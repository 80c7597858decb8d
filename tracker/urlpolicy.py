"""Which URLs the worker may fetch: a guard against server-side request forgery (SSRF).

Whoever controls a subscribed feed chooses what the worker fetches (its links, its redirects),
so every URL and every redirect hop goes through a ``UrlPolicy``:

- ``check_url`` judges the text of a URL before anything is sent: http and https only, a host,
  no credentials (``user:pw@host`` is refused, and the password never appears in a message),
  and hosts that are refused by their spelling alone (``localhost``, cloud metadata names, IP
  literals of refused addresses).
- ``resolve`` is called by ``tracker.fetch`` when it opens a connection: it resolves the host
  name, refuses the host when ANY of its addresses is refused, and returns the vetted addresses,
  which the caller connects to directly. Checking and connecting use the same answer, so a
  name that re-resolves to another address between the two (DNS rebinding) gains nothing.

Addresses are judged with ``ipaddress`` after unwrapping IPv4 inside IPv6 (mapped
``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``, Teredo): an embedded address
must pass too. Numeric hosts are parsed the way the C library's ``inet_aton`` does, so
``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1; literals never
reach the resolver. Refused:

- always: cloud metadata addresses (169.254.169.254, fd00:ec2::254, 100.100.100.200, Azure's
  168.63.129.16, ...) and names (metadata.google.internal, ...), unspecified (0.0.0.0/8, ::),
  multicast, broadcast and reserved addresses, and link-local ones (169.254/16, fe80::/10);
- unless private networks are allowed: loopback (127/8, ::1, ``localhost``), private (RFC 1918,
  fc00::/7), shared (100.64/10) and anything else ``ipaddress`` does not call global.

``TRACKER_ALLOW_PRIVATE_NETWORKS=1`` (or ``allow_private=True``, e.g. from the configuration
file) lifts only the second group: a tracker on a closed network reads intranet feeds, but even
there a feed must not reach the metadata service of the machine it runs on, and link-local
addresses are where those services live. Networks named in ``allow`` (``allow=("127.0.0.1/32",)``)
are allowed whatever they are, metadata included: that is the explicit opt-in, and how tests
reach a local server while everything else private stays refused.

It does not fetch, follow redirects or time the DNS lookup (``tracker.fetch`` does all that),
and it does not rate-limit or keep lists of bad domains.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from tracker.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the host's addresses as IP literals; the policy vets every one of them.
Resolver = Callable[[str, int], Sequence[str]]

ENV_ALLOW_PRIVATE = "TRACKER_ALLOW_PRIVATE_NETWORKS"
_TRUE = frozenset({"1", "true", "yes"})
_HINT = f"set {ENV_ALLOW_PRIVATE}=1 to allow private networks"

_METADATA_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle...
        "169.254.170.2/32",  # AWS ECS task metadata
        "100.100.100.200/32",  # Alibaba Cloud
        "168.63.129.16/32",  # Azure WireServer: a public-looking address only the VM can reach
        "192.0.0.192/32",  # Oracle Cloud (older instances)
        "fd00:ec2::254/128",  # AWS IMDS over IPv6
        "fd20:ce::254/128",  # GCP metadata over IPv6
    )
)
# Names that mean the metadata service or this very machine whatever DNS says (on clouds the
# resolver answers them with the addresses above; refusing the name gives a clearer message).
_METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal",
})
_LOOPBACK_NAMES = frozenset({
    "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
})
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # "this host": 0.x.x.x reaches local services
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; ipaddress calls it neither
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")

# Query parameters whose values are secrets (compared lower-cased, after percent-decoding).
# Query parameters whose values are secrets, by name or by a part of their name ("api_key",
# "X-Amz-Signature", "access_token"); compared case-insensitively.
_SECRET_PARAM_PARTS = frozenset({
    "token", "key", "apikey", "password", "passwd", "pwd", "pass", "secret", "sig", "signature",
    "auth", "authorization", "credential", "credentials", "session", "sessionid", "jwt", "hash",
})
_SECRET_PARAM_ENDINGS = ("token", "secret", "password", "apikey", "signature")
_URL_IN_TEXT = re.compile(r"\bhttps?://[^\s'\"<>()]+", re.IGNORECASE)
_MASK = "***"
# The parts of a numeric IPv4 spelling (ASCII only: int() would also take "٣" or "7_f").
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_OCTAL = re.compile(r"0[0-7]+")
_DECIMAL = re.compile(r"[0-9]+")


class UrlRefused(FetchError):
    """The policy refuses a URL or a host; ``reason`` is the why, without the URL."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"refused {target}: {reason}")
        self.target = target
        self.reason = reason


def system_resolver(host: str, port: int) -> list[str]:
    """The host's TCP addresses from the system resolver (``getaddrinfo``), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class UrlPolicy:
    """What may be fetched. ``resolver`` is injectable so tests never touch real DNS."""

    allow_private: bool = False
    resolver: Resolver = system_resolver
    # Networks allowed whatever they are (CIDR strings), e.g. ("127.0.0.1/32",) in tests.
    allow: tuple[str, ...] = ()
    _allowed: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in self.allow)
        object.__setattr__(self, "_allowed", networks)

    @classmethod
    def from_environment(
        cls,
        allow_private: bool | None = None,
        *,
        resolver: Resolver = system_resolver,
        allow: tuple[str, ...] = (),
    ) -> UrlPolicy:
        """The policy in force: ``TRACKER_ALLOW_PRIVATE_NETWORKS`` set to 1/true/yes allows
        private networks whatever ``allow_private`` (a configuration setting) says."""
        env = os.environ.get(ENV_ALLOW_PRIVATE, "").strip().lower() in _TRUE
        return cls(allow_private=env or bool(allow_private), resolver=resolver, allow=allow)

    # -- URLs ---------------------------------------------------------------------------------

    def check_url(self, url: str) -> None:
        """Raise ``FetchError`` (``UrlRefused`` for a refusal) unless ``url`` may be requested.

        Judges the text only: the host's addresses are checked by ``resolve`` when connecting.
        """
        try:
            parts = urlsplit(url)
            _ = parts.port  # reading the port is what raises for a bad one
        except ValueError as exc:
            raise FetchError(f"invalid URL {redact_url(url)!r}: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            if not scheme:
                raise FetchError(
                    f"invalid URL {redact_url(url)!r}: it needs an http:// or https:// prefix")
            raise UrlRefused(
                redact_url(url), f"unsupported URL scheme {parts.scheme!r}: only http and https")
        if "@" in parts.netloc:
            # Credentials would be sent to whoever the URL (or a redirect) names, and stored
            # and displayed with the URL; a feed needing them belongs behind a proper setting.
            raise UrlRefused(redact_url(url), "URLs with credentials are refused")
        if not parts.hostname:
            raise FetchError(f"invalid URL {redact_url(url)!r}: no host")
        reason = self._host_problem(parts.hostname)
        if reason:
            raise UrlRefused(redact_url(url), reason)

    # -- hosts --------------------------------------------------------------------------------

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``, every one allowed; raises otherwise.

        IP literals (in any spelling) are not resolved. Raises ``UrlRefused`` for a refused
        host or address, ``FetchError`` when the name does not resolve.
        """
        name = _normal_host(host)
        literal = _ip_literal(name)
        if literal is not None:
            reason = self._address_problem(literal)
            if reason:
                raise UrlRefused(host, _literal_reason(name, literal, reason))
            return [_connect_form(literal)]
        reason = self._name_problem(name)
        if reason:
            raise UrlRefused(host, reason)
        try:
            answers = list(self.resolver(name, port))
        except (OSError, UnicodeError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise FetchError(f"cannot resolve host {host}: {detail}") from None
        if not answers:
            raise FetchError(f"cannot resolve host {host}: no addresses")
        vetted: list[str] = []
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer)
            except ValueError:
                raise UrlRefused(
                    host, f"the resolver answered {answer!r}, not an IP address") from None
            reason = self._address_problem(address)
            if reason:
                among = f" (one of its {len(answers)} addresses)" if len(answers) > 1 else ""
                raise UrlRefused(host, f"{name} resolves to {address}{among}, {reason}")
            form = _connect_form(address)
            if form not in vetted:
                vetted.append(form)
        return vetted

    def _host_problem(self, hostname: str) -> str | None:
        """Why a host is refused by its spelling alone (None: fine so far, or a DNS name)."""
        name = _normal_host(hostname)
        literal = _ip_literal(name)
        if literal is None:
            return self._name_problem(name)
        reason = self._address_problem(literal)
        return _literal_reason(name, literal, reason) if reason else None

    def _name_problem(self, name: str) -> str | None:
        if name in _METADATA_NAMES:
            return f"{name} is a cloud metadata host"
        if (name in _LOOPBACK_NAMES or name.endswith(".localhost")) and not self.allow_private:
            return f"{name} is this machine ({_HINT})"
        if _looks_numeric(name):
            # "1.2.3.999" or "example.0x10": what getaddrinfo makes of these varies by C
            # library; no real name ends in a numeric label, so refuse rather than guess.
            return f"{name} is neither an IP address nor a host name"
        return None

    def _address_problem(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be connected to, as a noun phrase; None when it may."""
        verdict = self._judge(address)
        if verdict is None:
            return None
        phrase, private = verdict
        return f"{phrase} ({_HINT})" if private else phrase

    def _judge(self, address: IPAddress) -> tuple[str, bool] | None:
        """None when allowed, else (why, whether allowing private networks would allow it)."""
        if any(address in n for n in self._allowed if n.version == address.version):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            # Mapped and NAT64 addresses reach the IPv4 address they carry and nothing else:
            # that one is judged. 6to4 and Teredo reach it too, beside their own network.
            carried = address.ipv4_mapped
            if carried is None and address in _NAT64:
                carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            tunnelled: list[ipaddress.IPv4Address] = []
            if carried is not None:
                tunnelled.append(carried)
            if address.sixtofour is not None:
                tunnelled.append(address.sixtofour)
            if address.teredo is not None:
                tunnelled.append(address.teredo[1])  # the client's (de-obfuscated) address
            for inner in tunnelled:
                verdict = self._judge(inner)
                if verdict is not None:
                    return f"an IPv6 address carrying {inner}, {verdict[0]}", verdict[1]
            if carried is not None:
                return None
        if any(address in n for n in _METADATA_NETWORKS if n.version == address.version):
            return "a cloud metadata address", False
        if address.is_unspecified or address in _THIS_NETWORK:
            return "an unspecified address", False
        if address.is_multicast:  # checked early: ipaddress calls 224.0.0.0/4 global
            return "a multicast address", False
        if address.is_link_local:
            return "a link-local address", False
        if address.is_loopback:
            return None if self.allow_private else ("a loopback address", True)
        if address == _BROADCAST:
            return "a broadcast address", False
        if address.is_reserved:
            return "a reserved address", False
        if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
            # Deprecated site-local fec0::/10, which ipaddress calls global.
            return None if self.allow_private else ("a private address", True)
        if address.is_global:
            return None
        # Private (RFC 1918, fc00::/7), shared 100.64/10, documentation and benchmark ranges.
        return None if self.allow_private else ("a private address", True)


# -- display -------------------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """``url`` fit to show: a password becomes ``***`` (a lone user name too, since tokens are
    often passed that way), and so do the values of query parameters named like secrets."""
    try:
        parts = urlsplit(url)
    except ValueError:
        # Unparsable: still never show what sits between "//" and "@".
        return re.sub(r"(//)[^/?#]*@", rf"\g<1>{_MASK}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        hostport = netloc.rpartition("@")[2]
        # The user name goes too: it may be the secret (a token as user name), and it says
        # who has access.
        netloc = f"{_MASK}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, _mask_parameters(parts.query),
                       _mask_parameters(parts.fragment)))


def redact_text(text: str) -> str:
    """Every http(s) URL inside ``text`` (an error message, a log line) redacted."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def _is_secret_parameter(name: str) -> bool:
    lowered = unquote_plus(name).strip().lower()
    parts = set(re.split(r"[^a-z0-9]+", lowered))
    return bool(parts & _SECRET_PARAM_PARTS) or lowered.endswith(_SECRET_PARAM_ENDINGS)


def _mask_parameters(query: str) -> str:
    """``a=1&token=abc`` -> ``a=1&token=***``; the other parameters stay as written."""
    out = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        out.append(f"{name}={_MASK}" if equals and _is_secret_parameter(name) else pair)
    return "&".join(out)


# -- parsing hosts -------------------------------------------------------------------------------


def _normal_host(host: str) -> str:
    """Lower-case, without IPv6 brackets or the one trailing dot of a fully qualified name."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
    return name


def _ip_literal(name: str) -> IPAddress | None:
    """The address ``name`` spells, in any form ``inet_aton`` accepts, or None for a name."""
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name)
        except ValueError:
            return None
    numbers = [_inet_number(part) for part in name.split(".")]
    if not 1 <= len(numbers) <= 4 or None in numbers:
        return None
    *leading, last = [n for n in numbers if n is not None]
    # a.b.c.d, a.b.c16, a.b24, a32: the last part fills the bytes the others leave.
    if any(n > 255 for n in leading) or last >= 256 ** (4 - len(leading)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _inet_number(part: str) -> int | None:
    """One dotted part as ``inet_aton`` reads it: 0x hex, leading-zero octal, else decimal."""
    if _HEX.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.fullmatch(part):
        return int(part, 8)
    if _DECIMAL.fullmatch(part):
        return int(part, 10)
    return None


def _looks_numeric(name: str) -> bool:
    """Whether the last label is a number: an attempt at an IP address, not a DNS name."""
    last = name.rsplit(".", 1)[-1]
    return bool(last) and _inet_number(last) is not None


def _connect_form(address: IPAddress) -> str:
    """The literal to connect to: a mapped IPv6 address is its IPv4 address on the wire."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _literal_reason(name: str, address: IPAddress, reason: str) -> str:
    try:
        standard = ipaddress.ip_address(name) == address
    except ValueError:
        standard = False
    if standard:
        return f"{name} is {reason}"
    return f"{name} is {address}, {reason}"  # an unusual spelling: say which address it means
