"""Extraction on saved pages: text and metadata, encodings, canonical rules, hostile bodies."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presswatch.records import Article, FetchedPage, stable_id
from presswatch.spiders.extract import (
    ExtractionFailure,
    NoArticleText,
    choose_canonical,
    decode_html,
    extract_article,
    extract_pages,
)
from presswatch.spiders.sniff import sniff_non_html

FETCHED_AT = datetime(2024, 11, 27, 9, 0, tzinfo=UTC)
URL = "https://www.outlet-news.com/2024/11/26/sora-leak"


def fetched(url: str = URL, encoding: str | None = "utf-8", **kw) -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status=200, fetched_at=FETCHED_AT,
                       source_url="https://www.outlet-news.com/feed", encoding=encoding, **kw)


def test_article_text_and_metadata(article_page) -> None:
    html = article_page("Artists leak OpenAI's Sora", author="Jane Doe; John Roe",
                        published="2024-11-26T14:30:00+01:00")
    article = extract_article(fetched(), html.encode())
    assert article.title == "Artists leak OpenAI's Sora"
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.published_at == datetime(2024, 11, 26, 13, 30, tzinfo=UTC)
    assert article.language == "en"
    assert article.canonical_url == URL and article.article_id == stable_id(URL)
    assert article.outlet == "outlet-news.com"
    assert "without pay" in article.text and "Copyright" not in article.text
    assert article.word_count == len(article.text.split())
    assert gzip.decompress(article.raw_html_gz).decode() == html


def test_a_date_after_the_fetch_is_dropped(article_page) -> None:
    html = article_page("Dated in the future", published="2031-01-01T00:00:00+00:00")
    undated_url = "https://www.outlet-news.com/tech/sora-leak"
    assert extract_article(fetched(undated_url), html.encode()).published_at is None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (None, URL),
        ("/2024/11/26/sora-leak?utm_source=twitter", URL),
        ("https://outlet-news.com/2024/11/26/amp", "https://outlet-news.com/2024/11/26/amp"),
        ("https://www.other-outlet-news.com/original", URL),  # cross-domain: syndication, ignored
        ("https://www.outlet-news.com/", URL),  # front page: a CMS bug, ignored
        ("javascript:alert(1)", URL),
        ("http://[bad", URL),
    ],
)
def test_canonical_url_rule(declared: str | None, expected: str) -> None:
    assert choose_canonical(URL, declared) == expected


def test_canonical_link_and_og_url_are_read_from_the_page(article_page) -> None:
    head = '<link rel="Canonical" href="/2024/11/26/sora-leak-canonical#top">'
    article = extract_article(fetched(), article_page("x", extra_head=head).encode())
    assert article.canonical_url == "https://www.outlet-news.com/2024/11/26/sora-leak-canonical"
    og = '<meta property="og:url" content="https://www.outlet-news.com/og">'
    assert extract_article(fetched(), article_page("x", extra_head=og).encode()
                           ).canonical_url == "https://www.outlet-news.com/og"


CAFE = ("<html><head><title>Café société</title></head><body><article>"
        + "<p>Le café était plein; les artistes ont dénoncé le « art washing » d’OpenAI, et "
        "leurs œuvres créées pendant l’été ont été publiées sur Hugging Face.</p>" * 4
        + "</article></body></html>")


@pytest.mark.parametrize(
    ("body", "http_charset"),
    [
        (CAFE.encode("cp1252"), "windows-1252"),  # honest HTTP charset
        (CAFE.encode("cp1252"), None),  # no charset anywhere: cp1252 fallback
        (CAFE.encode("cp1252"), "utf-8"),  # HTTP claims UTF-8, bytes are cp1252
        (CAFE.encode("utf-8"), "iso-8859-1"),  # HTTP claims latin-1, bytes are UTF-8
        (CAFE.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"), None),
        (CAFE.encode("utf-16"), None),  # BOM
    ],
)
def test_encodings(body: bytes, http_charset: str | None) -> None:
    article = extract_article(fetched(encoding=http_charset), body)
    assert article.title == "Café société"
    assert "œuvres créées pendant l’été" in article.text
    assert article.language == "fr"


def test_mixed_encodings_decode_without_failing() -> None:
    body = CAFE.encode("utf-8") + "<p>Fin de l’été</p>".encode("cp1252")
    text, encoding = decode_html(body, "utf-8")
    assert encoding == "utf-8+cp1252"
    assert "œuvres créées" in text and "Fin de l’été" in text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><head><script>var x = 1;</script></head><body>"
         + b"<script>document.write('ad')</script>" * 40 + b"</body></html>", "no article text"),
        (b"<html><body><nav>Home | News</nav><p>Short.</p></body></html>", "no article text"),
        (b"", "empty body"),
        (b"  \n ", "empty body"),
        (b"%PDF-1.7 binary", "body is PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "body is PNG image"),
        (b"<html>\x00\x01\x02\x03</html>", "body is binary data"),
    ],
)
def test_pages_without_article_text(body: bytes, reason: str) -> None:
    with pytest.raises(NoArticleText, match=reason) as raised:
        extract_article(fetched(), body)
    assert URL in str(raised.value)


def test_sniff_non_html_lets_html_and_bom_through() -> None:
    assert sniff_non_html(b"<!doctype html><p>hi</p>") is None
    assert sniff_non_html("<p>hi</p>".encode("utf-16")) is None


def test_non_english_article_is_labelled(article_page) -> None:
    html = ("<html lang='de'><head><title>Sora-Leck</title></head><body><article>"
            + "".join(f"<p>Absatz {i}: Künstler haben das Videomodell Sora von OpenAI auf "
                      "Hugging Face öffentlich zugänglich gemacht, um gegen unbezahlte Arbeit zu "
                      "protestieren.</p>" for i in range(4))
            + "</article></body></html>")
    assert extract_article(fetched(), html.encode()).language == "de"


def test_extract_pages_one_result_per_page_in_order(tmp_path: Path, article_page) -> None:
    good = tmp_path / "good.html.gz"
    good.write_bytes(gzip.compress(article_page("Good").encode()))
    empty = tmp_path / "empty.html.gz"
    empty.write_bytes(gzip.compress(b"<html><body></body></html>"))
    corrupt = tmp_path / "corrupt.html.gz"
    corrupt.write_bytes(b"not gzip at all")
    pages = [
        fetched(URL + "/1", body_path=str(good)),
        FetchedPage(URL + "/2", URL + "/2", 404, FETCHED_AT, "s", reason="HTTP 404"),
        fetched(URL + "/3", body_path=str(empty)),
        fetched(URL + "/4", body_path=str(corrupt)),
        fetched(URL + "/5", body_path=str(tmp_path / "missing.gz")),
    ]
    results = list(extract_pages(iter(pages)))
    assert isinstance(results[0], Article) and results[0].title == "Good"
    assert [(r.url, r.stage) for r in results[1:]] == [
        (URL + "/2", "fetch"), (URL + "/3", "extract"), (URL + "/4", "extract"),
        (URL + "/5", "extract")]
    assert results[1].reason == "HTTP 404"
    assert results[2].reason.startswith(f"{URL}/3: no article text found")
    assert results[3].reason.startswith("cannot read stored body")
    assert results[4].reason.startswith("cannot read stored body")
    assert all(isinstance(r, ExtractionFailure) for r in results[1:])


_htmlish = st.lists(st.one_of(
    st.sampled_from([
        "<html>", "</html>", "<head>", "<title>", "</title>", "<body>", "<article>", "<p>",
        "</p>", "<script>", "</script>", "<div>", "</div>", '<meta charset="cp1252">',
        '<link rel="canonical" href="', '">', '<meta property="og:url" content="//x">',
        "<time datetime='2099-01-01'>", "Sora leak ", "artists protest unpaid work ", "&amp;",
        "&#0;", "<![CDATA[", "<!--", "-->", "\x00", "é", "<html lang='zz-ZZ-verylongtag'>",
    ]),
    st.text(max_size=20),
), max_size=60).map(lambda parts: "".join(parts))


@given(_htmlish, st.sampled_from(["utf-8", "cp1252", "utf-16"]),
       st.sampled_from([None, "utf-8", "iso-8859-1", "bogus-charset"]))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_extract_fuzz_only_no_article_text_escapes(html: str, encoding: str,
                                                   declared: str | None) -> None:
    body = html.encode(encoding, errors="replace")
    try:
        article = extract_article(fetched(encoding=declared), body)
    except NoArticleText:
        return
    assert article.word_count >= 20
    assert article.published_at is None or article.published_at <= FETCHED_AT
    assert article.outlet == "outlet-news.com"


@given(st.binary(max_size=3000))
@settings(max_examples=150, deadline=None)
def test_extract_fuzz_bytes(body: bytes) -> None:
    try:
        extract_article(fetched(encoding=None), body)
    except NoArticleText:
        pass


def test_titles_and_authors_lose_control_characters(article_page) -> None:
    title = "Sora\x1b[31m leaked\r\nBcc: victim@example.com \u202eevil\u202c"
    html = article_page(title, author="Jane\x00 Doe;\r\nX-Injected: yes")
    article = extract_article(fetched(), html.encode())
    assert article.title == "Sora[31m leaked Bcc: victim@example.com evil"
    assert article.authors == ["Jane Doe", "X-Injected yes"]  # trafilatura drops the colon
    assert not any(ord(c) < 32 for c in article.title + "".join(article.authors))


def _paragraphs(n: int = 4) -> str:
    return "".join(f"<p>Paragraph {i}: the artists said the company had asked them to test the "
                   "video model without pay, and published the front-end in protest.</p>"
                   for i in range(n))


@pytest.mark.parametrize(
    ("head", "byline", "published_at", "authors"),
    [
        # JSON-LD in a @graph, several authors, an offset: the page's own statement wins.
        ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
         '{"@type": ["NewsArticle"], "datePublished": "2024-11-26T21:40:00+01:00", '
         '"author": [{"@type": "Person", "name": "Ada One"}, {"name": "Bo Two"}]}]}</script>',
         "", datetime(2024, 11, 26, 20, 40, tzinfo=UTC), ["Ada One", "Bo Two"]),
        # rel=author links hold everyone; a meta tag gives the time.
        ('<meta property="article:published_time" content="2024-11-26T14:20:00-05:00">',
         'By <a rel="author" href="/a/1">Hannah Okoye</a>, <a rel="author" href="/a/2">'
         "Marcus Bell</a>", datetime(2024, 11, 26, 19, 20, tzinfo=UTC),
         ["Hannah Okoye", "Marcus Bell"]),
        # Microdata.
        ("", '<span itemprop="author" itemscope><span itemprop="name">Noor Haddad</span></span>'
         '<time itemprop="datePublished" datetime="2024-11-26T23:30:00Z">late</time>',
         datetime(2024, 11, 26, 23, 30, tzinfo=UTC), ["Noor Haddad"]),
        # No stated time with a zone: trafilatura's reading (a zoneless time taken as UTC).
        ('<meta name="date" content="2024-11-26T10:00:00">', "",
         datetime(2024, 11, 26, 10, tzinfo=UTC), []),
        ('<meta name="DC.date.issued" content="2024-11-25">', "",
         datetime(2024, 11, 25, tzinfo=UTC), []),
        # Broken JSON-LD and a stated time after the fetch are ignored.
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": </script>'
         '<meta property="article:published_time" content="2030-01-01T00:00:00Z">',
         "", None, []),
    ],
)
def test_stated_times_and_authors(head: str, byline: str, published_at, authors) -> None:
    html = (f"<html><head><title>T</title>{head}</head><body><article><h1>T</h1>"
            f"<div class='byline'>{byline}</div>{_paragraphs()}</article></body></html>")
    article = extract_article(fetched("https://www.outlet-news.com/tech/t"), html.encode())
    assert article.published_at == published_at
    assert article.authors == authors


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        # libxml2 compares attributes pairwise: 50,000 of them would take minutes to parse.
        ("<html><body><p " + " ".join(f"a{i}='x'" for i in range(50_000)) + ">"
         + "word " * 100 + "</p></body></html>", "hostile markup: an element with more than"),
        ("<html><body>" + "<div>" * 100_000 + "</div>" * 100_000 + "</body></html>",
         "no article text"),
        ("<a" * 100_000, "not parseable as HTML"),
    ],
)
def test_markup_built_to_stall_the_parser_is_refused(html: str, reason: str) -> None:
    with pytest.raises(NoArticleText, match=reason):
        extract_article(fetched(), html.encode())


def test_long_attribute_values_are_not_hostile(article_page) -> None:
    props = "'" + '{"key": "value=1", "n": 2}' * 5000 + "'"
    html = article_page("Big props", extra_head=f"<meta name='x' content={props}>")
    assert extract_article(fetched(), html.encode()).title == "Big props"


def test_site_name_comes_from_the_page_never_from_the_host(article_page) -> None:
    html = article_page("Artists leak OpenAI's Sora")
    named = html.replace("<head>", '<head><meta property="og:site_name" content="Outlet News">', 1)
    assert "og:site_name" in named
    assert extract_article(fetched(), named.encode()).site_name == "Outlet News"
    assert extract_article(fetched(), html.encode()).site_name is None
    json_ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "publisher": '
               '{"@type": "Organization", "name": "Outlet Wire"}}</script>')
    published = html.replace("<head>", "<head>" + json_ld, 1)
    assert extract_article(fetched(), published.encode()).site_name == "Outlet Wire"
