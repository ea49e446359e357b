"""Pages that answer 200 but are not the article (bot walls, consent pages, JavaScript-only
shells, paywall stubs): the plain detector on pages made here, beside real articles that carry
the same scripts and notes, then a real crawl that records them as blocked or partial."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.records import FetchedPage
from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.extract import NoArticleText, extract_article
from presswatch.spiders.job import CrawlJob, SourceSpec
from presswatch.spiders.walls import Wall, find_wall
from presswatch.story import Crawl

PROSE = " ".join(
    "The artists said the programme asked for unpaid testing and feedback, and the company "
    "answered that taking part had always been voluntary for everyone involved."
    for _ in range(12)
)


def _page(head: str = "", body: str = "", title: str = "Story") -> bytes:
    return (f"<!doctype html><html><head><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>").encode()


CLOUDFLARE = _page(
    title="Just a moment...",
    head='<meta name="robots" content="noindex,nofollow">',
    body='<div class="main-wrapper"><h1>example.com</h1><p>Verifying you are human. This may '
         'take a few seconds.</p></div><script>window._cf_chl_opt={cvId: "3"};</script>'
         '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>')
DATADOME = _page(
    title="example.com",
    body='<p>Please enable JS and disable any ad blocker</p><script>var dd={"rt":"c",'
         '"cid":"AHrlqAAA","host":"geo.captcha-delivery.com"}</script>'
         '<script src="https://ct.captcha-delivery.com/c.js"></script>')
PERIMETERX = _page(
    title="Access to this page has been denied",
    body='<div id="px-captcha"></div><p>Press &amp; Hold to confirm you are a human (and not '
         'a bot).</p><script>window._pxAppId = "PXabc123";</script>'
         '<script src="https://captcha.px-cdn.net/PXabc123/captcha.js"></script>')
CONSENT_FORM = _page(
    title="Before you continue",
    body='<h1>Before you continue to YouTube</h1><p>We use cookies and data to deliver and '
         'maintain services.</p><form action="https://consent.youtube.com/save" method="POST">'
         '<button>Reject all</button><button>Accept all</button></form>')
JS_SHELL = _page(
    head='<script src="/static/js/main.3f2a.js"></script>',
    body='<noscript>You need to enable JavaScript to run this app.</noscript>'
         '<div id="root"></div>')
PAYWALL = _page(
    head='<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Leak", '
         '"isAccessibleForFree": false, "hasPart": {"@type": "WebPageElement", '
         '"isAccessibleForFree": false, "cssSelector": ".paywall"}}</script>',
    body="<article><h1>Artists leak Sora</h1><p>Artists who tested the video model put a "
         "front-end online on Tuesday, protesting what they called unpaid work.</p>"
         '<div class="paywall"><p>Subscribe to continue reading.</p></div></article>')
# Real articles that carry a wall's script, a consent banner, a noscript note or a paywall
# marker but serve their whole text: they are articles.
ARTICLE_WITH_DATADOME_TAG = _page(
    head='<script src="https://js.datadome.co/tags.js"></script>',
    body=f"<article><h1>Artists leak Sora</h1><p>{PROSE}</p></article>")
ARTICLE_WITH_CONSENT_BANNER = _page(
    body=f"<article><p>{PROSE}</p></article><div id='cmp'>We value your privacy. "
         "<button>Accept all cookies</button><button>Reject all</button></div>")
ARTICLE_WITH_NOSCRIPT = _page(
    body=f"<noscript>Please enable JavaScript to see comments.</noscript><div id=\"root\">"
         f"</div><article><p>{PROSE}</p></article>")
METERED_FULL_TEXT = _page(
    head='<script type="application/ld+json">{"@type": "NewsArticle", '
         '"isAccessibleForFree": false}</script>',
    body=f"<article><p>{PROSE}</p></article><p>Already a subscriber? Sign in</p>")


@pytest.mark.parametrize(
    ("body", "url", "expected"),
    [
        (CLOUDFLARE, "https://example.com/a",
         Wall("blocked", "bot wall (Cloudflare challenge) answered instead of the page")),
        (DATADOME, "https://example.com/a",
         Wall("blocked", "bot wall (DataDome) answered instead of the page")),
        (PERIMETERX, "https://example.com/a",
         Wall("blocked", "bot wall (PerimeterX (HUMAN)) answered instead of the page")),
        (CONSENT_FORM, "https://example.com/a",
         Wall("blocked", "cookie consent page instead of the article")),
        (_page(body="<p>Choose your cookie settings.</p>"),
         "https://consent.example.org/?continue=https://example.org/a",
         Wall("blocked", "consent page at consent.example.org instead of the article")),
        (JS_SHELL, "https://example.com/a",
         Wall("blocked", "JavaScript-only page: the text is not in the HTML")),
        (PAYWALL, "https://example.com/a",
         Wall("partial", "paywall: only a teaser of 23 words is served")),
        (ARTICLE_WITH_DATADOME_TAG, "https://example.com/a", None),
        (ARTICLE_WITH_CONSENT_BANNER, "https://example.com/a", None),
        (ARTICLE_WITH_NOSCRIPT, "https://example.com/a", None),
        (METERED_FULL_TEXT, "https://example.com/a", None),
        (_page(body="<p>A short brief.</p>"), "https://example.com/a", None),
        (b"", "https://example.com/a", None),
    ],
)
def test_walls_are_told_from_articles(body, url, expected) -> None:
    assert find_wall(body, url) == expected


def test_a_crawl_records_walls_as_blocked_or_partial_and_keeps_no_body(
        sites, article_page, rss_feed, tmp_path) -> None:
    outlet = sites("127.0.0.3")
    outlet.add("/a/real", article_page("Sora leak story"))
    outlet.add("/a/challenge", CLOUDFLARE)
    outlet.add("/a/teaser", PAYWALL)
    outlet.add("/a/denied", PERIMETERX, status=403)
    outlet.add("/feed.xml", rss_feed([{"title": "t", "link": outlet.url(p)}
                                      for p in ("/a/real", "/a/challenge", "/a/teaser",
                                                "/a/denied")]),
               content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(outlet.url("/feed.xml"))],
                   crawl=Crawl(timeout=2.0, download_delay=0, retries=0,
                               allow_private_hosts=True))
    output = run_crawl(job, tmp_path / "crawl")
    pages = {p.url.rsplit("/", 1)[1]: p for p in output.pages()}
    assert pages["real"].reason is None and pages["real"].body_path is not None
    assert pages["challenge"].reason == ("blocked: bot wall (Cloudflare challenge) answered "
                                         "instead of the page")
    assert pages["teaser"].reason == "partial: paywall: only a teaser of 23 words is served"
    assert pages["denied"].reason == ("HTTP 403: bot wall (PerimeterX (HUMAN)) answered "
                                      "instead of the page")
    assert all(pages[k].body_path is None for k in ("challenge", "teaser", "denied"))


def test_an_archived_copy_of_a_wall_is_no_article() -> None:
    """Backfill pages skip the crawl: extraction refuses the wall itself."""
    page = FetchedPage(url="https://example.com/a", final_url="https://example.com/a",
                       status=200, fetched_at=datetime(2024, 11, 27, tzinfo=UTC),
                       source_url="wayback:example.com")
    with pytest.raises(NoArticleText, match="blocked: bot wall \\(DataDome\\)"):
        extract_article(page, DATADOME)
