"""URL identity, table-driven, plus a fuzz of canonicalize. (The address rule is tested in
tests/net/test_addresses.py.)"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presswatch.spiders.urls import (
    BadUrl,
    canonicalize,
    google_news_page_target,
    google_news_publisher_url,
    outlet_of,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x",
         "http://example.com/a"),
        ("http://example.com/a?id=7&fbclid=IwAR0&gclid=abc&mc_cid=1&mc_eid=2",
         "http://example.com/a?id=7"),
        ("http://example.com/a?UTM_Source=x&id=7", "http://example.com/a?id=7"),
        ("http://example.com/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com/a?", "http://example.com/a"),
        ("http://example.com/a?flag", "http://example.com/a?flag="),
        ("http://example.com/a/../b/./c", "http://example.com/b/c"),
        ("http://example.com/%7euser", "http://example.com/~user"),
        ("http://example.com/caf%c3%a9", "http://example.com/caf%C3%A9"),
        ("http://example.com/café", "http://example.com/caf%C3%A9"),
        ("http://user:secret@example.com/a", "http://example.com/a"),
        ("http://Example.com./a", "http://example.com/a"),
        ("http://bücher.de/a", "http://xn--bcher-kva.de/a"),
        ("http://[::1]:80/a", "http://[::1]/a"),
        ("  http://example.com/a  ", "http://example.com/a"),
        # Trailing slashes stay as published: /a and /a/ can be different resources.
        ("http://example.com/a/", "http://example.com/a/"),
        # Parameters that look like tracking but are content stay.
        ("http://example.com/search?q=utm_source", "http://example.com/search?q=utm_source"),
        ("http://example.com/a?page=2", "http://example.com/a?page=2"),
    ],
)
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_canonicalize_is_idempotent_on_the_table() -> None:
    url = "HTTP://Example.COM:80/a/../b?z=1&utm_source=x&a=2#f"
    assert canonicalize(canonicalize(url)) == canonicalize(url)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "example.com/a", "/relative/path", "mailto:news@example.com",
     "javascript:alert(1)", "ftp://example.com/file", "file:///etc/passwd", "http://",
     "http://exa mple.com/", "http://example.com:99999/", "http://example.com/a\nb",
     "data:text/html,<b>hi</b>"],
)
def test_canonicalize_refuses_what_is_not_an_http_url(raw: str) -> None:
    with pytest.raises(BadUrl):
        canonicalize(raw)


_url_like_text = st.one_of(
    st.text(max_size=200),
    st.builds("".join, st.tuples(st.sampled_from(["http://", "https://", "HTTPS://", "http:/"]),
                                 st.text(max_size=60))),
)


def test_canonicalize_fuzz_only_bad_url_escapes() -> None:
    outcomes = {"canonical": 0, "refused": 0}

    @given(_url_like_text)
    @settings(max_examples=400, deadline=None, database=None)
    def check(raw: str) -> None:
        try:
            result = canonicalize(raw)
        except BadUrl:
            outcomes["refused"] += 1
            return
        outcomes["canonical"] += 1
        assert result.startswith(("http://", "https://"))
        assert canonicalize(result) == result

    check()
    # Both paths were taken: the property held for URLs that got through, not only for refusals.
    assert outcomes["canonical"] >= 20 and outcomes["refused"] >= 20, outcomes


_url_parts = st.fixed_dictionaries({
    "scheme": st.sampled_from(["http", "https", "HTTP"]),
    "host": st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|co\.uk)", fullmatch=True),
    "path": st.lists(st.text("abc%/.~-_é", max_size=8), max_size=4),
    "query": st.lists(st.tuples(st.sampled_from(["a", "b", "utm_x", "fbclid", "id"]),
                                st.text("xyz=&", max_size=4)), max_size=4),
    "fragment": st.text("abc", max_size=4),
})


def test_canonicalize_fuzz_urls_are_stable_and_untracked() -> None:
    canonical = []

    @given(_url_parts)
    @settings(max_examples=300, deadline=None, database=None)
    def check(parts: dict) -> None:
        query = "&".join(f"{k}={v}" for k, v in parts["query"])
        path = "/".join(parts["path"])
        url = f"{parts['scheme']}://{parts['host']}/{path}?{query}#{parts['fragment']}"
        try:
            result = canonicalize(url)
        except BadUrl:
            return
        canonical.append(result)
        assert canonicalize(result) == result
        assert "#" not in result and "utm_x=" not in result and "fbclid=" not in result

    check()
    # Every generated URL is a well-formed http(s) URL: most must get through to the asserts.
    assert len(canonical) >= 250, len(canonical)


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.theverge.com/2024/11/26/x", "theverge.com"),
        ("https://feeds.arstechnica.com/arstechnica/index", "arstechnica.com"),
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
        ("http://127.0.0.2:8001/a", "127.0.0.2"),
        ("http://localhost:8000/", "localhost"),
    ],
)
def test_outlet_of(url: str, outlet: str) -> None:
    assert outlet_of(url) == outlet


def _google_token(url: str) -> str:
    data = url.encode()
    length = bytes([len(data)]) if len(data) < 0x80 else bytes(
        [(len(data) & 0x7F) | 0x80, len(data) >> 7])
    raw = b"\x08\x13\x22" + length + data + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "publisher",
    ["https://www.theverge.com/2024/11/26/24306879/openai-sora-leak?utm_source=gn",
     "https://techcrunch.com/" + "long-path/" * 20],
)
def test_google_news_links_decode_to_the_publisher(publisher: str) -> None:
    link = f"https://news.google.com/rss/articles/{_google_token(publisher)}?oc=5"
    assert google_news_publisher_url(link) == canonicalize(publisher)


@pytest.mark.parametrize(
    "link",
    [
        # The newer opaque ids only resolve through Google: the crawl follows them instead.
        "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(
            b"\x08\x13\x22\x00AU_yqLOpaqueIdentifier").decode().rstrip("="),
        "https://news.google.com/rss/articles/!!!not-base64",
        "https://news.google.com/topics/CAAqBwgKMK",
        "https://example.com/rss/articles/" + _google_token("https://example.org/a"),
    ],
)
def test_google_news_links_that_cannot_be_decoded(link: str) -> None:
    assert google_news_publisher_url(link) is None


@pytest.mark.parametrize(
    ("page_url", "body", "expected"),
    [
        ("https://news.google.com/rss/articles/AU_yqLabc?oc=5",
         b'<c-wiz data-n-au="https://www.theverge.com/a?x=1&amp;utm_source=gn" jsdata="x">',
         "https://www.theverge.com/a?x=1"),
        ("https://news.google.com/rss/articles/AU_yqLabc", b"<html>no target</html>", None),
        ("https://news.google.com/rss/articles/AU_yqLabc",
         b'<div data-n-au="javascript:alert(1)">', None),
        # Only Google's own pages are trusted to name a publisher this way.
        ("https://evil.example/page", b'<c-wiz data-n-au="https://www.theverge.com/a">', None),
    ],
)
def test_google_news_page_names_the_publisher(page_url: str, body: bytes,
                                              expected: str | None) -> None:
    assert google_news_page_target(page_url, body) == expected
