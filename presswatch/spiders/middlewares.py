"""Scrapy components of our own: the private-host guard, skipping stored redirect targets,
retry backoff, the pause after Google's 429 (downloader middlewares), recording callback
errors (a spider middleware) and the guarded DNS resolver.

Downloader middlewares run on every request Scrapy sends, including robots.txt fetches,
retries and each hop of a redirect chain (RedirectMiddleware hands a new request back to the
engine, which passes it through process_request again), so a public page cannot redirect the
crawler inside.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from presswatch.spiders.items import PageItem, SourceItem
from presswatch.spiders.job import GOOGLE_NEWS_SLOT
from presswatch.spiders.urls import (
    BadUrl,
    IpNetwork,
    UrlRefused,
    canonicalize,
    check_url_allowed,
    is_public_address,
    parse_networks,
)

logger = logging.getLogger(__name__)


class PrivateHostRefused(IgnoreRequest):
    """The request's URL is not http(s) or its host is on a non-public address."""


class PrivateHostGuardMiddleware:
    """Refuses requests to non-public addresses unless PRESSWATCH_ALLOW_PRIVATE_HOSTS.

    Names are resolved in a worker thread (not the reactor thread), and the verdict is kept per
    scheme and host for this crawl.
    """

    def __init__(self, allow_private_hosts: bool, trusted_networks: list[str]) -> None:
        self.allow_private_hosts = allow_private_hosts
        self.trusted_networks = parse_networks(trusted_networks)
        self._verdicts: dict[tuple[str, str], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateHostGuardMiddleware:
        settings = crawler.settings
        return cls(
            settings.getbool("PRESSWATCH_ALLOW_PRIVATE_HOSTS"),
            settings.getlist("PRESSWATCH_TRUSTED_NETWORKS"),
        )

    def _verdict(self, url: str) -> str | None:
        try:
            check_url_allowed(
                url, self.allow_private_hosts, trusted_networks=self.trusted_networks
            )
        except UrlRefused as refused:
            return str(refused)
        return None

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        key = (parts.scheme.lower(), (parts.hostname or "").lower())
        if key not in self._verdicts:
            self._verdicts[key] = await asyncio.to_thread(self._verdict, request.url)
        refusal = self._verdicts[key]
        if refusal is not None:
            hops = request.meta.get("redirect_urls")
            if hops:
                refusal = f"redirect from {hops[0]} refused: {refusal}"
            raise PrivateHostRefused(refusal)


class AlreadyStored(IgnoreRequest):
    """A redirect leads to a URL that is already stored: no need to fetch it again."""


class SkipStoredRedirectsMiddleware:
    """Stops a redirect chain at a URL the warehouse already holds.

    The spider never requests a stored URL, but a link it has not seen (a news aggregator's
    redirect, an old URL) may lead to one; following it would fetch a stored article again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipStoredRedirectsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("redirect_urls"):
            return
        stored = getattr(self.crawler.spider, "stored", ())
        try:
            url = canonicalize(request.url)
        except BadUrl:
            return
        if url in stored:
            raise AlreadyStored(f"already stored as {url}")


class RecordCallbackErrorsMiddleware:
    """Spider middleware: a callback that fails (a bug, or input nobody foresaw) still leaves
    the record of its page or source, with the error as the reason, instead of nothing."""

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[PageItem | SourceItem] | None:
        meta = response.meta
        reason = f"internal error reading {response.url}: {type(exception).__name__}: {exception}"
        logger.error(reason, exc_info=exception)
        fetched_at = datetime.now(UTC).isoformat()
        if "pw_url" in meta:
            return [PageItem(url=meta["pw_url"], final_url=response.url, status=response.status,
                             fetched_at=fetched_at, source_url=meta["pw_source"], reason=reason)]
        if "pw_kind" in meta:
            return [SourceItem(meta["pw_source"], meta["pw_document"], meta["pw_kind"],
                               meta["pw_name"], response.status, error=reason)]
        return None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for: "120" or an HTTP date; None if unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryBackoffMiddleware:
    """Waits before each retry: base, 2 x base, 4 x base ... or what the site's Retry-After
    asks (429, 503) when that is longer, capped, so a struggling site gets room instead of an
    immediate second hit.

    Placed after RetryMiddleware (550) so its process_response sees a 429 first and leaves
    the Retry-After in the meta that the retry request copies.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        settings = crawler.settings
        return cls(
            settings.getfloat("PRESSWATCH_RETRY_BACKOFF_BASE"),
            settings.getfloat("PRESSWATCH_RETRY_BACKOFF_MAX"),
        )

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in (429, 503):
            header = response.headers.get("Retry-After")
            wait = retry_after_seconds(header.decode("latin-1") if header else None,
                                       datetime.now(UTC))
            if wait is not None:
                request.meta["pw_retry_after"] = wait
        return response

    async def process_request(self, request: Request) -> None:
        attempt = request.meta.get("retry_times", 0)
        if not attempt:
            return
        backoff = self.base * 2 ** (attempt - 1)
        asked = request.meta.get("pw_retry_after", 0.0)
        wait = min(self.cap, max(backoff, asked))
        if wait > 0:
            why = " (Retry-After)" if asked > backoff else ""
            logger.info("waiting %.3g s before retry %d of %s%s", wait, attempt, request.url, why)
            await asyncio.sleep(wait)


class GooglePaused(IgnoreRequest):
    """Google rate-limited this crawl: no request goes to it until the pause is over."""


class GooglePauseMiddleware:
    """After Google's first 429, refuses every request in the Google News download slot for
    PRESSWATCH_GOOGLE_NEWS_PAUSE seconds, so the run goes on without Google.

    Google answers the article pages with 429 after about 15 requests and blocks for up to an
    hour: retrying, or asking for the next link, only prolongs the block. Google's requests
    carry dont_retry; this sees their 429 before anything else does (it sits after
    RetryMiddleware, and responses pass middlewares from the highest number down).
    """

    def __init__(self, pause_s: float) -> None:
        self.pause_s = pause_s
        self.paused_until: float | None = None  # time.monotonic() value
        self.paused_at: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GooglePauseMiddleware:
        return cls(crawler.settings.getfloat("PRESSWATCH_GOOGLE_NEWS_PAUSE"))

    def process_request(self, request: Request) -> None:
        if request.meta.get("download_slot") != GOOGLE_NEWS_SLOT or self.paused_until is None:
            return
        if time.monotonic() < self.paused_until:
            raise GooglePaused(
                f"not asked: Google answered 429 at {self.paused_at} UTC; no request to "
                f"Google for {self.pause_s:g} s ([crawl] google_news_pause)")

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 429 and request.meta.get("download_slot") == GOOGLE_NEWS_SLOT:
            if self.paused_until is None or time.monotonic() >= self.paused_until:
                self.paused_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
                logger.warning("Google News answered 429 to %s: no request to Google for "
                               "%g s", request.url, self.pause_s)
            self.paused_until = time.monotonic() + self.pause_s
        return response


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, refusing names that resolve to non-public addresses.

    The middleware checks a host before the request; this checks the very address the
    connection will use, so a name that answers "public" to the check and "private" a moment
    later (DNS rebinding) still cannot reach inside. IP literals skip DNS and are checked by
    the middleware alone.

    Scrapy builds the resolver from the CrawlerProcess before any spider exists, so the
    policy (which the spider's job sets) is read from the running crawlers at lookup time;
    with several crawlers, private hosts are allowed only if all of them allow them.
    """

    _owner: object = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver._owner = crawler
        return resolver

    def _policy(self) -> tuple[bool, tuple[IpNetwork, ...]]:
        crawlers = getattr(self._owner, "crawlers", None) or [self._owner]
        settings = [c.settings for c in crawlers if getattr(c, "settings", None) is not None]
        if not settings:
            return False, ()
        allow = all(s.getbool("PRESSWATCH_ALLOW_PRIVATE_HOSTS") for s in settings)
        trusted = parse_networks(
            [n for s in settings for n in s.getlist("PRESSWATCH_TRUSTED_NETWORKS")]
        )
        return allow, trusted

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        return super().getHostByName(name, timeout).addCallback(self._refuse_private, name)

    def _refuse_private(self, address: str, name: str) -> str:
        allow, trusted = self._policy()
        if allow or is_public_address(ipaddress.ip_address(address), trusted):
            return address
        # Twisted reports any failure here as "no results", so the reason goes to the log.
        logger.warning("refused: %s resolved to non-public address %s", name, address)
        raise DNSLookupError(f"{name} resolved to non-public address {address}: refused")
