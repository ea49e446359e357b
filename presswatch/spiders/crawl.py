"""Run one crawl in a subprocess and read back what it wrote: the flow's way into Scrapy.

Scrapy's reactor cannot restart in a process, so each crawl is
`python -m presswatch.spiders.crawl JOB`
in a child process (about a second of overhead). The job and everything the crawl writes live
in one staging folder:

    job.json        the CrawlJob
    sources.jsonl   one line per fetched feed/sitemap document (grows during the crawl)
    pages.jsonl     one FetchedPage per line (grows as pages arrive: tail it for progress)
    bodies/*.gz     raw bodies, gzip-compressed, named by stable_id(url)
    crawl.log       Scrapy's log
    stats.json      Scrapy's stats when the crawl finished

This module imports no Scrapy at load time, so the flow can import it freely.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from presswatch.jsonl import from_dict
from presswatch.records import Candidate, FetchedPage, SourceResult
from presswatch.story import Crawl, Story

JOB_FILE = "job.json"
PAGES_FILE = "pages.jsonl"
SOURCES_FILE = "sources.jsonl"
STATS_FILE = "stats.json"
LOG_FILE = "crawl.log"
NO_RESULT = "no result recorded: the crawl ended early or failed on this source (see crawl.log)"


# Reasons a page has no body of its own that are not failures: the page was reached, and its
# content is (or will be) stored under another URL.
_NOT_FAILURES = ("duplicate:", "already stored as")


def is_fetch_failure(page: FetchedPage) -> bool:
    """True when the page could not be fetched or used (robots, HTTP error, too large...);
    False for pages with a body and for duplicates of a page fetched under another URL."""
    return page.reason is not None and not page.reason.startswith(_NOT_FAILURES)


class CrawlFailed(RuntimeError):
    """The crawl subprocess died or could not start; the message points at its log."""


@dataclass
class SourceSpec:
    url: str
    name: str | None = None


@dataclass
class CrawlJob:
    """Everything one crawl needs, as plain JSON-able values.

    feed_state maps a source URL (as written in the story) to its (etag, last_modified) from
    the previous run. stored_urls_path names a text file of canonical URLs already stored, one
    per line: they are never fetched again. since drops feed and sitemap entries dated before
    the story's start. trusted_networks ("203.0.113.0/24") are treated as public even when
    private hosts are refused. retry_backoff is the wait before the first retry, in seconds.
    max_seconds, if set, closes the crawl gracefully after that long (finish_reason
    "closespider_timeout"; downloads in flight may take up to crawl.timeout more; what was
    fetched is kept, the rest is found again by the next run).
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

    @classmethod
    def for_story(
        cls,
        story: Story,
        *,
        feed_state: dict[str, tuple[str | None, str | None]] | None = None,
        stored_urls_path: Path | None = None,
    ) -> CrawlJob:
        return cls(
            feeds=[SourceSpec(f.url, f.name) for f in story.feeds],
            sitemaps=[SourceSpec(s.url, s.name) for s in story.sitemaps],
            crawl=story.crawl,
            since=story.start_date,
            feed_state=dict(feed_state or {}),
            stored_urls_path=str(stored_urls_path) if stored_urls_path else None,
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["crawl"] = self.crawl.model_dump()
        data["since"] = self.since.isoformat() if self.since else None
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
        )

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
        "PRESSWATCH_RETRY_BACKOFF_BASE": job.retry_backoff,
        "PRESSWATCH_ALLOW_PRIVATE_HOSTS": crawl.allow_private_hosts,
        "PRESSWATCH_TRUSTED_NETWORKS": list(job.trusted_networks),
        "PRESSWATCH_STAGING_DIR": str(staging_dir),
        "CLOSESPIDER_TIMEOUT": job.max_seconds or 0,
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
        },
    }


