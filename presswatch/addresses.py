"""Which addresses presswatch may fetch from: one rule for the crawl, the archives, the story
tools and the alert channels (standard library only, so every layer can use it).

Public (globally routable unicast) addresses are always allowed. Loopback is allowed when a
run says so (`--allow-private-hosts`: tests, the demo, a source on this machine); other private
ranges only when named one by one (`--allow-private-network 10.0.0.0/8`). Link-local addresses
(169.254.0.0/16, fe80::/10) are never fetched: cloud metadata services live there, and no news
source does. A name is refused if any of its addresses is refused: a name that answers both is
how DNS tricks reach internal services.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]

DEFAULT_PORTS = {"http": 80, "https": 443}
LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")


class UrlRefused(ValueError):
    """A URL presswatch must not fetch (scheme or address); the message says why."""


class Unresolvable(UrlRefused):
    """The host name has no address here (it cannot be checked, so it is not fetched)."""


class BadNetwork(ValueError):
    """A network given to allow that is not one, or that takes in link-local addresses."""


def parse_networks(specs: Collection[str]) -> tuple[IpNetwork, ...]:
    """"10.0.0.0/8"-style strings to networks; BadNetwork names a bad one, or one that
    overlaps the link-local ranges (those are never allowed)."""
    networks = []
    for spec in specs:
        try:
            network = ipaddress.ip_network(str(spec).strip(), strict=False)
        except ValueError as exc:
            raise BadNetwork(f"{spec!r}: not an IP network such as 10.0.0.0/8") from exc
        if any(network.version == ll.version and network.overlaps(ll) for ll in LINK_LOCAL):
            raise BadNetwork(f"{spec!r} takes in link-local addresses (169.254.0.0/16, "
                             "fe80::/10), which are never fetched: name a narrower network")
        networks.append(network)
    return tuple(networks)


@dataclass(frozen=True)
class AddressPolicy:
    """The addresses beyond the public internet that one run may reach."""

    allow_loopback: bool = False
    networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def of(cls, allow_private_hosts: bool = False, networks: Collection[str] = ()
           ) -> AddressPolicy:
        return cls(allow_private_hosts, parse_networks(networks))

    @classmethod
    def operator_chosen(cls) -> AddressPolicy:
        """For an address the operator configured (an alert webhook), never one a page or a
        feed named: loopback and the private networks allowed, link-local still not."""
        return cls.of(True, PRIVATE_NETWORKS)

    def refusal(self, address: IpAddress) -> str | None:
        """Why the address may not be fetched, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return self.refusal(address.ipv4_mapped)
        if any(address in network for network in LINK_LOCAL):
            return (f"link-local address {address} is never fetched (cloud metadata services "
                    "live there)")
        if any(address in network for network in self.networks):
            return None
        if address.is_loopback:
            if self.allow_loopback:
                return None
            return (f"non-public address {address} (loopback is refused; allow it with "
                    "--allow-private-hosts, or allow_private_hosts = true under [crawl])")
        if address.is_global and not address.is_multicast:
            return None
        return (f"non-public address {address} (private networks are refused; allow one with "
                "--allow-private-network NETWORK, or allow_private_networks under [crawl])")


def system_resolver(host: str) -> list[str]:
    """The host's addresses as the operating system resolves them."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the addresses that were checked) and under which
    name (for the Host header and the TLS certificate)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IpAddress, ...]


def check_url(url: str, policy: AddressPolicy, resolve: Resolver = system_resolver) -> Target:
    """The URL's checked target; UrlRefused unless it is http(s) and every address of its host
    is allowed. Connect to `Target.addresses`, never to the name again: a second lookup could
    answer differently (DNS rebinding)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"{url!r}: cannot parse as a URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlRefused(f"{url!r}: scheme {parts.scheme or '(none)'!r} refused, only http(s)")
    if not host:
        raise UrlRefused(f"{url!r}: no host name")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a) for a in resolve(host)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise Unresolvable(f"{url!r}: cannot resolve host {host!r} ({exc})") from exc
    if not addresses:
        raise Unresolvable(f"{url!r}: host {host!r} has no address")
    for address in addresses:
        reason = policy.refusal(address)
        if reason is not None:
            raise UrlRefused(f"{url!r}: host {host!r} is at {reason}")
    return Target(scheme, host, port or DEFAULT_PORTS[scheme], tuple(addresses))
