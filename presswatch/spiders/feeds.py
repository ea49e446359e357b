"""Feed and sitemap bytes to candidate URLs: plain functions, tested without a crawl.

The spider fetches the bytes (one HTTP stack with one set of limits and guards) and hands them
here. Nothing in this module does I/O, and nothing but the returned error text reports a bad
source: a broken feed is data about the run, not an exception.

Date rules: feed dates are read as UTC; a date more than a day after `now` (clock skew allowed)
or before 1995 is ignored (the entry is kept, its date is unknown). Entries dated before
`since` are skipped. In sitemaps an undated URL entry is skipped when `since` is set (nothing
shows it is newer), while an undated child sitemap is still followed.
"""

from __future__ import annotations

import calendar
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import feedparser
import lxml.etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from presswatch.records import Candidate
from presswatch.spiders.news_links import bing_news_target
from presswatch.spiders.sniff import looks_like_html
from presswatch.spiders.urls import BadUrl, canonicalize, google_news_publisher_url, outlet_of
from presswatch.text import clean_line

CLOCK_SKEW = timedelta(days=1)
OLDEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
MAX_TITLE_CHARS = 1000
# What feedparser itself raises on some hostile input (e.g. UnicodeEncodeError on "&#xD800;"
# in its lenient parser): a broken feed, reported like any other.
FEEDPARSER_FAILURES = (
    ValueError, TypeError, AttributeError, LookupError, OverflowError, RecursionError,
)
# feedparser flags these but parses the document fine: not a reason to call a feed broken.
_HARMLESS_BOZO = {"CharacterEncodingOverride", "NonXMLContentType"}


@dataclass
class ParsedSource:
    """Candidates from one feed or sitemap body, child sitemaps to fetch, and what went wrong."""

    candidates: list[Candidate] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: Counter[str] = field(default_factory=Counter)


def plausible_date(value: datetime | None, now: datetime) -> datetime | None:
    """value if it could be a real publication date seen at `now`, else None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value > now + CLOCK_SKEW or value < OLDEST_PLAUSIBLE:
        return None
    return value


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own get() maps missing keys onto others, with a warning.
        parsed = dict.get(entry, key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link.strip()
    for item in entry.get("links") or []:
        href = item.get("href")
        if isinstance(href, str) and href.strip() and item.get("rel", "alternate") == "alternate":
            return href.strip()
    guid = entry.get("id")
    if entry.get("guidislink") and isinstance(guid, str) and guid.startswith(("http:", "https:")):
        return guid
    return None


def _clean_title(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_line(value, MAX_TITLE_CHARS) or None


def _candidate_url(link: str) -> str:
    """Canonical URL for a feed link: a Bing News link becomes the publisher's URL it wraps, a
    Google News link the publisher's when its id embeds it (the spider decodes the others)."""
    url = canonicalize(link)
    return bing_news_target(url) or google_news_publisher_url(url) or url