@dataclass
class CrawlOutput:
    """What a crawl left in its staging folder, read back as records."""

    staging_dir: Path
    sources: list[SourceResult]
    stats: dict[str, Any]

    @property
    def finish_reason(self) -> str | None:
        """ "finished", "closespider_timeout" (max_seconds reached), or None if it never ended."""
        return self.stats.get("finish_reason")

    @property
    def pages_path(self) -> Path:
        return self.staging_dir / PAGES_FILE

    def pages(self) -> Iterator[FetchedPage]:
        """FetchedPage records one at a time (never all in memory), body_path made absolute."""
        for data in _json_lines(self.pages_path):
            if data.get("body_path"):
                data["body_path"] = str(self.staging_dir / data["body_path"])
            yield from_dict(FetchedPage, data)


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of a file that may still be growing or was cut by a kill."""
    if not path.exists():
        return
    with path.open("rb") as lines:
        for line in lines:
            if not line.endswith(b"\n"):
                return
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def count_pages(staging_dir: Path) -> int:
    """Pages written so far: a cheap progress figure while the crawl runs."""
    path = staging_dir / PAGES_FILE
    if not path.exists():
        return 0
    with path.open("rb") as data:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))


def _merge_sources(job: CrawlJob, items: list[dict[str, Any]]) -> list[SourceResult]:
    """One SourceResult per job source, in job order: child sitemap documents are folded into
    their index's result, and a source the crawl never reached says so."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_source.setdefault(item["source_url"], []).append(item)
    results = []
    specs = [(s, "feed") for s in job.feeds] + [(s, "sitemap") for s in job.sitemaps]
    for spec, kind in specs:
        documents = by_source.get(spec.url)
        if not documents:
            results.append(SourceResult(spec.url, kind, spec.name, None, error=NO_RESULT))
            continue
        head = next((d for d in documents if d["document_url"] == spec.url), documents[0])
        errors = [head["error"]] if head.get("error") else []
        seen: set[str] = set()
        candidates = []
        for document in documents:
            if document is not head and document.get("error"):
                errors.append(f"child sitemap {document['document_url']}: {document['error']}")
            for data in document.get("candidates", []):
                if data["url"] not in seen:
                    seen.add(data["url"])
                    candidates.append(from_dict(Candidate, data))
        results.append(
            SourceResult(
                source_url=spec.url,
                kind=kind,
                name=spec.name,
                status=head.get("status"),
                candidates=candidates,
                etag=head.get("etag"),
                last_modified=head.get("last_modified"),
                error="; ".join(errors) or None,
                not_modified=bool(head.get("not_modified")),
            )
        )
    return results


def load_crawl_output(staging_dir: Path) -> CrawlOutput:
    """Read a staging folder back, also one left by a crawl that was killed half-way."""
    staging_dir = Path(staging_dir)
    job = CrawlJob.from_json((staging_dir / JOB_FILE).read_text(encoding="utf-8"))
    stats_path = staging_dir / STATS_FILE
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    sources = _merge_sources(job, list(_json_lines(staging_dir / SOURCES_FILE)))
    return CrawlOutput(staging_dir=staging_dir, sources=sources, stats=stats)


def _child_env() -> dict[str, str]:
    """The child reads its settings from the job, never from a stray SCRAPY_SETTINGS_MODULE."""
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


def run_crawl(
    job: CrawlJob,
    staging_dir: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    poll_seconds: float = 0.5,
) -> CrawlOutput:
    """Crawl job's sources in a child process writing into staging_dir, then read it back.

    on_progress, if given, is called with the number of pages written so far while the crawl
    runs. Raises CrawlFailed if the child exits with an error (what it wrote is still readable
    with load_crawl_output).
    """
    staging_dir = Path(staging_dir)
    staging_dir.mkdir(parents=True, exist_ok=True)
    (staging_dir / JOB_FILE).write_text(job.to_json(), encoding="utf-8")
    command = [sys.executable, "-m", "presswatch.spiders.crawl", str(staging_dir / JOB_FILE)]
    with (staging_dir / LOG_FILE).open("wb") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=_child_env())
        while child.poll() is None:
            if on_progress is not None:
                on_progress(count_pages(staging_dir))
            time.sleep(poll_seconds)
    if on_progress is not None:
        on_progress(count_pages(staging_dir))
    if child.returncode != 0:
        tail = (staging_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace")[-2000:]
        raise CrawlFailed(
            f"crawl of {staging_dir} exited with code {child.returncode}; "
            f"see {staging_dir / LOG_FILE}. Last lines:\n{tail}"
        )
    return load_crawl_output(staging_dir)


def main(argv: list[str] | None = None) -> int:
    """`python -m presswatch.spiders.crawl STAGING/job.json`: one crawl, in this process."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from presswatch.spiders.spiders.presswatch import PresswatchSpider

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m presswatch.spiders.crawl STAGING/job.json", file=sys.stderr)
        return 2
    job_path = Path(args[0]).resolve()
    settings = Settings()
    settings.setmodule("presswatch.spiders.settings", priority="project")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PresswatchSpider)
    process.crawl(crawler, job=str(job_path))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    (job_path.parent / STATS_FILE).write_text(
        json.dumps(stats, default=str, indent=2, sort_keys=True), encoding="utf-8"
    )
    return 0 if stats.get("finish_reason") in {"finished", "closespider_timeout"} else 1


if __name__ == "__main__":
    sys.exit(main())
