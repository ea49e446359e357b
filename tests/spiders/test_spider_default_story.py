"""The shipped story (stories/sora-leak.toml), its sources unchanged but for http, crawled with
robots.txt obeyed against replicas of the web it names (one loopback proxy answering for
www.bing.com, api.gdeltproject.org, news.google.com and each outlet's host): it finds its
articles through Bing, GDELT and the outlets' own feeds and sitemaps, and reports Google News
as not used, without an error and without a single request to Google."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from news_replicas import LiveWeb, over_http, serve, story_web

from presswatch.archives.gdelt import api_client
from presswatch.archives.gdelt_daily import gdelt_sources
from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.job import CrawlJob
from presswatch.spiders.urls import canonical_or_none, canonicalize
from presswatch.story import default_story_path, load_story

NOW = datetime.now(UTC).replace(microsecond=0)
GDELT_API = "http://api.gdeltproject.org/api/v2/doc/doc"


@pytest.fixture
def web(monkeypatch):
    story = over_http(load_story(default_story_path()))
    replicas = story_web([f.url for f in story.feeds], [s.url for s in story.sitemaps], NOW)
    proxy = serve(LiveWeb(replicas.hosts), "proxy")
    monkeypatch.setenv("http_proxy", proxy.bases["proxy"])
    monkeypatch.delenv("no_proxy", raising=False)
    yield story, replicas
    proxy.stop()


def test_the_default_story_finds_its_coverage_where_robots_allow(web, tmp_path) -> None:
    story, replicas = web
    assert story.crawl.obey_robots
    client = api_client(story.crawl.user_agent,
                        story.allowing_private_hosts().crawl.address_policy(), interval_s=0)
    found = gdelt_sources(story.gdelt, client=client, api_base=GDELT_API,
                          start_date=story.start_date, until=NOW, last_ends={},
                          canonical=canonical_or_none)
    job = CrawlJob.for_story(story, found_sources=found)
    output = run_crawl(job, tmp_path / "crawl")

    by_name = {s.name: s for s in output.sources}
    assert all(s.error is None for s in output.sources), [s.error for s in output.sources]
    for name in ("Google News: Sora leak", "Google News: PR Puppets"):
        assert by_name[name].not_used.startswith("Google News is opt-in")
    assert replicas.google.requests == []
    fetched = {p.final_url for p in output.pages() if p.body_path is not None}
    assert fetched == {canonicalize(url) for url in replicas.articles}
    # Each way in found its own: Bing, GDELT, and every outlet's feed and sitemap.
    assert [c.url for c in by_name["Bing News: Sora leak"].candidates] == [
        canonicalize(replicas.bing_article)]
    assert [c.url for c in by_name["GDELT: Sora leak"].candidates] == [
        canonicalize(replicas.gdelt_article)]
    assert all(len(by_name[s.name].candidates) == 1 for s in [*story.feeds, *story.sitemaps]
               if "Google" not in s.name)