def parse_feed(
    body: bytes,
    *,
    source_url: str,
    now: datetime,
    content_type: str | None = None,
    since: date | None = None,
) -> ParsedSource:
    """RSS 0.9x/1.0/2.0 or Atom bytes to candidates, deduplicated by GUID and canonical URL.

    A feed that feedparser had to parse leniently still gives its entries, and the error says
    so; HTML or anything that is not a feed gives an error and no candidates.
    """
    result = ParsedSource()
    if not body.strip():
        result.error = "empty response instead of a feed"
        return result
    headers = {"content-location": source_url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    except FEEDPARSER_FAILURES as exc:
        result.error = f"feed parser failed on this feed: {type(exc).__name__}: {exc}"
        return result
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        if looks_like_html(body):
            result.error = f"HTML page instead of a feed (content type {content_type or 'none'})"
        else:
            problem = parsed.get("bozo_exception")
            result.error = f"not a feed: {problem or 'no RSS or Atom root element'}"
        return result
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and type(problem).__name__ not in _HARMLESS_BOZO:
        result.error = (
            f"malformed feed ({type(problem).__name__}: {problem}); "
            f"{len(entries)} entries recovered by lenient parsing"
        )
    seen_ids: set[str] = set()
    seen_urls: set[str] = set()
    for entry in entries:
        link = _entry_link(entry)
        if link is None:
            result.skipped["entry without a link"] += 1
            continue
        try:
            url = _candidate_url(link)
        except BadUrl:
            result.skipped["link is not an http(s) URL"] += 1
            continue
        guid = entry.get("id") if isinstance(entry.get("id"), str) else None
        if url in seen_urls or (guid and guid in seen_ids):
            result.skipped["duplicate GUID or link"] += 1
            continue
        seen_urls.add(url)
        if guid:
            seen_ids.add(guid)
        raw_date = _entry_date(entry)
        published_at = plausible_date(raw_date, now)
        if raw_date is not None and published_at is None:
            result.skipped["implausible date ignored (entry kept)"] += 1
        if since is not None and published_at is not None and published_at.date() < since:
            result.skipped["older than the story's start date"] += 1
            continue
        result.candidates.append(
            Candidate(
                url=url,
                source_url=source_url,
                title=_clean_title(entry.get("title")),
                published_at=published_at,
            )
        )
    return result


class _NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, also keeping Google News fields (<news:news> children).

    Scrapy flattens each <url> to its direct children's text, losing the nested
    news:publication_date and news:title, so they are gathered before it clears the element.
    """

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for child in elem:
            if self._get_tag_name(child) == "news":
                for item in child.iter():
                    name = self._get_tag_name(item)
                    if name in {"publication_date", "title"} and item.text:
                        news[name] = item.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None:
            entry["news"] = news
        return entry


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """W3C datetime as sitemaps write it ("2024-11-26", "2024-11-26T09:00:00Z"), in UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_sitemap(
    body: bytes,
    *,
    source_url: str,
    now: datetime,
    max_size: int,
    since: date | None = None,
) -> ParsedSource:
    """Sitemap, sitemap index or Google news sitemap bytes (gzip allowed) to candidates and
    child sitemaps, keeping entries newer than `since` (see the module docstring).

    As the sitemap protocol requires, only URLs on the sitemap's own site (registered domain
    of source_url) are kept: a sitemap cannot send the crawler to other sites.
    """
    result = ParsedSource()
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except _DecompressionMaxSizeExceeded:
            result.error = f"sitemap larger than {max_size} bytes once decompressed"
            return result
        except (OSError, EOFError, zlib.error) as exc:
            result.error = f"broken gzip sitemap: {exc}"
            return result
    try:
        sitemap = _NewsSitemap(body)
        kind = sitemap.type
        entries = list(sitemap)
    except (lxml.etree.LxmlError, StopIteration, ValueError) as exc:
        result.error = f"not a sitemap: {str(exc) or 'no XML root element'}"
        return result
    if kind not in {"urlset", "sitemapindex"}:
        what = "HTML page" if looks_like_html(body) else f"root element <{kind}>"
        result.error = f"not a sitemap: {what}"
        return result
    try:
        site = outlet_of(source_url)
    except BadUrl as exc:
        result.error = f"sitemap source is not a URL: {exc}"
        return result
    seen: set[str] = set()
    for entry in entries:
        try:
            url = canonicalize(entry.get("loc", ""))
        except BadUrl:
            result.skipped["loc is not an http(s) URL"] += 1
            continue
        if url in seen:
            result.skipped["duplicate loc"] += 1
            continue
        seen.add(url)
        if outlet_of(url) != site:
            result.skipped["loc on another site than the sitemap"] += 1
            continue
        news = entry.get("news") or {}
        raw_date = parse_w3c_datetime(news.get("publication_date") or entry.get("lastmod"))
        published_at = plausible_date(raw_date, now)
        if since is not None and published_at is not None and published_at.date() < since:
            result.skipped["older than the story's start date"] += 1
            continue
        if kind == "sitemapindex":
            result.sitemaps.append(url)
            continue
        if since is not None and published_at is None:
            result.skipped["no plausible date, cannot show it is newer"] += 1
            continue
        result.candidates.append(
            Candidate(
                url=url,
                source_url=source_url,
                title=_clean_title(news.get("title")),
                published_at=published_at,
            )
        )
    return result
