"""Why robots.txt allows or forbids a URL (presswatch.spiders.probe.robots_verdict), on Google
News' robots.txt as served and on made-up files for the RFC 9309 rules."""

from __future__ import annotations

import pytest
from news_replicas import GOOGLE_ROBOTS

from presswatch.spiders.probe import RobotsVerdict, robots_verdict

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
