"""A crawl child started before its job exists (the daily run overlaps its start-up with
reading the warehouse): it crawls once told, and exits without crawling when the run stops
first."""

from __future__ import annotations

import time
from datetime import date

import pytest

from presswatch.spiders.crawl import CrawlChild, RunningCrawl
from presswatch.spiders.job import JOB_FILE, LOG_FILE, PAGES_FILE, CrawlJob, SourceSpec
from presswatch.story import Crawl


def _set_up(child: CrawlChild, timeout_s: float = 60) -> None:
    """Until the child has set Scrapy up and waits (Scrapy's first log line is written then)."""
    deadline = time.monotonic() + timeout_s
    while b"Scrapy" not in (child.staging_dir / LOG_FILE).read_bytes():
        assert child.process.poll() is None, (child.staging_dir / LOG_FILE).read_text()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_child_started_early_crawls_its_job_once_told(sites, article_page, rss_feed, tmp_path):
    site = sites("127.0.0.2")
    site.add("/a", article_page("The first article"))
    site.add("/feed.xml", rss_feed([{"title": "A", "link": site.url("/a"), "guid": "a",
                                     "pubDate": "Tue, 26 Nov 2024 10:00:00 GMT"}]),
             content_type="application/rss+xml")
    child = CrawlChild(tmp_path / "crawl")
    _set_up(child)
    time.sleep(0.3)
    assert child.process.poll() is None  # it waits: no job yet, nothing fetched
    assert not (tmp_path / "crawl" / PAGES_FILE).exists() and sum(site.hits.values()) == 0

    job = CrawlJob(feeds=[SourceSpec(site.url("/feed.xml"), "Outlet")],
                   crawl=Crawl(timeout=30, download_delay=0, allow_private_hosts=True),
                   since=date(2024, 11, 1))
    crawl = RunningCrawl(job, tmp_path / "crawl", child)
    pages = list(crawl.pages(poll_seconds=0.05))
    output = crawl.finish()
    assert [p.url for p in pages] == [site.url("/a")]
    assert [p.url for p in output.pages()] == [site.url("/a")]


@pytest.mark.parametrize("when", ["setting up", "waiting"])
def test_a_cancelled_child_exits_without_crawling(tmp_path, when):
    child = CrawlChild(tmp_path / "crawl")
    if when == "waiting":
        _set_up(child)
    child.cancel()
    assert child.process.returncode == 0
    assert not (tmp_path / "crawl" / JOB_FILE).exists()
    assert not (tmp_path / "crawl" / PAGES_FILE).exists()

