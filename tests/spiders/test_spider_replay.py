"""The crawl and extraction against the bundled replay, checked against its manifest: every
article a reader would find on day 1 is fetched once and extracted with the right title,
authors, publication time and language; every bad source and page says why."""

from __future__ import annotations

from datetime import datetime

import pytest

from presswatch.demo.server import ReplaySite, load_manifest
from presswatch.spiders.crawl import run_crawl
from presswatch.spiders.extract import ExtractionFailure, extract_pages
from presswatch.spiders.job import CrawlJob
from presswatch.spiders.urls import canonicalize


@pytest.fixture(scope="module")
def replay_day1(tmp_path_factory):
    with ReplaySite(day=1) as site:
        story = site.story().allowing_private_hosts()
        output = run_crawl(CrawlJob.for_story(story, ), tmp_path_factory.mktemp("replay"))
        pages = list(output.pages())
        results = list(extract_pages(pages))
        yield {"urls": dict(site.urls), "output": output, "pages": pages, "results": results}


def _expected_articles() -> list[dict]:
    return [a for a in load_manifest()["articles"]
            if a["day"] == 1 and a.get("expected_in_run", True)]


def test_every_expected_article_is_extracted_with_its_metadata(replay_day1):
    articles = {}
    for result in replay_day1["results"]:
        if not isinstance(result, ExtractionFailure):
            articles[result.url] = articles[result.canonical_url] = result
    expected = _expected_articles()
    assert expected
    for item in expected:
        url = canonicalize(replay_day1["urls"][item["outlet"]] + item["path"])
        article = articles.get(url)
        assert article is not None, f"{item['id']} ({url}) not extracted"
        published = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
        assert (article.title, article.published_at, article.language) == (
            item["title"], published, item["language"]), item["id"]
        assert sorted(article.authors) == sorted(item["authors"]), item["id"]


def test_no_body_is_stored_twice(replay_day1):
    finals = [p.final_url for p in replay_day1["pages"] if p.body_path]
    assert len(finals) == len(set(finals))


def test_bad_sources_report_their_reason(replay_day1):
    by_url = {s.source_url: s for s in replay_day1["output"].sources}
    checked = 0
    for source in load_manifest()["sources"]:
        if not source.get("in_story") or not source.get("reason_contains"):
            continue
        url = replay_day1["urls"][source["outlet"]] + source["path"]
        if source.get("query_string"):
            url += "?" + source["query_string"]
        result = by_url[url]
        assert source["reason_contains"].lower() in (result.error or "").lower(), source["key"]
        checked += 1
    assert checked >= 2


def test_bad_pages_report_their_reason(replay_day1):
    pages = {p.url: p for p in replay_day1["pages"]}
    checked = 0
    for bad in load_manifest()["bad_urls"]:
        if bad["day"] != 1 or not bad.get("reason_contains"):
            continue
        url = canonicalize(replay_day1["urls"][bad["outlet"]] + bad["path"])
        assert bad["reason_contains"].lower() in (pages[url].reason or "").lower(), bad
        checked += 1
    assert checked >= 3
