"""Downloader middlewares: the private-host guard and retry backoff.

Both run on every request Scrapy sends, including robots.txt fetches, retries and each hop of
a redirect chain (RedirectMiddleware hands a new request back to the engine, which passes it
through process_request again), so a public page cannot redirect the crawler inside.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from spiders.urls import UrlRefused, check_url_allowed, parse_networks


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


class RetryBackoffMiddleware:
    """Waits before each retry: base, 2 x base, 4 x base ... capped, so a struggling site
    (429, 5xx) gets room instead of an immediate second hit."""

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

    async def process_request(self, request: Request) -> None:
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            await asyncio.sleep(min(self.cap, self.base * 2 ** (attempt - 1)))
