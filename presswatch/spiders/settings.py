"""Scrapy settings: politeness and limits live here, once.

The per-story values (user agent, delay, timeout, sizes, retries, private hosts) come from the
story's [crawl] table and are applied over these by the spider when it opens its job
(see ArticlesSpider.from_crawler), so `scrapy crawl` and the flow crawl alike.
"""

from typing import Any

import scrapy.settings.default_settings as _scrapy_defaults


def _without(components: dict[str, Any], left_out: str) -> dict[str, Any]:
    """Scrapy's list of components without one (a Scrapy that renamed it fails here)."""
    if left_out not in components:
        raise KeyError(f"{left_out} is not in Scrapy's defaults any more: update settings.py")
    return {path: order for path, order in components.items() if path != left_out}


BOT_NAME = "presswatch"
SPIDER_MODULES = ["presswatch.spiders.spiders"]
NEWSPIDER_MODULE = "presswatch.spiders.spiders"

# An honest user agent that says who we are and where to read about us.
USER_AGENT = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 opens a remote-control HTTP port by default: an unattended crawler needs none.
REMOTE_CONTROL_ENABLED = False

# Politeness: at most two requests at a time per site, a delay that AutoThrottle raises when a
# site slows down.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retries on 429 and 5xx (and dropped connections), spaced by RetryBackoffMiddleware, which
# also honours Retry-After up to PRESSWATCH_RETRY_BACKOFF_MAX.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
PRESSWATCH_RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled each time
PRESSWATCH_RETRY_BACKOFF_MAX = 30.0
# After Google News answers 429, no request to it for this long (the story's
# [crawl] google_news_pause).
PRESSWATCH_GOOGLE_NEWS_PAUSE = 1800.0

# Limits. DOWNLOAD_MAXSIZE also bounds the decompressed size of gzip/deflate/br/zstd bodies:
# Scrapy 2.19's HttpCompressionMiddleware decompresses in chunks and stops at the limit, so a
# compression bomb costs at most DOWNLOAD_MAXSIZE bytes of memory (tested).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 0
DNS_TIMEOUT = 15
REDIRECT_MAX_TIMES = 10

# Only http(s): a redirect or link to file:, data:, ftp: or s3: must never be fetched.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# Scrapy imports every component its *_BASE lists name, switched off or not (a None in
# EXTENSIONS still imports it): these two are left out of the lists, so a crawl, a quiet one
# above all, does not import the remote control's aiohttp (0.2 s) nor the cookie
# middleware's tldextract and requests (0.1 s; COOKIES_ENABLED above would need it back).
# Scrapy's own lists otherwise.
EXTENSIONS_BASE = _without(_scrapy_defaults.EXTENSIONS_BASE,
                          "scrapy.extensions.remote_control.RemoteControl")
DOWNLOADER_MIDDLEWARES_BASE = _without(_scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE,
                                      "scrapy.downloadermiddlewares.cookies.CookiesMiddleware")

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100), so a refused host is not even asked for its robots.txt, and
    # on every redirect, since a redirected request passes through here again.
    "presswatch.spiders.middlewares.PrivateHostGuardMiddleware": 50,
    # After RetryMiddleware (550): it reads Retry-After before the retry request is made.
    "presswatch.spiders.middlewares.RetryBackoffMiddleware": 560,
    "presswatch.spiders.middlewares.SkipStoredRedirectsMiddleware": 70,
    # Refuses Google News requests for a while after Google's first 429; placed after
    # RetryMiddleware (550) so it sees that 429 first.
    "presswatch.spiders.middlewares.GooglePauseMiddleware": 580,
}
# The same rule once more where the connection's address is resolved (see GuardedResolver).
TWISTED_DNS_RESOLVER = "presswatch.spiders.middlewares.GuardedResolver"
PRESSWATCH_ALLOW_PRIVATE_HOSTS = False
PRESSWATCH_TRUSTED_NETWORKS: list[str] = []

SPIDER_MIDDLEWARES = {
    # Next to the spider, so it sees a callback's exception first.
    "presswatch.spiders.middlewares.RecordCallbackErrorsMiddleware": 950,
}

# A check for spider authors that Scrapy runs before every callback, re-reading the callback's
# source whenever its cache has let go of it: tests/spiders runs it once on our callbacks.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Scrapy starts this many tasks for every response's output, however little it yields (2.19:
# 100, a third of the crawl's CPU). Our pipelines never wait on anything, so one at a time
# processes the same items in the same order.
CONCURRENT_ITEMS = 1

ITEM_PIPELINES = {
    "presswatch.spiders.pipelines.ValidateItemPipeline": 100,
    "presswatch.spiders.pipelines.DropDuplicatePagesPipeline": 200,
    "presswatch.spiders.pipelines.StoreBodyPipeline": 300,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
