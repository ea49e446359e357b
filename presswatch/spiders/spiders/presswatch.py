"""The one spider: read the story's feeds and sitemaps, then fetch the articles they name.

It navigates and yields; parsing is spiders.feeds, identity spiders.urls, and every failure
ends in an errback that records the URL and the reason.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from presswatch.jsonl import dumps
from presswatch.records import Candidate
from presswatch.spiders.feeds import ParsedSource, parse_feed, parse_sitemap
from presswatch.spiders.items import PageItem, SourceItem
from presswatch.spiders.job import CrawlJob, SourceSpec, job_settings
from presswatch.spiders.middlewares import AlreadyStored, PrivateHostRefused
from presswatch.spiders.sniff import sniff_non_html
from presswatch.spiders.urls import (
    BadUrl,
    canonicalize,
    google_news_page_target,
    is_google_news_url,
)

HTML_TYPES = {"text/html", "application/xhtml+xml"}
MAX_SITEMAP_DEPTH = 3
MAX_SITEMAPS_PER_SOURCE = 200


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


def describe_failure(failure: Failure, timeout: float, max_bytes: int) -> tuple[int | None, str]:
    """(HTTP status if any, reason a person can act on) for a failed request."""
    error = failure.value
    request = getattr(failure, "request", None)
    meta = request.meta if request is not None else {}
    retries = meta.get("retry_times", 0)
    max_bytes = meta.get("download_maxsize", max_bytes)
    after = f" after {retries} retries" if retries else ""
    if isinstance(error, HttpError):
        status = error.response.status
        if 300 <= status < 400:
            # RedirectMiddleware only follows http(s) Locations; anything else stops here.
            location = _header(error.response, "Location")
            return status, f"HTTP {status}: redirect to {location!r} not followed"
        return status, f"HTTP {status}{after}"
    if isinstance(error, PrivateHostRefused):
        return None, f"refused: {error}"
    if isinstance(error, AlreadyStored):
        return None, str(error)
    if isinstance(error, DownloadCancelledError):
        return None, f"too large: more than {max_bytes} bytes"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return None, "blocked by robots.txt"
        if "max redirections" in message:
            return None, "redirect loop or too many redirects"
        if "decompression" in message:
            return None, f"too large: more than {max_bytes} bytes once decompressed"
        return None, f"ignored: {message}"
    if isinstance(error, DownloadTimeoutError | TwistedTimeoutError):
        return None, f"timeout: no complete response within {timeout:g} s{after}"
    if isinstance(error, CannotResolveHostError):
        return None, f"DNS lookup failed for {request.url if request else 'this URL'}{after}"
    if isinstance(error, DownloadConnectionRefusedError):
        return None, f"connection refused{after}"
    if isinstance(error, ResponseDataLossError):
        return None, f"response cut short{after}"
    return None, f"{type(error).__name__}: {error}{after}"


class PresswatchSpider(scrapy.Spider):
    name = "presswatch"

    job: CrawlJob
    stored: set[str]
    requested: set[str]
    sitemaps_per_source: dict[str, int]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PresswatchSpider:
        job_path = Path(kwargs["job"]).resolve()
        job = CrawlJob.from_json(job_path.read_text(encoding="utf-8"))
        crawler.settings.setdict(job_settings(job, job_path.parent), priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.job = job
        spider.stored = job.stored_urls()
        spider.requested = set()
        spider.sitemaps_per_source = {}
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for spec in self.job.feeds:
            yield self._source_request(spec, "feed")
        for spec in self.job.sitemaps:
            yield self._source_request(spec, "sitemap")

    def _source_request(self, spec: SourceSpec, kind: str) -> scrapy.Request | SourceItem:
        try:
            url = canonicalize(spec.url)
        except BadUrl as bad:
            return SourceItem(spec.url, spec.url, kind, spec.name, None, error=str(bad))
        headers = {}
        etag, last_modified = self.job.feed_state.get(spec.url, (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        meta = {
            "pw_source": spec.url,
            "pw_name": spec.name,
            "pw_kind": kind,
            "pw_document": spec.url,
            "pw_depth": 0,
            "download_maxsize": self.job.crawl.max_feed_bytes,
            "handle_httpstatus_list": [304],
        }
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        return scrapy.Request(
            url, callback=callback, errback=self.source_failed, headers=headers, meta=meta,
            dont_filter=True, priority=100,
        )

    def _source_item(self, response: Response, parsed: ParsedSource) -> SourceItem:
        meta = response.meta
        is_head = meta["pw_depth"] == 0
        ok = parsed.error is None and is_head
        return SourceItem(
            source_url=meta["pw_source"],
            document_url=meta["pw_document"],
            kind=meta["pw_kind"],
            name=meta["pw_name"],
            status=response.status,
            candidates=[_candidate_json(c) for c in parsed.candidates],
            # A broken document keeps no validator: the next run must read it in full.
            etag=_header(response, "ETag") if ok else None,
            last_modified=_header(response, "Last-Modified") if ok else None,
            error=parsed.error,
            skipped=dict(parsed.skipped),
        )

    def _not_modified(self, response: Response) -> SourceItem:
        meta = response.meta
        etag, last_modified = self.job.feed_state.get(meta["pw_source"], (None, None))
        return SourceItem(
            meta["pw_source"], meta["pw_document"], meta["pw_kind"], meta["pw_name"], 304,
            etag=_header(response, "ETag") or etag,
            last_modified=_header(response, "Last-Modified") or last_modified,
            not_modified=True,
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._not_modified(response)
            return
        parsed = parse_feed(
            response.body,
            source_url=response.meta["pw_source"],
            now=datetime.now(UTC),
            content_type=_header(response, "Content-Type"),
            since=self.job.since,
        )
        yield self._source_item(response, parsed)
        yield from self._page_requests(parsed.candidates)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._not_modified(response)
            return
        parsed = parse_sitemap(
            response.body,
            source_url=response.meta["pw_source"],
            now=datetime.now(UTC),
            max_size=self.job.crawl.max_feed_bytes,
            since=self.job.since,
        )
        yield self._source_item(response, parsed)
        yield from self._page_requests(parsed.candidates)
        yield from self._child_sitemap_requests(response, parsed.sitemaps)

    def _child_sitemap_requests(
        self, response: Response, children: list[str]
    ) -> Iterator[scrapy.Request]:
        source = response.meta["pw_source"]
        depth = response.meta["pw_depth"] + 1
        if depth > MAX_SITEMAP_DEPTH:
            return
        for child in children:
            count = self.sitemaps_per_source.get(source, 0)
            if count >= MAX_SITEMAPS_PER_SOURCE:
                return
            self.sitemaps_per_source[source] = count + 1
            meta = {
                **{k: v for k, v in response.meta.items() if k.startswith("pw_")},
                "pw_document": child,
                "pw_depth": depth,
                "download_maxsize": self.job.crawl.max_feed_bytes,
            }
            yield scrapy.Request(
                child, callback=self.parse_sitemap, errback=self.source_failed, meta=meta,
                dont_filter=True, priority=90,
            )

    def source_failed(self, failure: Failure) -> Iterator[SourceItem]:
        meta = failure.request.meta
        status, reason = describe_failure(
            failure, self.job.crawl.timeout, self.job.crawl.max_page_bytes
        )
        yield SourceItem(
            meta["pw_source"], meta["pw_document"], meta["pw_kind"], meta["pw_name"], status,
            error=reason,
        )

    def _page_requests(self, candidates: list[Candidate]) -> Iterator[scrapy.Request]:
        for candidate in candidates:
            if candidate.url in self.stored or candidate.url in self.requested:
                continue
            self.requested.add(candidate.url)
            yield scrapy.Request(
                candidate.url,
                callback=self.parse_page,
                errback=self.page_failed,
                meta={"pw_url": candidate.url, "pw_source": candidate.source_url},
                dont_filter=True,
            )

    def parse_page(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        publisher = google_news_page_target(response.url, response.body)
        if publisher is not None and not response.meta.get("pw_via_google"):
            # Google's own page instead of a redirect: go on to the publisher it names.
            if publisher in self.stored:
                yield PageItem(
                    url=response.meta["pw_url"], final_url=publisher, status=response.status,
                    fetched_at=_now(), source_url=response.meta["pw_source"],
                    reason=f"already stored as {publisher}",
                )
                return
            meta = {k: v for k, v in response.meta.items() if k.startswith("pw_")}
            yield scrapy.Request(
                publisher, callback=self.parse_page, errback=self.page_failed,
                meta={**meta, "pw_via_google": True}, dont_filter=True,
            )
            return
        content_type = _header(response, "Content-Type")
        media_type = (content_type or "").split(";")[0].strip().lower()
        charset = _charset(content_type)
        reason = None
        if media_type not in HTML_TYPES:
            reason = f"not HTML: content type {media_type or '(none)'}"
        elif not response.body:
            reason = "empty body"
        elif is_google_news_url(response.url):
            reason = "Google News link not resolved: Google served its own page, not the article"
        else:
            not_html = sniff_non_html(response.body)
            if not_html:
                reason = f"not HTML despite content type {media_type}: {not_html}"
        yield PageItem(
            url=response.meta["pw_url"],
            final_url=_canonical_or_raw(response.url),
            status=response.status,
            fetched_at=_now(),
            source_url=response.meta["pw_source"],
            content_type=content_type,
            encoding=charset,
            reason=reason,
            body=None if reason else response.body,
        )

    def page_failed(self, failure: Failure) -> Iterator[PageItem]:
        request = failure.request
        status, reason = describe_failure(
            failure, self.job.crawl.timeout, self.job.crawl.max_page_bytes
        )
        yield PageItem(
            url=request.meta["pw_url"],
            final_url=_canonical_or_raw(request.url),
            status=status,
            fetched_at=_now(),
            source_url=request.meta["pw_source"],
            reason=reason,
        )


def _candidate_json(candidate: Candidate) -> dict[str, Any]:
    return json.loads(dumps(candidate))


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _canonical_or_raw(url: str) -> str:
    try:
        return canonicalize(url)
    except BadUrl:
        return url
