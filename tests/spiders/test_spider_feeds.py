"""Feed and sitemap parsing on bytes, no crawl: every bad feed becomes an error string."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presswatch.spiders.feeds import parse_feed, parse_sitemap, parse_w3c_datetime

NOW = datetime(2024, 11, 28, 12, 0, tzinfo=UTC)
SOURCE = "https://news.example/feed"


def feed(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        + "".join(items) + "</channel></rss>"
    ).encode("utf-8")


def item(link: str | None = None, guid: str | None = None, date_: str | None = None,
         title: str = "A title") -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date_:
        parts.append(f"<pubDate>{date_}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def parse(body: bytes, **kw):
    return parse_feed(body, source_url=SOURCE, now=NOW, **kw)


def test_rss_entries_become_canonical_candidates_with_utc_dates() -> None:
    result = parse(feed(item("https://News.example/a?utm_source=rss", "1",
                             "Tue, 26 Nov 2024 10:00:00 +0100", "Sora   leaked")))
    assert result.error is None
    [candidate] = result.candidates
    assert candidate.url == "https://news.example/a"
    assert candidate.published_at == datetime(2024, 11, 26, 9, 0, tzinfo=UTC)
    assert candidate.title == "Sora leaked" and candidate.source_url == SOURCE


def test_atom_feed() -> None:
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>A</title><id>urn:a</id><updated>2024-11-26T10:00:00Z</updated>"
        b'<entry><title>One</title><id>urn:1</id><link rel="alternate" href="https://a.example/1"/>'
        b"<updated>2024-11-26T10:00:00Z</updated></entry>"
        b'<entry><title>Two</title><id>urn:2</id><link rel="alternate" href="/2"/>'
        b"<published>2024-11-27T08:30:00-05:00</published></entry></feed>"
    )
    result = parse_feed(atom, source_url="https://a.example/atom.xml", now=NOW)
    assert result.error is None
    assert [(c.url, c.published_at.hour) for c in result.candidates] == [
        ("https://a.example/1", 10), ("https://a.example/2", 13)]


def test_entries_without_links_and_duplicates_are_skipped_and_counted() -> None:
    result = parse(feed(
        item("https://news.example/a", "g1"),
        item(None, "g-nolink"),
        item("https://news.example/b", "g1"),          # same GUID
        item("https://news.example/a#comments", "g3"),  # same canonical link
        item("javascript:alert(1)", "g4"),
        item("https://news.example/c", "g5"),
    ))
    assert [c.url for c in result.candidates] == ["https://news.example/a", "https://news.example/c"]
    assert result.skipped == {"entry without a link": 1, "duplicate GUID or link": 2,
                              "link is not an http(s) URL": 1}


@pytest.mark.parametrize(
    ("pub_date", "kept", "published_at"),
    [
        ("Tue, 26 Nov 2024 10:00:00 GMT", True, datetime(2024, 11, 26, 10, tzinfo=UTC)),
        ("Fri, 29 Nov 2024 10:00:00 GMT", True, datetime(2024, 11, 29, 10, tzinfo=UTC)),  # skew
        ("Sat, 26 Nov 2099 10:00:00 GMT", True, None),  # far future: date ignored, entry kept
        ("Thu, 01 Jan 1970 00:00:00 GMT", True, None),  # implausibly old: ignored, kept
        ("Mon, 04 Nov 2024 10:00:00 GMT", False, None),  # before the story started
        ("not a date at all", True, None),
        (None, True, None),
    ],
)
def test_dates(pub_date: str | None, kept: bool, published_at: datetime | None) -> None:
    result = parse(feed(item("https://news.example/a", "1", pub_date)), since=date(2024, 11, 20))
    assert bool(result.candidates) is kept
    if kept:
        assert result.candidates[0].published_at == published_at


def test_html_served_as_a_feed_is_an_error() -> None:
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>"
    result = parse(page, content_type="text/html; charset=utf-8")
    assert result.error == "HTML page instead of a feed (content type text/html; charset=utf-8)"
    assert result.candidates == []


@pytest.mark.parametrize("body", [b"", b"   \n", b"\x00\x01\x02garbage", b"just text"])
def test_empty_or_garbage_is_an_error(body: bytes) -> None:
    result = parse(body)
    assert result.error and result.candidates == []


def test_malformed_xml_keeps_what_lenient_parsing_recovered_and_says_so() -> None:
    body = feed(item("https://news.example/a", "1"), item("https://news.example/b", "2"))[:-25]
    result = parse(body)
    assert result.error.startswith("malformed feed (SAXParseException")
    assert "entries recovered by lenient parsing" in result.error
    assert "https://news.example/a" in [c.url for c in result.candidates]


def test_wrong_encoding_declaration() -> None:
    # Declared UTF-8, written in cp1252: feedparser falls back; the entry must survive.
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            + item("https://news.example/caf", "1", title="Café crème") + "</channel></rss>"
            ).encode("cp1252")
    result = parse(body)
    assert [c.url for c in result.candidates] == ["https://news.example/caf"]


def test_missing_encoding_declaration_in_latin1() -> None:
    body = ('<rss version="2.0"><channel><title>T</title>'
            + item("https://news.example/x", "1", title="Größe") + "</channel></rss>"
            ).encode("latin-1")
    assert [c.url for c in parse(body).candidates] == ["https://news.example/x"]


def test_google_news_items_resolve_to_the_publisher() -> None:
    import base64

    target = b"https://www.theverge.com/2024/11/26/sora-leak"
    token = base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(target)]) + target + b"\xd2\x01"
                                     ).decode().rstrip("=")
    google = f"https://news.google.com/rss/articles/{token}?oc=5"
    opaque = "https://news.google.com/rss/articles/AU_yqLxyz?oc=5"
    result = parse(feed(item(google, "1"), item(opaque, "2")))
    assert [c.url for c in result.candidates] == [target.decode(), opaque]


def test_a_large_feed_parses() -> None:
    items = [item(f"https://news.example/{i}", str(i), "Tue, 26 Nov 2024 10:00:00 GMT")
             for i in range(5000)]
    result = parse(feed(*items))
    assert len(result.candidates) == 5000 and result.error is None


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_feed_fuzz_bytes_never_raise(body: bytes) -> None:
    result = parse(body)
    assert result.error is not None or isinstance(result.candidates, list)


_xmlish = st.lists(st.sampled_from([
    "<rss>", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<link>", "</link>",
    "<guid>", "</guid>", "<pubDate>", "</pubDate>", "https://a.example/x", "&amp;", "&bogus;",
    "Tue, 26 Nov 2024 10:00:00 GMT", "<![CDATA[", "]]>", "<entry>", "<feed>", "\x00", "é",
    '<?xml version="1.0" encoding="latin-1"?>', "<!DOCTYPE x [<!ENTITY e 'x'>]>", "&e;",
    "&#xD800;", "&#99999999999;", "<urlset>", "<url>", "<loc>", "</loc>", "<lastmod>",
]), max_size=40).map(lambda parts: "".join(parts).encode("utf-8"))


@given(_xmlish)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_feed_fuzz_xmlish_never_raises(body: bytes) -> None:
    sitemap(body)
    result = parse(body, since=date(2024, 11, 1))
    for candidate in result.candidates:
        assert candidate.url.startswith(("http://", "https://"))


NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def urlset(*urls: str) -> bytes:
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="{NEWS}">' + "".join(urls) + "</urlset>").encode()


def news_url(loc: str, published: str, title: str = "T") -> str:
    return (f"<url><loc>{loc}</loc><news:news><news:publication><news:name>N</news:name>"
            "<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{published}</news:publication_date>"
            f"<news:title>{title}</news:title></news:news></url>")


def sitemap(body: bytes, since: date | None = date(2024, 11, 26), max_size: int = 10_000_000):
    return parse_sitemap(body, source_url="https://v.example/sitemap.xml", now=NOW,
                         max_size=max_size, since=since)


def test_google_news_sitemap_keeps_entries_since_the_start_date() -> None:
    result = sitemap(urlset(
        news_url("https://v.example/new?utm_source=x", "2024-11-26T14:00:00+01:00", "Sora"),
        news_url("https://v.example/old", "2024-11-20"),
        "<url><loc>https://v.example/lastmod</loc><lastmod>2024-11-27</lastmod></url>",
        "<url><loc>https://v.example/undated</loc></url>",
        news_url("https://v.example/future", "2099-01-01"),
    ))
    assert [(c.url, c.title, c.published_at) for c in result.candidates] == [
        ("https://v.example/new", "Sora", datetime(2024, 11, 26, 13, tzinfo=UTC)),
        ("https://v.example/lastmod", None, datetime(2024, 11, 27, tzinfo=UTC)),
    ]
    assert result.skipped["older than the story's start date"] == 1
    assert result.skipped["no plausible date, cannot show it is newer"] == 2


def test_without_a_start_date_undated_entries_are_kept() -> None:
    result = sitemap(urlset("<url><loc>https://v.example/undated</loc></url>"), since=None)
    assert [c.url for c in result.candidates] == ["https://v.example/undated"]


def test_sitemap_index_lists_children_newer_than_the_start() -> None:
    body = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sitemap><loc>https://v.example/s-2024-11.xml</loc><lastmod>2024-11-27</lastmod>"
            b"</sitemap><sitemap><loc>https://v.example/s-2019.xml</loc>"
            b"<lastmod>2019-01-01</lastmod></sitemap>"
            b"<sitemap><loc>https://v.example/s-undated.xml</loc></sitemap></sitemapindex>")
    result = sitemap(body)
    assert result.sitemaps == ["https://v.example/s-2024-11.xml", "https://v.example/s-undated.xml"]
    assert result.candidates == [] and result.error is None


def test_gzipped_sitemap_and_gzip_bomb() -> None:
    body = urlset(news_url("https://v.example/new", "2024-11-27"))
    assert [c.url for c in sitemap(gzip.compress(body)).candidates] == ["https://v.example/new"]
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b"<" + b" " * 20_000_000) + packer.flush()
    result = sitemap(bomb, max_size=1_000_000)
    assert result.error == "sitemap larger than 1000000 bytes once decompressed"


@pytest.mark.parametrize(
    ("body", "error"),
    [(b"", "not a sitemap"), (b"<html><body>Home</body></html>", "not a sitemap: HTML page"),
     (b'<rss version="2.0"></rss>', "not a sitemap: root element <rss>"),
     (b"\x1f\x8bnot really gzip", "broken gzip sitemap")],
)
def test_not_a_sitemap(body: bytes, error: str) -> None:
    assert sitemap(body).error.startswith(error)


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_sitemap_fuzz_never_raises(body: bytes) -> None:
    sitemap(body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-11-26", datetime(2024, 11, 26, tzinfo=UTC)),
     ("2024-11-26T10:00:00Z", datetime(2024, 11, 26, 10, tzinfo=UTC)),
     ("2024-11-26T10:00:00.123+02:00", datetime(2024, 11, 26, 8, 0, 0, 123000, tzinfo=UTC)),
     ("yesterday", None), ("", None), (None, None)],
)
def test_w3c_datetimes(value: str | None, expected: datetime | None) -> None:
    assert parse_w3c_datetime(value) == expected


def test_feed_titles_are_single_clean_lines() -> None:
    result = parse(feed(item("https://news.example/a", "1",
                             title="Line one&#13;&#10;Line two &#27;[2J \u202eflip")))
    assert result.candidates[0].title == "Line one Line two [2J flip"


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>")


def test_entity_expansion_bomb_is_stopped() -> None:
    body = (_LAUGHS + '<rss version="2.0"><channel><title>&lol9;</title><item>'
            "<link>https://news.example/a</link><title>&lol9;</title></item></channel></rss>")
    result = parse(body.encode())
    assert "amplification" in result.error
    assert all(len(c.title or "") < 100 for c in result.candidates)
    urlset_bomb = _LAUGHS + "<urlset><url><loc>https://v.example/&lol9;</loc></url></urlset>"
    assert sitemap(urlset_bomb.encode(), since=None).candidates == []


def test_external_entities_are_never_read() -> None:
    body = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<rss version="2.0"><channel><title>T</title><item>'
            "<link>https://news.example/a</link><title>&x;</title></item></channel></rss>")
    assert all("root:" not in (c.title or "") for c in parse(body.encode()).candidates)
    urlset = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
              "<urlset><url><loc>https://v.example/&x;</loc></url></urlset>")
    assert [c.url for c in sitemap(urlset.encode(), since=None).candidates] in (
        [], ["https://v.example/"])


def test_feedparser_crash_is_a_reported_error() -> None:
    result = parse(b"<urlset>&#xD800;")  # feedparser raises UnicodeEncodeError on this
    assert result.error.startswith("feed parser failed on this feed: UnicodeEncodeError")


def test_sitemap_entries_on_other_sites_are_skipped() -> None:
    body = urlset(
        news_url("https://www.outlet-news.com/own", "2024-11-27"),
        news_url("https://outlet-news.com/same-site", "2024-11-27"),
        news_url("https://elsewhere.com/planted", "2024-11-27"),
    )
    result = parse_sitemap(body, source_url="https://www.outlet-news.com/news-sitemap.xml",
                           now=NOW, max_size=1_000_000)
    assert [c.url for c in result.candidates] == [
        "https://www.outlet-news.com/own", "https://outlet-news.com/same-site"]
    assert result.skipped["loc on another site than the sitemap"] == 1
