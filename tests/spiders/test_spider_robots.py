"""robots.txt: why it allows or forbids a URL (presswatch.spiders.probe.robots_verdict), on
Google News' robots.txt as served and on made-up files for the RFC 9309 rules; then a real
crawl of a feed it forbids, without and with the story's per-feed opt-in."""

from __future__ import annotations

import pytest
from news_replicas import GOOGLE_ROBOTS

from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.job import CrawlJob, SourceSpec
from presswatch.spiders.probe import RobotsVerdict, robots_verdict
from presswatch.story import Crawl

AGENT = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"
GOOGLE_LINES = GOOGLE_ROBOTS.decode().splitlines()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/search?q=Sora&hl=en-US",
         RobotsVerdict(False, "Disallow: /", "*")),
        ("https://news.google.com/rss/articles/CBMiabc?oc=5",
         RobotsVerdict(False, "Disallow: /", "*")),
        ("https://news.google.com/_/DotsSplashUi/data/batchexecute",
         RobotsVerdict(False, "Disallow: /", "*")),
        ("https://news.google.com/", RobotsVerdict(True, "Allow: /$", "*")),
        ("https://news.google.com/topics/CAAqJggKIiBDQkFT", RobotsVerdict(True, "Allow: /topics/",
                                                                           "*")),
    ],
)
def test_google_news_robots_as_served(url, expected) -> None:
    assert robots_verdict(GOOGLE_LINES, AGENT, url) == expected


@pytest.mark.parametrize(
    ("lines", "url", "expected"),
    [
        # Our own group wins over "*"; the longest rule wins; Allow wins a tie.
        (["User-agent: *", "Disallow: /", "", "User-agent: presswatch", "Disallow: /private"],
         "https://x.example/news/1", RobotsVerdict(True, None, "presswatch")),
        (["User-agent: *", "Disallow: /news", "Allow: /news/feed"],
         "https://x.example/news/feed.xml", RobotsVerdict(True, "Allow: /news/feed", "*")),
        (["User-agent: *", "Disallow: /*.pdf$"], "https://x.example/a.pdf",
         RobotsVerdict(False, "Disallow: /*.pdf$", "*")),
        (["User-agent: *", "Disallow: /*.pdf$"], "https://x.example/a.pdf?x=1",
         RobotsVerdict(True, None, "*")),
        (["User-agent: *", "Disallow:"], "https://x.example/a", RobotsVerdict(True, None, "*")),
        (["User-agent: otherbot", "Disallow: /"], "https://x.example/a",
         RobotsVerdict(True, None, None)),
        ([], "https://x.example/a", RobotsVerdict(True, None, None)),
    ],
)
def test_robots_rules(lines, url, expected) -> None:
    assert robots_verdict(lines, AGENT, url) == expected


def test_the_opt_in_covers_its_feed_and_nothing_else(sites, article_page, rss_feed,
                                                      tmp_path) -> None:
    """A feed robots.txt forbids fails with the rule's host and what to do; opted in, it is
    read, while the articles it lists still obey their own site's robots.txt."""
    aggregator, outlet = sites("127.0.0.3"), sites("127.0.0.4")
    aggregator.add("/robots.txt", "User-agent: *\nDisallow: /rss/\n", content_type="text/plain")
    outlet.add("/robots.txt", "User-agent: *\nDisallow: /members/\n", content_type="text/plain")
    outlet.add("/a/1", article_page("Sora leak"))
    outlet.add("/members/2", article_page("Sora leak, members only"))
    aggregator.add("/rss/search", rss_feed([{"title": "a", "link": outlet.url("/a/1")},
                                            {"title": "b", "link": outlet.url("/members/2")}]),
                   content_type="application/rss+xml")
    crawl = Crawl(timeout=2.0, download_delay=0, retries=0, allow_private_hosts=True)

    refused = run_crawl(CrawlJob(feeds=[SourceSpec(aggregator.url("/rss/search"))],
                                 crawl=crawl), tmp_path / "refused")
    assert refused.sources[0].error == (
        f"blocked by robots.txt: {aggregator.host}:{aggregator.port}/robots.txt disallows this "
        "feed for our user agent; remove it from the story, or set ignore_robots = true on "
        "it to fetch it anyway (see docs/live-web.md)")
    assert aggregator.hits["/rss/search"] == 0

    opted = run_crawl(CrawlJob(feeds=[SourceSpec(aggregator.url("/rss/search"),
                                                 ignore_robots=True)], crawl=crawl),
                      tmp_path / "opted")
    assert opted.sources[0].error is None and aggregator.hits["/rss/search"] == 1
    pages = {p.url.rsplit("/", 2)[-2]: p for p in opted.pages()}
    assert pages["a"].body_path is not None
    assert pages["members"].reason == "blocked by robots.txt"
    assert outlet.hits["/members/2"] == 0
