"""The one address rule: public always, loopback when allowed, other private networks only by
name, link-local never."""

from __future__ import annotations

import ipaddress

import pytest

from presswatch.addresses import AddressPolicy, BadNetwork, UrlRefused, check_url, parse_networks


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/", "http://127.8.9.10:8080/x", "http://10.0.0.5/", "http://172.16.3.4/",
        "http://172.31.255.255/", "http://192.168.1.1/", "http://169.254.169.254/latest/",
        "http://0.0.0.0/", "http://100.64.0.1/", "http://[::1]/", "http://[fc00::1]/",
        "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/", "http://localhost/",
    ],
)
def test_private_and_special_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(UrlRefused, match="non-public address|link-local"):
        check_url(url, AddressPolicy())


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1/", True), ("http://127.8.9.10:8080/x", True), ("http://[::1]/", True),
        ("http://[::ffff:127.0.0.1]/", True), ("http://localhost/", True),
        ("http://10.0.0.5/", False), ("http://192.168.1.1/", False), ("http://[fc00::1]/", False),
        ("http://169.254.169.254/latest/meta-data/", False), ("http://[fe80::1]/", False),
        ("http://0.0.0.0/", False),
    ],
)
def test_allowing_private_hosts_allows_loopback_only(url: str, allowed: bool) -> None:
    policy = AddressPolicy(allow_loopback=True)
    if allowed:
        check_url(url, policy)
    else:
        with pytest.raises(UrlRefused):
            check_url(url, policy)


def test_a_named_network_is_allowed_and_nothing_beside_it() -> None:
    policy = AddressPolicy.of(networks=["10.0.0.0/8"])
    check_url("http://10.1.2.3/", policy)
    for url in ("http://192.168.1.1/", "http://127.0.0.1/", "http://169.254.169.254/"):
        with pytest.raises(UrlRefused):
            check_url(url, policy)


@pytest.mark.parametrize("spec", ["169.254.0.0/16", "169.254.169.254/32", "0.0.0.0/0",
                                  "fe80::/10", "::/0"])
def test_link_local_can_never_be_allowed(spec: str) -> None:
    with pytest.raises(BadNetwork, match="link-local"):
        parse_networks([spec])
    with pytest.raises(UrlRefused, match="link-local"):
        check_url("http://169.254.169.254/", AddressPolicy(True, (ipaddress.ip_network(
            "169.254.0.0/16"),)))


def test_a_bad_network_is_named() -> None:
    with pytest.raises(BadNetwork, match="'intranet'"):
        parse_networks(["intranet"])


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/"])
def test_other_schemes_are_refused_even_with_loopback_allowed(url: str) -> None:
    with pytest.raises(UrlRefused, match="only http"):
        check_url(url, AddressPolicy(allow_loopback=True))


def test_public_addresses_are_allowed_and_kept_for_the_connection() -> None:
    target = check_url("https://93.184.215.14/a", AddressPolicy())
    assert (target.host, target.port, target.addresses) == (
        "93.184.215.14", 443, (ipaddress.ip_address("93.184.215.14"),))
    check_url("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", AddressPolicy())


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    def resolve(host: str) -> list[str]:
        return {"mixed.example": ["93.184.215.14", "10.0.0.7"],
                "public.example": ["93.184.215.14"]}[host]

    with pytest.raises(UrlRefused, match="10.0.0.7"):
        check_url("http://mixed.example/", AddressPolicy(), resolve)
    assert check_url("http://public.example:8080/", AddressPolicy(), resolve).port == 8080


def test_an_unresolvable_name_is_refused_with_the_reason() -> None:
    def resolve(host: str) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UrlRefused, match="cannot resolve host 'nowhere.invalid'"):
        check_url("http://nowhere.invalid/", AddressPolicy(), resolve)
