"""The one spider: read the story's feeds and sitemaps, then fetch the articles they name.

It navigates and yields; parsing is spiders.feeds, identity spiders.urls, aggregator links
spiders.news_links (a Google News link goes through Google's article page, then one
batchexecute POST per batch of links), walls (pages that are not the article)
spiders.walls, and every failure ends in an errback that records the URL and the reason.

robots.txt is obeyed for every request but those of a feed the story opts in
(`ignore_robots = true`): that feed and the Google News links it lists. Google News is asked
only through such a feed; see GOOGLE_OPT_IN.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
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
from presswatch.spiders.items import DecodeItem, PageItem, SourceItem
from presswatch.spiders.job import GOOGLE_NEWS_SLOT, CrawlJob, SourceSpec, job_settings
from presswatch.spiders.middlewares import AlreadyStored, GooglePaused, PrivateHostRefused
from presswatch.spiders.news_links import (
    BatchexecuteError,
    Signature,
    batchexecute_body,
    batchexecute_url,
    google_news_article_id,
    google_news_page_url,
    parse_batchexecute,
    parse_signature,
)
from presswatch.spiders.sniff import sniff_non_html
from presswatch.spiders.urls import (
    BadUrl,
    canonical_or_none,
    canonicalize,
    google_news_page_target,
    is_google_news_url,
)
from presswatch.spiders.walls import find_wall

HTML_TYPES = {"text/html", "application/xhtml+xml"}
MAX_SITEMAP_DEPTH = 3
MAX_SITEMAPS_PER_SOURCE = 200
# Every request to Google News waits its turn in one slot whose delay AutoThrottle must not
# lower: that slot is the rate limit (see job_settings).
# Google's requests are never retried (a 429 pauses Google instead, see GooglePauseMiddleware)
# and never redirected: a consent or "sorry" page is recorded, not followed. They skip
# robots.txt: only an opted-in feed's links get here.
GOOGLE_META = {"download_slot": GOOGLE_NEWS_SLOT, "autothrottle_dont_adjust_delay": True,
               "dont_retry": True, "dont_redirect": True, "dont_obey_robotstxt": True}
GOOGLE_OPT_IN = (
    "Google News is opt-in: news.google.com/robots.txt disallows /rss/ and its article pages "
    "for every agent. To use it anyway, set ignore_robots = true on a Google News feed in the "
    "story (see docs/live-web.md)")
# Where Google sends a client it will not serve: its cookie consent (EU) or "unusual traffic".
_GOOGLE_WALLS = (("consent.google.", "Google asked for cookie consent"),
                 ("/sorry/", "Google's \"unusual traffic\" page"))


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


class ArticlesSpider(scrapy.Spider):
    # The name `scrapy crawl presswatch` runs it by (scrapy.cfg, spiders/README.md).
    name = "presswatch"

    job: CrawlJob
    stored: set[str]
    requested: set[str]
    sitemaps_per_source: dict[str, int]
    # batchexecute URL -> signed links waiting to be asked for in one POST
    pending_decodes: dict[str, list[tuple[Signature, dict[str, Any]]]]
    google_links_asked: int  # links sent to Google in this crawl (google_news_max_links)
    # Google gets one request at a time, the next once the last is answered, so that after a
    # 429 nothing already queued reaches it (GooglePauseMiddleware refuses what follows).
    google_waiting: deque[scrapy.Request]
    google_in_flight: bool

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticlesSpider:
        job_path = Path(kwargs["job"]).resolve()
        job = CrawlJob.read(job_path)
        crawler.settings.setdict(job_settings(job, job_path.parent), priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.job = job
        spider.stored = job.stored_urls()
        spider.requested = set()
        spider.sitemaps_per_source = {}
        spider.pending_decodes = {}
        spider.google_links_asked = 0
        spider.google_waiting = deque()
        spider.google_in_flight = False
        crawler.signals.connect(spider.flush_decodes, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for spec in self.job.feeds:
            yield self._source_request(spec, "feed")
        for spec in self.job.sitemaps:
            yield self._source_request(spec, "sitemap")
        for found in self.job.found_sources:  # read by the run before the crawl (GDELT)
            yield SourceItem(found.source_url, found.source_url, found.kind, found.name,
                             found.status, [_candidate_json(c) for c in found.candidates],
                             last_modified=found.last_modified, error=found.error)
            for request in self._page_requests(found.candidates, google_opted_in=False):
                yield request

    def _source_request(self, spec: SourceSpec, kind: str) -> scrapy.Request | SourceItem:
        try:
            url = canonicalize(spec.url)
        except BadUrl as bad:
            return SourceItem(spec.url, spec.url, kind, spec.name, None, error=str(bad))
        if is_google_news_url(url) and not spec.ignore_robots:
            return SourceItem(spec.url, spec.url, kind, spec.name, None,
                              not_used=GOOGLE_OPT_IN)
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
            "pw_ignore_robots": spec.ignore_robots,
            "dont_obey_robotstxt": spec.ignore_robots,
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
        yield from self._page_requests(parsed.candidates, response.meta["pw_ignore_robots"])

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
        yield from self._page_requests(parsed.candidates, response.meta["pw_ignore_robots"])
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
        if reason == "blocked by robots.txt":
            host = urlsplit(failure.request.url).netloc
            reason += (f": {host}/robots.txt disallows this {meta['pw_kind']} for our user "
                       "agent; remove it from the story"
                       + (", or set ignore_robots = true on it to fetch it anyway (see "
                          "docs/live-web.md)" if meta["pw_kind"] == "feed" else ""))
        yield SourceItem(
            meta["pw_source"], meta["pw_document"], meta["pw_kind"], meta["pw_name"], status,
            error=reason,
        )

    def _page_requests(self, candidates: list[Candidate],
                       google_opted_in: bool) -> list[scrapy.Request | PageItem]:
        """Requests for the candidates not stored or requested yet, all claimed at once: a URL
        that a feed and a sitemap both list goes to the source read first, whatever order
        Scrapy then takes each source's requests in."""
        requests: list[scrapy.Request | PageItem] = []
        for candidate in candidates:
            if candidate.url in self.stored or candidate.url in self.requested:
                continue
            self.requested.add(candidate.url)
            article_id = google_news_article_id(candidate.url)
            if article_id is not None:
                requests.extend(self._google_news_link(candidate, article_id, google_opted_in))
            else:
                requests.append(self._page_request(candidate.url, candidate.source_url))
        return requests

    def _page_request(self, url: str, source_url: str, target: str | None = None,
                      **meta: Any) -> scrapy.Request:
        """The article request for url (fetched at target, a decoded link's publisher URL)."""
        return scrapy.Request(
            target or url,
            callback=self.parse_page,
            errback=self.page_failed,
            meta={"pw_url": url, "pw_source": source_url, **meta},
            dont_filter=True,
        )

    # -- Google News links: the article page's signature, then batchexecute (news_links.py) --

    def _google_news_link(self, candidate: Candidate, article_id: str,
                          opted_in: bool) -> Iterator[scrapy.Request | PageItem]:
        """A link decoded by an earlier run goes straight to its publisher; one given up on is
        left alone; one from a feed that did not opt in, or past the run's cap, is recorded
        as not asked; any other is signed by its Google article page first."""
        meta = {"pw_url": candidate.url, "pw_source": candidate.source_url}
        publisher = self.job.decoded_links.get(candidate.url)
        if publisher is not None:
            yield from self._to_publisher(meta, publisher)
            return
        if candidate.url in self.job.undecodable_links:
            return
        if not opted_in:
            yield from self._not_decoded(meta, None, f"not asked: {GOOGLE_OPT_IN}",
                                         counts=False)
            return
        cap = self.job.crawl.google_news_max_links
        if self.google_links_asked >= cap:
            yield from self._not_decoded(
                meta, None, f"not asked: {cap} links were sent to Google in this run "
                "([crawl] google_news_max_links); the next run asks for it", counts=False)
            return
        self.google_links_asked += 1
        self.google_waiting.append(scrapy.Request(
            google_news_page_url(candidate.url, article_id),
            callback=self.parse_google_page, errback=self.google_page_failed,
            meta={**meta, "pw_article_id": article_id, **GOOGLE_META}, dont_filter=True,
        ))
        yield from self._next_to_google()

    def _next_to_google(self) -> Iterator[scrapy.Request]:
        if not self.google_in_flight and self.google_waiting:
            self.google_in_flight = True
            yield self.google_waiting.popleft()

    def _google_answered(self) -> Iterator[scrapy.Request]:
        self.google_in_flight = False
        yield from self._next_to_google()

    def _to_publisher(self, meta: dict[str, Any],
                      publisher: str) -> Iterator[scrapy.Request | PageItem]:
        if publisher in self.stored:
            yield PageItem(url=meta["pw_url"], final_url=publisher, status=None,
                           fetched_at=_now(), source_url=meta["pw_source"],
                           reason=f"already stored as {publisher}")
            return
        yield self._page_request(meta["pw_url"], meta["pw_source"], publisher,
                                 pw_via_google=True)

    def _decoded(self, meta: dict[str, Any], publisher: str) -> Iterator[Any]:
        yield DecodeItem(meta["pw_url"], meta["pw_source"], _now(), publisher_url=publisher)
        yield from self._to_publisher(meta, publisher)

    def _not_decoded(self, meta: dict[str, Any], status: int | None, reason: str,
                     counts: bool) -> Iterator[DecodeItem | PageItem]:
        """The link's failure in the fetch log, and, when it counts towards giving the link
        up (Google answered about this very link), in the decode log too. Google's pauses,
        429s, walls, robots.txt and network failures say nothing about the link: they never
        count."""
        if counts:
            yield DecodeItem(meta["pw_url"], meta["pw_source"], _now(), error=reason)
        yield PageItem(url=meta["pw_url"], final_url=meta["pw_url"], status=status,
                       fetched_at=_now(), source_url=meta["pw_source"],
                       reason=f"Google News link not resolved: {reason}")

    def parse_google_page(self, response: Response) -> Iterator[Any]:
        yield from self._read_google_page(response)
        yield from self._google_answered()

    def _read_google_page(self, response: Response) -> Iterator[Any]:
        meta = {k: v for k, v in response.meta.items() if k.startswith("pw_")}
        publisher = google_news_page_target(response.url, response.body)
        if publisher is not None:  # the older page that names its target (data-n-au)
            yield from self._decoded(meta, publisher)
            return
        signature = parse_signature(meta["pw_article_id"], response.body)
        if signature is None:
            wall = find_wall(response.body, response.url)
            if wall is not None:
                yield from self._not_decoded(meta, response.status,
                                             f"article page: {wall.describe()}", counts=False)
                return
            yield from self._not_decoded(
                meta, response.status,
                "Google's article page carries no data-n-a-sg/data-n-a-ts signature",
                counts=True)
            return
        endpoint = batchexecute_url(meta["pw_url"])
        waiting = self.pending_decodes.setdefault(endpoint, [])
        waiting.append((signature, meta))
        if len(waiting) >= self.job.crawl.google_news_batch:
            self.google_waiting.append(self._batch_request(endpoint))

    def flush_decodes(self) -> None:
        """At idle (nothing in flight), ask for the signed links that did not fill a batch
        and send Google what still waits; keep the spider open while there is any."""
        for endpoint in list(self.pending_decodes):
            self.google_waiting.append(self._batch_request(endpoint))
        self.google_in_flight = False
        for request in self._next_to_google():
            self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def _batch_request(self, endpoint: str) -> scrapy.Request:
        waiting = self.pending_decodes.pop(endpoint)
        return scrapy.Request(
            endpoint, method="POST", body=batchexecute_body([s for s, _ in waiting]),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            callback=self.parse_batchexecute, errback=self.batchexecute_failed,
            meta={"pw_batch": [m for _, m in waiting], **GOOGLE_META}, dont_filter=True,
            priority=50,
        )

    def parse_batchexecute(self, response: Response) -> Iterator[Any]:
        yield from self._read_batchexecute(response)
        yield from self._google_answered()

    def _read_batchexecute(self, response: Response) -> Iterator[Any]:
        batch = response.meta["pw_batch"]
        try:
            answers = parse_batchexecute(response.body.decode("utf-8", "replace"), len(batch))
        except BatchexecuteError as exc:
            for meta in batch:
                yield from self._not_decoded(meta, response.status, f"batchexecute: {exc}",
                                             counts=False)
            return
        for index, meta in enumerate(batch):
            answer = answers[index]
            if answer.url is not None:
                yield from self._decoded(meta, answer.url)
            else:
                yield from self._not_decoded(meta, response.status,
                                             f"batchexecute: {answer.error}", counts=True)

    def _google_failure(self, failure: Failure) -> tuple[int | None, str, bool]:
        """(status, reason, whether it counts towards giving the link up) for a failed
        request to Google: only a 404 or 410 for the link's own page counts."""
        error = failure.value
        if isinstance(error, GooglePaused):
            return None, str(error), False
        status, reason = describe_failure(
            failure, self.job.crawl.timeout, self.job.crawl.max_page_bytes
        )
        if isinstance(error, HttpError) and 300 <= error.response.status < 400:
            location = _header(error.response, "Location") or ""
            for marker, what in _GOOGLE_WALLS:
                if marker in location:
                    return status, f"{what} (redirect to {location!r}, not followed)", False
        if status == 429:
            reason += (f": Google rate-limited this crawl; no request to Google for "
                       f"{self.job.crawl.google_news_pause:g} s")
        return status, reason, status in (404, 410)

    def google_page_failed(self, failure: Failure) -> Iterator[DecodeItem | PageItem]:
        status, reason, counts = self._google_failure(failure)
        meta = {k: v for k, v in failure.request.meta.items() if k.startswith("pw_")}
        yield from self._not_decoded(meta, status, f"article page: {reason}", counts=counts)
        yield from self._google_answered()

    def batchexecute_failed(self, failure: Failure) -> Iterator[DecodeItem | PageItem]:
        status, reason, _ = self._google_failure(failure)
        for meta in failure.request.meta["pw_batch"]:
            yield from self._not_decoded(meta, status, f"batchexecute: {reason}", counts=False)
        yield from self._google_answered()

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
            yield self._page_request(response.meta["pw_url"], response.meta["pw_source"],
                                     publisher, pw_via_google=True)
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
            elif wall := find_wall(response.body, response.url):
                reason = wall.describe()
        yield PageItem(
            url=response.meta["pw_url"],
            final_url=canonical_or_none(response.url) or response.url,
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
        if isinstance(failure.value, HttpError):
            wall = find_wall(failure.value.response.body, request.url)
            if wall is not None:  # a 403 or 503 that is a bot wall says which one
                reason = f"{reason}: {wall.reason}"
        yield PageItem(
            url=request.meta["pw_url"],
            final_url=canonical_or_none(request.url) or request.url,
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
