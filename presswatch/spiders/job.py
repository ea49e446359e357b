"""The crawl job: what the flow asks of one crawl, as JSON the child process reads back.

A leaf module: the flow side (crawl.py) writes the job, the spider reads it, and neither
imports the other. It imports no Scrapy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from presswatch.jsonl import dumps, from_dict
from presswatch.records import FetchedPage, SourceResult
from presswatch.story import Crawl, Story

JOB_FILE = "job.json"


class DamagedJob(ValueError):
    """A crawl job file that cannot be read; the message names it."""
PAGES_FILE = "pages.jsonl"
SOURCES_FILE = "sources.jsonl"
DECODES_FILE = "decodes.jsonl"
# The download slot every request to Google News shares: one at a time, google_news_delay apart.
GOOGLE_NEWS_SLOT = "google-news"
STATS_FILE = "stats.json"
LOG_FILE = "crawl.log"


@dataclass
class SourceSpec:
    """A feed or sitemap to read; ignore_robots is the story's per-feed opt-in (see Feed)."""

    url: str
    name: str | None = None
    ignore_robots: bool = False


@dataclass
class CrawlJob:
    """Everything one crawl needs, as plain JSON-able values.

    feed_state maps a source URL (as written in the story) to its (etag, last_modified) from
    the previous run. stored_urls_path names a text file of canonical URLs already stored, one
    per line: they are never fetched again. since drops feed and sitemap entries dated before
    the story's start. trusted_networks ("203.0.113.0/24") are treated as public even when
    private hosts are refused. retry_backoff is the wait before the first retry, in seconds.
    decoded_links maps Google News links decoded by earlier runs to their publisher's URL (they
    are not asked again); undecodable_links are links given up on after repeated failures.
    max_seconds, if set, closes the crawl gracefully after that long (finish_reason
    "closespider_timeout"; downloads in flight may take up to crawl.timeout more; what was
    fetched is kept, the rest is found again by the next run).
    found_sources are sources the run read before the crawl (GDELT's DOC API, kind "gdelt"):
    their candidates are fetched like a feed's and their results reported with the feeds'.
    """

    feeds: list[SourceSpec] = field(default_factory=list)
    sitemaps: list[SourceSpec] = field(default_factory=list)
    crawl: Crawl = field(default_factory=Crawl)
    since: date | None = None
    feed_state: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    stored_urls_path: str | None = None
    trusted_networks: list[str] = field(default_factory=list)
    retry_backoff: float = 1.0
    max_seconds: float | None = None
    decoded_links: dict[str, str] = field(default_factory=dict)
    undecodable_links: list[str] = field(default_factory=list)
    found_sources: list[SourceResult] = field(default_factory=list)

    @classmethod
    def for_story(
        cls,
        story: Story,
        *,
        feed_state: dict[str, tuple[str | None, str | None]] | None = None,
        stored_urls_path: Path | None = None,
        decoded_links: dict[str, str] | None = None,
        undecodable_links: list[str] | None = None,
        found_sources: list[SourceResult] | None = None,
    ) -> CrawlJob:
        return cls(
            feeds=[SourceSpec(f.url, f.name, f.ignore_robots) for f in story.feeds],
            sitemaps=[SourceSpec(s.url, s.name) for s in story.sitemaps],
            crawl=story.crawl,
            since=story.start_date,
            feed_state=dict(feed_state or {}),
            stored_urls_path=str(stored_urls_path) if stored_urls_path else None,
            decoded_links=dict(decoded_links or {}),
            undecodable_links=list(undecodable_links or []),
            found_sources=list(found_sources or []),
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["crawl"] = self.crawl.model_dump()
        data["since"] = self.since.isoformat() if self.since else None
        data["found_sources"] = [json.loads(dumps(found)) for found in self.found_sources]
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> CrawlJob:
        data = json.loads(text)
        return cls(
            feeds=[SourceSpec(**s) for s in data.get("feeds", [])],
            sitemaps=[SourceSpec(**s) for s in data.get("sitemaps", [])],
            crawl=Crawl.model_validate(data.get("crawl", {})),
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            feed_state={k: (v[0], v[1]) for k, v in data.get("feed_state", {}).items()},
            stored_urls_path=data.get("stored_urls_path"),
            trusted_networks=list(data.get("trusted_networks", [])),
            retry_backoff=float(data.get("retry_backoff", 1.0)),
            max_seconds=data.get("max_seconds"),
            decoded_links=dict(data.get("decoded_links", {})),
            undecodable_links=list(data.get("undecodable_links", [])),
            found_sources=[from_dict(SourceResult, found)
                           for found in data.get("found_sources", [])],
        )

    @classmethod
    def read(cls, path: Path) -> CrawlJob:
        """The job in a file; DamagedJob, naming the file, when it is empty, cut or not ours
        (a disk that filled up, a kill between creating the folder and writing the job)."""
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            raise DamagedJob(f"{path}: the crawl job is damaged ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from exc

    def stored_urls(self) -> set[str]:
        if not self.stored_urls_path:
            return set()
        with open(self.stored_urls_path, encoding="utf-8") as lines:
            return {line.strip() for line in lines if line.strip()}


def job_settings(job: CrawlJob, staging_dir: Path) -> dict[str, Any]:
    """Scrapy settings for this job, laid over presswatch/spiders/settings.py."""
    crawl = job.crawl
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_START_DELAY": crawl.download_delay,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "RETRY_TIMES": crawl.retries,
        "PRESSWATCH_GOOGLE_NEWS_PAUSE": crawl.google_news_pause,
        "PRESSWATCH_RETRY_BACKOFF_BASE": job.retry_backoff,
        "PRESSWATCH_ALLOW_PRIVATE_HOSTS": crawl.allow_private_hosts,
        "PRESSWATCH_TRUSTED_NETWORKS": list(job.trusted_networks),
        "PRESSWATCH_STAGING_DIR": str(staging_dir),
        "CLOSESPIDER_TIMEOUT": job.max_seconds or 0,
        "DOWNLOAD_SLOTS": {
            GOOGLE_NEWS_SLOT: {"concurrency": 1, "delay": crawl.google_news_delay, "jitter": 0},
        },
        "FEEDS": {
            str(staging_dir / PAGES_FILE): {
                "format": "jsonlines",
                "item_classes": ["presswatch.spiders.items.PageItem"],
                "fields": list(FetchedPage.__dataclass_fields__),
                "overwrite": True,
            },
            str(staging_dir / SOURCES_FILE): {
                "format": "jsonlines",
                "item_classes": ["presswatch.spiders.items.SourceItem"],
                "overwrite": True,
            },
            str(staging_dir / DECODES_FILE): {
                "format": "jsonlines",
                "item_classes": ["presswatch.spiders.items.DecodeItem"],
                "overwrite": True,
            },
        },
    }
