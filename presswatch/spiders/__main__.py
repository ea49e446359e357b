"""`python -m presswatch.spiders [--when-told] STAGING/job.json`: one crawl, in this process.

The flow starts this as a child process (see crawl.py): Scrapy's reactor runs once per process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Imported here, near the bottom of the stack, though only the engine uses it: on import it
# makes deprecated aliases with inspect.stack(), which reads the source of every frame above,
# so imported where the engine loads it (40 frames deep) it cost 0.25 CPU s, here 0.1.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from presswatch.folders import write_atomically
from presswatch.spiders.job import STATS_FILE
from presswatch.spiders.spiders.articles import ArticlesSpider

USAGE = "usage: python -m presswatch.spiders [--when-told] STAGING/job.json"


def main(argv: list[str] | None = None) -> int:
    """Run the job in STAGING/job.json; exit 0 when the crawl finished (or hit max_seconds).
    --when-told: set up first, then wait for a line on stdin (the job is written by then); at
    the end of stdin instead, exit 0 without crawling (the run stopped before its crawl)."""
    args = sys.argv[1:] if argv is None else argv
    when_told = args[:1] == ["--when-told"]
    if len(args) != 1 + when_told:
        print(USAGE, file=sys.stderr)
        return 2
    job_path = Path(args[-1]).resolve()
    settings = Settings()
    settings.setmodule("presswatch.spiders.settings", priority="project")
    process = CrawlerProcess(settings)
    if when_told and not sys.stdin.readline():
        return 0
    crawler = process.create_crawler(ArticlesSpider)
    process.crawl(crawler, job=str(job_path))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    write_atomically(job_path.parent / STATS_FILE,
                     json.dumps(stats, default=str, indent=2, sort_keys=True))
    return 0 if stats.get("finish_reason") in {"finished", "closespider_timeout"} else 1


if __name__ == "__main__":
    sys.exit(main())
