"""URL identity: plain functions, no Scrapy.

Every URL is canonicalised before anything else so the same article is never fetched or stored
twice. Which addresses may be fetched is decided by presswatch/addresses.py, the one rule the
crawl's middleware and resolver share with every other fetch.
"""

from __future__ import annotations

import base64
import binascii
import html
import ipaddress
import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

_DEFAULT_PORTS = {"http": 80, "https": 443}
_GOOGLE_NEWS_HOSTS = {"news.google.com"}
_GOOGLE_NEWS_PATH = re.compile(r"^/(?:rss/)?articles/([A-Za-z0-9_-]+)")
_EMBEDDED_URL = re.compile(rb"https?://[\x21-\x7e]+")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")
_DATA_N_AU = re.compile(rb'data-n-au="(https?://[^"\s<>]+)"')


if TYPE_CHECKING:  # imported on first use: a crawl that reads no sitemap never needs it
    import tldextract


class BadUrl(ValueError):
    """A string that is not a usable http(s) URL; the message names it."""


@lru_cache(maxsize=1)
def _tracking_rules() -> tuple[frozenset[str], tuple[str, ...]]:
    text = (resources.files(__package__) / "tracking_params.txt").read_text(encoding="utf-8")
    names = [line.strip().lower() for line in text.splitlines()]
    names = [n for n in names if n and not n.startswith("#")]
    exact = frozenset(n for n in names if not n.endswith("*"))
    prefixes = tuple(n[:-1] for n in names if n.endswith("*"))
    return exact, prefixes


def is_tracking_param(name: str) -> bool:
    exact, prefixes = _tracking_rules()
    lowered = name.lower()
    return lowered in exact or lowered.startswith(prefixes)


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # Only a host that starts with a digit (IPv4) or has a colon (IPv6) can be an address:
    # a name is not handed to ip_address, which raises twice on one (a third of canonicalize).
    if not (host[:1].isdigit() or ":" in host):
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _clean_host(host: str, url: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        raise BadUrl(f"{url!r}: no host name")
    ip = _ip_address(host.strip("[]"))
    if ip is not None:
        return f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise BadUrl(f"{url!r}: host {host!r} is not a valid domain name") from exc
    if not re.fullmatch(r"[a-z0-9_.-]+", ascii_host) or ".." in ascii_host:
        raise BadUrl(f"{url!r}: host {host!r} is not a valid domain name")
    return ascii_host


def canonicalize(url: str) -> str:
    """The one spelling of a URL used as its identity (see _canonicalize).

    The last few answers are kept: a crawl meets each URL in a feed, in a sitemap and as the
    response's URL, and extraction asks for a page's URL twice (URLs of up to 2,000
    characters; a longer one is worked out each time).
    """
    if isinstance(url, str) and len(url) <= _CACHED_URL_CHARS:
        return _canonicalize_cached(url)
    return _canonicalize(url)


def _canonicalize(url: str) -> str:
    """The one spelling of a URL used as its identity.

    Scheme and host lower-case (IDN hosts as punycode), default ports and user info dropped,
    fragment dropped, dot segments resolved, percent-encoding normalised, tracking parameters
    (see tracking_params.txt) removed, remaining query sorted, empty path made "/". A trailing
    slash on a longer path is kept as published: /a and /a/ may be different resources, and
    dropping it could turn a working link into a 404; a page's rel=canonical settles it after
    the fetch. Raises BadUrl for anything that is not an absolute http(s) URL.
    """
    raw = url.strip() if isinstance(url, str) else ""
    if not raw or _CONTROL_CHARACTER.search(raw):
        raise BadUrl(f"{url!r}: empty or contains control characters")
    try:
        parts = urlsplit(raw)
        port = parts.port
        hostname = parts.hostname
    except ValueError as exc:
        raise BadUrl(f"{url!r}: cannot parse as a URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadUrl(f"{url!r}: only http and https URLs are crawled")
    host = _clean_host(hostname or "", url)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not is_tracking_param(k)]
    )
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    try:
        normalised = _w3lib_canonicalize(rebuilt, keep_blank_values=True)
    except (ValueError, UnicodeError) as exc:
        raise BadUrl(f"{url!r}: cannot normalise ({exc})") from exc
    # w3lib leaves a bare "?" when every parameter was blank; it carries no meaning.
    return normalised.rstrip("?")


_CACHED_URL_CHARS = 2000
_canonicalize_cached = lru_cache(maxsize=256)(_canonicalize)


def canonical_or_none(url: str) -> str | None:
    """canonicalize(url), or None for a URL that cannot be one (a stranger's list of links)."""
    try:
        return canonicalize(url)
    except BadUrl:
        return None


@lru_cache(maxsize=1)
def _suffix_extractor() -> tldextract.TLDExtract:
    # The public suffix list snapshot bundled with tldextract: never fetched, never cached on disk.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def outlet_of(url: str) -> str:
    """The registered domain (bbc.co.uk for www.bbc.co.uk), or the host when there is none
    (an IP address or localhost), so articles group by publisher."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        host = ""
    host = host.rstrip(".").lower()
    if not host:
        raise BadUrl(f"{url!r}: no host name")
    parts = _suffix_extractor()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def is_google_news_url(url: str) -> bool:
    try:
        return (urlsplit(url).hostname or "").lower() in _GOOGLE_NEWS_HOSTS
    except ValueError:
        return False


def google_news_publisher_url(url: str) -> str | None:
    """The publisher URL embedded in a news.google.com/rss/articles/<id> link, if it is.

    Older ids are base64 protobufs holding the URL in clear; newer ones ("AU_yqL...") only
    resolve through Google, so for those this returns None and the crawl follows the link.
    """
    if not is_google_news_url(url):
        return None
    match = _GOOGLE_NEWS_PATH.match(urlsplit(url).path)
    if not match:
        return None
    token = match.group(1)
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    found = _EMBEDDED_URL.search(data)
    if not found:
        return None
    embedded = found.group(0)
    length = _length_prefix(data, found.start())
    if length is not None and length <= len(embedded):
        embedded = embedded[:length]
    try:
        return canonicalize(embedded.decode("ascii"))
    except BadUrl:
        return None


def google_news_page_target(page_url: str, body: bytes) -> str | None:
    """The publisher URL named on a news.google.com article page (data-n-au attribute).

    Google answers some article links with its own page instead of an HTTP redirect; that page
    names the publisher in data-n-au. None when the page is not Google's or names nothing.
    """
    if not is_google_news_url(page_url):
        return None
    found = _DATA_N_AU.search(body[:500_000])
    if not found:
        return None
    try:
        return canonicalize(html.unescape(found.group(1).decode("ascii", errors="replace")))
    except BadUrl:
        return None


def _length_prefix(data: bytes, start: int) -> int | None:
    """The protobuf varint length just before data[start], when there is one."""
    if start >= 2 and data[start - 2] >= 0x80 and data[start - 1] < 0x80:
        return (data[start - 2] & 0x7F) | (data[start - 1] << 7)
    if start >= 1 and data[start - 1] < 0x80:
        return data[start - 1]
    return None
