"""A running crawl's pages are readable while the child still fetches (the daily run parses
them meanwhile), and every page is read once the child has ended."""

from __future__ import annotations

import threading
from datetime import date
from http.server import BaseHTTPRequestHandler

from presswatch.spiders.crawl import RunningCrawl
from presswatch.spiders.job import CrawlJob, SourceSpec
from presswatch.story import Crawl

N_QUICK = 60  # enough page lines to fill the child's write buffer while one page is held


def test_pages_come_while_the_crawl_still_runs_and_all_come_by_its_end(sites, article_page,
                                                                       rss_feed, tmp_path):
    site = sites("127.0.0.2")
    released, served = threading.Event(), threading.Event()

    def held(request: BaseHTTPRequestHandler) -> None:
        released.wait(timeout=60)  # the crawl cannot end before the test lets this page go
        served.set()
        body = article_page("The held article").encode()
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    paths = [f"/story/{i}-{'long-slug-' * 8}" for i in range(N_QUICK)]
    for i, path in enumerate(paths):
        site.add(path, article_page(f"Article {i}"))
    site.handle("/held", held)
    items = [{"title": f"Item {i}", "link": site.url(p), "guid": f"g{i}",
              "pubDate": "Tue, 26 Nov 2024 10:00:00 GMT"} for i, p in enumerate(["/held", *paths])]
    site.add("/feed.xml", rss_feed(items), content_type="application/rss+xml")
    job = CrawlJob(feeds=[SourceSpec(site.url("/feed.xml"), "Outlet")],
                   crawl=Crawl(timeout=90, download_delay=0, allow_private_hosts=True),
                   since=date(2024, 11, 1))
    crawl = RunningCrawl(job, tmp_path / "crawl")
    seen, running_at_first_page = [], None
    try:
        for page in crawl.pages(poll_seconds=0.05):
            if running_at_first_page is None:
                running_at_first_page = not served.is_set()  # so the child has not ended
                released.set()
            seen.append(page.url)
    finally:
        released.set()
    output = crawl.finish()
    assert running_at_first_page is True
    assert crawl.all_read and sorted(seen) == sorted(p.url for p in output.pages())
    assert len(seen) == N_QUICK + 1 and len(set(seen)) == len(seen)
    assert all(p.body_path and p.body_path.startswith(str(tmp_path)) for p in output.pages())
