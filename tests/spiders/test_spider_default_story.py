"""The shipped story (stories/sora-leak.toml), its sources unchanged but for http, crawled with
robots.txt obeyed against replicas of the web it names (one loopback proxy answering for
www.bing.com, api.gdeltproject.org, news.google.com and each outlet's host): it finds its
articles through Bing, GDELT and the outlets' own feeds and sitemaps, and reports Google News
as not used, without an error and without a single request to Google."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from news_replicas import GdeltDoc, GoogleNewsReplica, LiveWeb, PublisherSite, bing_feed, serve

from presswatch.archives.gdelt_daily import gdelt_sources
from presswatch.archives.pages import PoliteClient
from presswatch.demo.loopback import Response
from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.job import CrawlJob
from presswatch.spiders.urls import BadUrl, canonicalize
from presswatch.story import default_story_path, load_story

NOW = datetime.now(UTC).replace(microsecond=0)
GDELT_API = "http://api.gdeltproject.org/api/v2/doc/doc"


def _http(url: str) -> str:
    """The proxy replica speaks plain HTTP: the same address with http instead of https."""
    return "http:" + url.removeprefix("https:")


def _xml(body: bytes) -> Response:
    return Response(200, body, "application/xml; charset=utf-8", cacheable=False)


def _canonical(url: str) -> str | None:
    try:
        return canonicalize(url)
    except BadUrl:
        return None


def _rss(links: list[str]) -> str:
    items = "".join(f"<item><title>Artists leak Sora {n}</title><link>{link}</link>"
                    "<pubDate>Wed, 27 Nov 2024 10:00:00 GMT</pubDate></item>"
                    for n, link in enumerate(links))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>f</title>{items}" \
           "</channel></rss>"


def _news_sitemap(links: list[str]) -> str:
    rows = "".join(
        f"<url><loc>{link}</loc><news:news><news:publication><news:name>X</news:name>"
        "<news:language>en</news:language></news:publication><news:publication_date>"
        "2024-11-27T10:00:00Z</news:publication_date><news:title>Sora</news:title>"
        "</news:news></url>" for link in links)
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + rows + "</urlset>")


@pytest.fixture
def web(monkeypatch, article_page):
    """The story's hosts: each outlet's feed (and sitemap) lists one article of its own;
    Bing lists a Wired article; GDELT saw a Reuters one yesterday; Google would list one."""
    story = load_story(default_story_path())
    hosts: dict[str, PublisherSite | GdeltDoc | GoogleNewsReplica] = {}
    articles: dict[str, str] = {}

    def outlet(host: str) -> PublisherSite:
        return hosts.setdefault(host, PublisherSite({}))  # type: ignore[return-value]

    def article(host: str, path: str) -> str:
        url = f"http://{host}{path}"
        outlet(host).pages[path] = article_page(f"Artists leak Sora at {host}")
        articles[url] = host
        return url

    for source in [*story.feeds, *story.sitemaps]:
        parts = urlsplit(source.url)
        if parts.hostname in ("news.google.com", "www.bing.com"):
            continue
        link = article(parts.hostname.replace("feeds.", ""),
                       f"/2024/11/sora-leak-{len(articles)}/")
        feed_host = outlet(parts.hostname)
        body = _news_sitemap([link]) if source in story.sitemaps else _rss([link])
        feed_host.pages[parts.path] = _xml(body.encode())
    bing_story = article("www.wired.com", "/story/openai-sora-leak-artists/")
    hosts["www.bing.com"] = PublisherSite({"/news/search": _xml(bing_feed({bing_story: "Sora"}))})
    gdelt_story = article("www.reuters.com", "/technology/openai-sora-leak-2024-11-27/")
    hosts["api.gdeltproject.org"] = GdeltDoc({gdelt_story: NOW - timedelta(days=1)})
    google = GoogleNewsReplica({"http://www.example-news.com/a/1": "Sora leak"})
    hosts["news.google.com"] = google
    proxy = serve(LiveWeb(hosts), "proxy")
    monkeypatch.setenv("http_proxy", proxy.bases["proxy"])
    monkeypatch.delenv("no_proxy", raising=False)
    yield story, hosts, articles, google
    proxy.stop()


def test_the_default_story_finds_its_coverage_where_robots_allow(web, tmp_path) -> None:
    story, hosts, articles, google = web
    assert story.crawl.obey_robots
    story = story.model_copy(update={
        "feeds": [f.model_copy(update={"url": _http(f.url)}) for f in story.feeds],
        "sitemaps": [s.model_copy(update={"url": _http(s.url)}) for s in story.sitemaps],
    }).allowing_private_hosts()  # the proxy is on loopback
    client = PoliteClient(user_agent=story.crawl.user_agent, delay_s=0.0, backoff_s=0.01)
    found = gdelt_sources(story.gdelt, client=client, api_base=GDELT_API,
                          start_date=story.start_date, until=NOW, last_ends={},
                          canonical=_canonical)
    job = CrawlJob.for_story(story, found_sources=found)
    job.crawl = job.crawl.model_copy(update={"download_delay": 0, "timeout": 5})
    output = run_crawl(job, tmp_path / "crawl")

    by_name = {s.name: s for s in output.sources}
    assert all(s.error is None for s in output.sources), [s.error for s in output.sources]
    for name in ("Google News: Sora leak", "Google News: PR Puppets"):
        assert by_name[name].not_used.startswith("Google News is opt-in")
    assert google.requests == []
    fetched = {p.final_url for p in output.pages() if p.body_path is not None}
    assert fetched == {canonicalize(url) for url in articles}
    # Each way in found its own: Bing, GDELT, and every outlet's feed and sitemap.
    assert by_name["Bing News: Sora leak"].candidates[0].url == canonicalize(
        "http://www.wired.com/story/openai-sora-leak-artists/")
    assert [c.url for c in by_name["GDELT: Sora leak"].candidates] == [canonicalize(
        "http://www.reuters.com/technology/openai-sora-leak-2024-11-27/")]
    assert all(len(by_name[s.name].candidates) == 1 for s in [*story.feeds, *story.sitemaps]
               if "Google" not in s.name)
