"""`presswatch story check --sources` on the shipped story, against replicas of every host it
names (news.google.com with its robots.txt as served, Bing, GDELT, the outlets, the Wayback
CDX server, Common Crawl) behind one loopback proxy: what works, what robots.txt forbids and
by which line, and what to do, in plain words."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime

import pytest
from news_replicas import LiveWeb, PublisherSite, over_http, serve, story_web

from presswatch.cli.source_check import ServiceEndpoints
from presswatch.cli.story_tools import print_sources
from presswatch.demo.loopback import Response
from presswatch.story import Gdelt, default_story_path, load_story

ENDPOINTS = ServiceEndpoints(gdelt="http://api.gdeltproject.org/api/v2/doc/doc",
                             cdx="http://web.archive.org/cdx/search/cdx",
                             ccnews="http://data.commoncrawl.org")


@pytest.fixture
def checked(monkeypatch):
    """Run the check on the story as given; returns (exit code, what it printed)."""
    story, now = over_http(load_story(default_story_path())), datetime.now(UTC)
    web = story_web([f.url for f in story.feeds], [s.url for s in story.sitemaps], now)
    paths = b"crawl-data/CC-NEWS/x/CC-NEWS-1.warc.gz\ncrawl-data/CC-NEWS/x/CC-NEWS-2.warc.gz\n"
    capture = (b'[["timestamp","original","mimetype","statuscode","digest"],["20241126100000",'
               b'"https://techcrunch.com/2024/11/26/sora/","text/html","200","AB12"]]')
    web.hosts["web.archive.org"] = PublisherSite({"/cdx/search/cdx": Response(
        200, capture, "application/json", cacheable=False)})
    web.hosts["data.commoncrawl.org"] = PublisherSite({
        f"/crawl-data/CC-NEWS/{now:%Y}/{now:%m}/warc.paths.gz": Response(
            200, gzip.compress(paths), "application/octet-stream", cacheable=False)})
    proxy = serve(LiveWeb(web.hosts), "proxy")
    monkeypatch.setenv("http_proxy", proxy.bases["proxy"])
    monkeypatch.delenv("no_proxy", raising=False)

    def check(story=story) -> tuple[int, str]:
        out = io.StringIO()
        code = print_sources(story, default_story_path(), out, endpoints=ENDPOINTS)
        return code, out.getvalue()

    yield story, web, check
    proxy.stop()


def test_the_shipped_story_checks_clean_with_google_not_used(checked) -> None:
    story, web, check = checked
    code, out = check()
    assert code == 0, out
    assert out.count("NOT USED: Google News is opt-in: news.google.com/robots.txt forbids it "
                     "('Disallow: /' for User-agent *)") == 2
    assert "what to do: to use it anyway, set ignore_robots = true on this feed" in out
    assert web.google.requests == ["/robots.txt"]  # asked once, nothing else
    assert "GDELT  query 'Sora leak OpenAI'\n  WORKS: 1 articles seen in the last 24 hours" in out
    assert "Wayback CDX  techcrunch.com\n  WORKS:" in out
    assert "CC-NEWS  path list for" in out and "WORKS: 2 WARC files listed" in out
    n = len(story.feeds) + len(story.sitemaps)
    assert f"{n} sources, {n - 2} read, 2 not used, 0 failed" in out


def test_what_robots_forbids_and_what_gdelt_refuses_is_named_with_the_fix(checked) -> None:
    story, web, check = checked
    web.hosts["techcrunch.com"].pages["/robots.txt"] = Response(
        200, b"User-agent: *\nDisallow: /feed/\n", "text/plain", cacheable=False)
    story = story.model_copy(update={"gdelt": [Gdelt(query='"Sora" leak')]})
    code, out = check(story)
    assert code == 1
    assert ("FORBIDDEN: techcrunch.com/robots.txt forbids it ('Disallow: /feed/' for "
            "User-agent *)\n  what to do: remove it from the story, or set ignore_robots = "
            "true on it to fetch it anyway") in out
    assert web.hosts["techcrunch.com"].hits["/feed/"] == 0
    assert ("GDELT  query '\"Sora\" leak'\n  FAILS: \"Sora\" is a quoted single word, which "
            "GDELT refuses") in out
    assert web.gdelt.asked == []
